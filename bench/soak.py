"""Soak test: scheduled incremental distributed runs of the Kafka mirror, one random fault each.

    python bench/soak.py [--runs 20] [--versions 2.0,2.1,2.2] [--seed N] [--shared ../shared]

Serves ``shared/kafka-site`` with Apache (``serve-kafka-site``, loopback), starts a private
``redis-server`` with persistence (``appendonly yes``: a restarted Redis keeps its runs), and
runs ``--runs`` incremental crawls (``--state``), each a coordinator and one worker, each with one
fault drawn at random:

- ``kill_coordinator`` / ``kill_worker``: SIGKILL at a random moment of the run (a killed
  coordinator is started again with the same command; a killed worker is replaced);
- ``restart_redis``: Redis stopped and started again mid-run (every process exits 1; the same
  command resumes);
- ``disk_full``: the run's output folder is a 4 KB tmpfs, too small for the manifest (root); it is
  enlarged after the failed attempt and the same command finishes the run;
- ``pages_changed``: pages of the served copy are changed before the run (no other fault).

After every run the corpus (the records of every run so far: new and changed ones replace, the
``.removed.jsonl`` ids leave) must equal a clean single-process crawl of the same site state by
ids and texts, and every exit code must tell the truth: an attempt that did not finish exits
non-zero and writes no manifest (its completion mark); the last one exits 0. Prints one row per run; exit 1 if any is wrong.
Bounded: loopback only, ``--versions`` releases (default three of 20 pages each), every attempt
under ``--attempt-timeout`` seconds, every process it starts dies with it (PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import redis  # noqa: E402

from crawler.run.lifeline import set_parent_death_signal  # noqa: E402
from tests.redis_server import free_port  # noqa: E402

FAULTS = ("kill_coordinator", "kill_worker", "restart_redis", "disk_full", "pages_changed")


def spawn(arguments: list[str], log: Path) -> subprocess.Popen:
    """A child that dies with this script (a soak killed midway leaves nothing running)."""
    return subprocess.Popen(arguments, cwd=PROJECT, stdout=log.open("a"), stderr=subprocess.STDOUT,
                            preexec_fn=lambda: set_parent_death_signal(signal.SIGKILL))


def docprompts(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *arguments]


class PersistentRedis:
    """redis-server on a fixed loopback port, its append-only file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = spawn(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir",
                              str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                             self.folder / "redis.log")
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()   # a restart: Redis writes its append-only file and exits
        self.process.wait(timeout=60)

    def restart(self) -> None:
        self.stop()
        self.start()


class Soak:
    def __init__(self, args, base_url: str, site: Path, folder: Path, server: PersistentRedis) -> None:
        self.args, self.base_url, self.site, self.folder, self.redis = args, base_url, site, folder, server
        self.random = random.Random(args.seed)
        self.state = folder / "state"
        self.corpus: dict[str, str] = {}
        self.site_version = 0               # bumped by every change of the served pages
        self.clean: dict[int, dict[str, str]] = {}
        self.shortest = 20.0                # the shortest run so far: faults land within it

    def crawl_command(self, out: Path) -> list[str]:
        return docprompts("crawl", "kafka", "--base-url", self.base_url, "--versions", self.args.versions,
                          "--out", str(out), "--state", str(self.state), "--redis", self.redis.url,
                          "--lease-seconds", "3", "--workers", "1", "--log-level", "ERROR")

    def worker(self, log: Path) -> subprocess.Popen:
        return spawn(docprompts("worker", "--redis", self.redis.url, "--idle-exit", "5", "--workers", "1",
                                "--log-level", "ERROR"), log)

    def clean_crawl(self) -> dict[str, str]:
        """A single-process crawl of the site as it is now, without state: the reference."""
        if self.site_version not in self.clean:
            out = self.folder / f"clean-{self.site_version}.jsonl"
            result = subprocess.run(docprompts("crawl", "kafka", "--base-url", self.base_url, "--versions",
                                               self.args.versions, "--out", str(out), "--workers", "1",
                                               "--log-level", "ERROR"), cwd=PROJECT, capture_output=True,
                                    text=True, timeout=self.args.attempt_timeout)
            if result.returncode != 0:
                raise SystemExit(f"the clean crawl failed ({result.returncode}): {result.stderr[-500:]}")
            self.clean[self.site_version] = records_of(out)
        return self.clean[self.site_version]

    def change_pages(self, run: int) -> int:
        """Change the first paragraph of two served pages of the crawled releases."""
        slugs = [version.replace(".", "") for version in self.args.versions.split(",")]
        pages = sorted(page for slug in slugs for page in (self.site / slug).rglob("*.html"))
        changed = 0
        for page in self.random.sample(pages, min(2, len(pages))):
            text = page.read_text(encoding="utf-8", errors="surrogateescape")
            new = re.sub(r"<p>", f"<p>Soak run {run} changed this paragraph. ", text, count=1)
            if new != text:
                page.write_text(new, encoding="utf-8", errors="surrogateescape")
                changed += 1
        self.site_version += 1
        return changed

    def one_run(self, run: int, fault: str) -> dict:
        folder = self.folder / f"run{run:02}"
        folder.mkdir()
        out, log = folder / "out" / "docs.jsonl", folder / "log.txt"
        out.parent.mkdir()
        note = ""
        if fault == "pages_changed":
            note = f"{self.change_pages(run)} pages changed"
        if fault == "disk_full":
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(out.parent)], check=True)
        started = time.monotonic()
        attempts: list[int] = []
        truthful = True
        workers = [self.worker(log)]
        coordinator = spawn(self.crawl_command(out), log)
        if fault in ("kill_coordinator", "kill_worker", "restart_redis"):
            moment = self.random.uniform(0.5, self.args.fault_window or 0.8 * self.shortest)
            note = f"at {moment:.1f}s"
            if not wait(coordinator, moment):
                if fault == "kill_coordinator":
                    coordinator.kill()
                elif fault == "kill_worker":
                    workers[-1].kill()
                    workers.append(self.worker(log))
                else:
                    self.redis.restart()
            else:
                note += " (after the end)"
        while True:
            code = finish(coordinator, self.args.attempt_timeout)
            attempts.append(code)
            if code == 0:
                break
            if code > 0:   # docprompts' own answer (a SIGKILLed attempt gives none): no manifest
                truthful &= not manifest_of(out).exists()
            if len(attempts) >= 4:
                break
            if fault == "disk_full":
                subprocess.run(["mount", "-o", "remount,size=200m", str(out.parent)], check=True)
            if all(worker.poll() is not None for worker in workers):
                workers.append(self.worker(log))
            coordinator = spawn(self.crawl_command(out), log)   # the operator's (or the schedule's) rerun
        for worker in workers:
            finish(worker, 60)
        seconds = time.monotonic() - started
        if fault in ("none (first run)", "pages_changed"):   # runs without an interruption
            self.shortest = seconds if run == 1 else min(self.shortest, seconds)
        manifest = json.loads(manifest_of(out).read_text()) if attempts[-1] == 0 else {}
        if attempts[-1] == 0:
            self.apply(out)
        clean = self.clean_crawl()
        same = attempts[-1] == 0 and self.corpus == clean
        truthful &= (attempts[-1] == 0) == (same and manifest.get("pages_failed") == 0)
        if fault == "disk_full":
            subprocess.run(["umount", str(out.parent)], check=False)
        delta = manifest.get("delta", {})
        return {"run": run, "fault": fault, "note": note, "attempts": attempts, "seconds": seconds,
                "new": delta.get("new", 0), "changed": delta.get("changed", 0), "removed": delta.get("removed", 0),
                "records": len(self.corpus), "clean": len(clean), "same": same, "truthful": truthful}

    def apply(self, out: Path) -> None:
        """The run's output into the corpus: new and changed records replace, removed ids leave."""
        self.corpus.update(records_of(out))
        removed = Path(str(out).removesuffix(".jsonl") + ".removed.jsonl")
        for line in removed.read_text().splitlines() if removed.exists() else []:
            self.corpus.pop(json.loads(line)["id"], None)


def manifest_of(out: Path) -> Path:
    """A run's completion mark: its output may be written before a full disk stops the manifest."""
    return Path(str(out) + ".manifest.json")


def records_of(out: Path) -> dict[str, str]:
    return {record["id"]: record["text"] for record in map(json.loads, out.read_text().splitlines())}


def wait(process: subprocess.Popen, seconds: float) -> bool:
    """True if the process ended within ``seconds``."""
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def finish(process: subprocess.Popen, seconds: float) -> int:
    if not wait(process, seconds):
        process.kill()
        process.wait()
    return process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(PROJECT.parent / "shared"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--versions", default="2.0,2.1,2.2")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--fault-window", type=float, default=None,
                        help="a kill or restart happens within this many seconds of the start "
                             "(default: 80%% of the shortest run without a fault)")
    parser.add_argument("--attempt-timeout", type=float, default=600.0)
    args = parser.parse_args()
    serve, port = Path(args.shared) / "serve-kafka-site", str(free_port())
    if not serve.exists():
        print(f"soak: {serve} is missing (the Kafka mirror)", file=sys.stderr)
        return 2
    base_url = subprocess.run(["bash", str(serve), "start", port], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    site = Path(tempfile.gettempdir()) / f"kafka-site-{port}" / "site"   # the copy Apache serves
    rows = []
    folder = Path(tempfile.mkdtemp(prefix="docprompts-soak-"))
    server = PersistentRedis(folder)
    try:
        server.start()
        soak = Soak(args, base_url, site, folder, server)
        print(f"{'run':>3} {'fault':<17} {'when / what':<22} {'exit codes':<12} {'seconds':>7} {'new':>5} "
              f"{'changed':>7} {'removed':>7} {'corpus':>6} {'clean':>6} {'same':>5} {'exit right':>10}", flush=True)
        for run in range(1, args.runs + 1):
            fault = "none (first run)" if run == 1 else soak.random.choice(FAULTS)
            row = soak.one_run(run, fault)
            rows.append(row)
            print(f"{row['run']:>3} {row['fault']:<17} {row['note']:<22} {','.join(map(str, row['attempts'])):<12} "
                  f"{row['seconds']:>7.1f} {row['new']:>5} {row['changed']:>7} {row['removed']:>7} "
                  f"{row['records']:>6} {row['clean']:>6} {'yes' if row['same'] else 'NO':>5} "
                  f"{'yes' if row['truthful'] else 'NO':>10}", flush=True)
    finally:
        if server.process is not None:
            server.stop()
        subprocess.run(["bash", str(serve), "stop", port], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    good = sum(row["same"] and row["truthful"] for row in rows)
    print(f"{good} of {len(rows)} runs identical to a clean crawl with every exit code right")
    return 0 if good == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
