"""Paths and text a run writes or prints, made safe: nothing the user made is replaced or deleted,
every write failure is one clear line, and nothing from a server reaches a terminal raw.

* ``output_target(path)``: where a file may be written: absent or a regular file; a symlink is
  written through (its target must be absent or a regular file), never replaced; a device node,
  a FIFO or a directory is refused (``UnsafePath``).
* ``OutputError``: a failed write (disk full, read-only file system, permission denied) as one
  line, e.g. "no space left on device writing out.jsonl.part".
* ``new_file_mode()``: what ``open()`` would give a new file under the process's umask
  (``mkstemp`` alone gives 0600 whatever the umask).
* ``printable(text)``: control characters (terminal escapes, bells) shown as ``\\x1b`` etc.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path


class UnsafePath(ValueError):
    """An output path that must not be written (exit 2, before any work)."""


class OutputError(OSError):
    """A write that failed; ``str()`` is the one line to show."""

    def __init__(self, error: OSError, path: str | os.PathLike) -> None:
        reason = (error.strerror or str(error)).lower() if isinstance(error, OSError) else str(error)
        super().__init__(getattr(error, "errno", None), f"{reason} writing {Path(path).name}")
        self.path = Path(path)

    def __str__(self) -> str:
        return self.strerror


def output_target(path: str | os.PathLike, what: str = "output") -> Path:
    """The file to write for ``path`` (a symlink's target), or ``UnsafePath``."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        try:
            info = os.stat(path)   # through the link (also /proc's magic links: /dev/stdout)
        except FileNotFoundError:
            return target          # a dangling link: its target gets created
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{what} {path} is a symlink to {target}, which is not a regular file")
        return target
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePath(f"{what} {path} is a directory; give a file path")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{what} {path} exists and is not a regular file (a device, FIFO or socket)")
    return path


def check_writable_dir(directory: Path, what: str = "output") -> None:
    """Create a file in ``directory`` and remove it: the real test (read-only mounts, ACLs)."""
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".docprompts-probe-{os.getpid()}"
    try:
        with open(probe, "wb"):
            pass
        probe.unlink()
    except OSError as error:
        raise UnsafePath(f"cannot write the {what} in {directory}: {error.strerror or error}") from None


def new_file_mode(existing: Path | None = None) -> int:
    """Keep an existing file's mode; otherwise 0666 minus the umask."""
    if existing is not None:
        try:
            return stat.S_IMODE(os.stat(existing).st_mode)
        except OSError:
            pass
    return 0o666 & ~current_umask()


def current_umask() -> int:
    try:   # /proc reads it without changing it (os.umask must set it to read it)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


DISK_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EFBIG, errno.EIO)

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text) -> str:
    """``text`` safe for a terminal or a log line: control characters escaped."""
    text = str(text)
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def check_crawl_paths(out: str | os.PathLike, state: str | os.PathLike | None, site: str) -> None:
    """Before any crawling: every file the run writes is a regular file or absent (symlinks are
    written through), its folder is writable, and none of them is the ``--state`` folder, its
    state file or its HTTP cache (the run would destroy its own memory and could not resume)."""
    out = Path(out)
    files = {"--out": out, "journal": Path(f"{out}.part"), "manifest": Path(f"{out}.manifest.json"),
             "removed-ids file": Path(str(out).removesuffix(".jsonl") + ".removed.jsonl")}
    targets = {what: output_target(path, what) for what, path in files.items()}
    check_writable_dir(targets["--out"].resolve().parent)
    if state:
        state_dir = Path(state).resolve()
        state_file, cache = state_dir / f"{site}.json", state_dir / "httpcache"
        for what, target in targets.items():
            real = target.resolve()
            if real in (state_dir, state_file) or cache == real or cache in real.parents:
                raise UnsafePath(f"{what} {files[what]} would overwrite the --state {state} data: "
                                 f"give an output path outside it")
        if state_dir.exists() and not state_dir.is_dir():
            raise UnsafePath(f"--state {state} exists and is not a directory")
