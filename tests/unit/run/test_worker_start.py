"""Page workers start with the CLI, all at once, and without re-running the program's main module."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from crawler.run import workers

from ...conftest import PROJECT


@pytest.mark.slow
def test_the_crawl_adopts_the_workers_the_cli_started():
    workers.start_early(2, "cl100k_base")
    try:
        early = workers._early_pools[2, "cl100k_base"]
        assert len(early._processes) == 2   # both started now, not as the first pages arrive
        page_workers = workers.PageWorkers(2, "cl100k_base")
        assert page_workers.executor is early and not workers._early_pools
        page_workers.close()
    finally:
        workers.discard_early()


@pytest.mark.slow
def test_workers_nobody_adopted_are_killed():
    workers.start_early(1, "cl100k_base")
    pool = workers._early_pools[1, "cl100k_base"]
    processes = list(pool._processes.values())
    workers.discard_early()
    assert not workers._early_pools
    # SIGKILLed at once, but on a loaded CI machine one was still seen alive right after
    # discard_early (its 5 s join and the pool's manager thread reap the same children): death
    # is awaited here, as a user would see it, within a minute.
    deadline = time.monotonic() + 60
    while any(process.is_alive() for process in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(not process.is_alive() for process in processes)


PROGRAM = """
import os, sys
if __name__ == "__mp_main__":   # multiprocessing re-running this program in a worker (same argv)
    open(sys.argv[1], "w").close()
if __name__ == "__main__":
    from crawler.run import workers
    pool = workers.new_pool(1, "cl100k_base")
    print(pool.submit(os.getpid).result(timeout=60))
    pool.shutdown()
"""


@pytest.mark.slow
def test_a_worker_does_not_rerun_the_program_that_started_it(tmp_path):
    # The crawl's program (crawler.cli) imports Scrapy and Twisted: a worker needs neither.
    program, mark = tmp_path / "program.py", tmp_path / "rerun"
    program.write_text(PROGRAM)
    done = subprocess.run([sys.executable, str(program), str(mark)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not mark.exists()


@pytest.mark.slow
def test_killing_unadopted_workers_waits_for_the_pool_to_tidy_up(monkeypatch):
    # The CLI's error path (a bad profile) kills the early workers and exits at once. The pool's
    # manager thread closes its wake-up pipe only after tidying its queue; if Python exits
    # meanwhile, CPython 3.11's exit hook can write to that pipe just as it closes and print a
    # traceback below the one-line error (a CI run saw it). Slowed down by a second here, the
    # tidying must still be over when discard_early returns.
    import concurrent.futures.process as pool_internals
    tidy = pool_internals._ExecutorManagerThread.join_executor_internals

    def slow_tidy(self):
        time.sleep(1.0)
        tidy(self)

    monkeypatch.setattr(pool_internals._ExecutorManagerThread, "join_executor_internals", slow_tidy)
    workers.start_early(1, "cl100k_base")
    manager = workers._early_pools[1, "cl100k_base"]._executor_manager_thread
    workers.discard_early()
    assert not manager.is_alive()
