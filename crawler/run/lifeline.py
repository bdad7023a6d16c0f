"""A child process dies with the process that started it.

A crawl killed with SIGKILL (the OOM killer, a CI or cron timeout) cannot tell its page workers
to stop: they are re-parented to init and, busy with a pathological page, may burn a core for
minutes. Two guards, set by the child itself as its first step:

- ``PR_SET_PDEATHSIG`` (Linux ``prctl``): the kernel sends the child SIGKILL when its parent
  dies. Immediate, but Linux only, and it fires when the *thread* that started the child ends:
  pools are started from the crawl's main thread, which lives as long as the process.
- a watchdog thread that compares ``getppid()`` with the parent's pid every half second (any
  POSIX system; it also covers a parent that died before the child got here).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1
CHECK_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child process: it ends when ``parent_pid`` does."""
    set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:   # the parent died while this process was starting
        os._exit(1)
    watchdog = threading.Thread(target=_watch, args=(parent_pid,), name="docprompts-lifeline", daemon=True)
    watchdog.start()


def set_parent_death_signal(signum: int) -> bool:
    """Ask the kernel for ``signum`` when the parent dies; False where there is no prctl."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    event = threading.Event()
    while not event.wait(CHECK_SECONDS):
        if os.getppid() != parent_pid:
            # os._exit, not sys.exit: the main thread may be deep in a C call (a parser) and
            # must not get the chance to finish its page.
            os._exit(1)
