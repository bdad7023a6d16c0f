"""Scheduled-crawl guarantees, with the real CLI and Scrapy engine on a local copy of a fixture
site: a run killed with SIGKILL (or stopped with SIGTERM) resumes to the same output as an
uninterrupted run, and an incremental re-run emits only what changed."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

SITE = PROJECT / "tests" / "sites" / "kafka-hugo"
KILL_AT_LINES = (1, 2, 4, 7, 10, 14, 19, 25, 31, 38)   # journal lines on disk when killed

pytestmark = pytest.mark.slow   # a dozen crawls, killed and resumed: minutes


@pytest.fixture(scope="module")
def site():
    with serve_directory(SITE) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def uninterrupted(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "docs.jsonl"
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    return comparable(read_records(out))


def comparable(records: list[dict]) -> list[tuple]:
    """What must match between runs: ids, texts, anchors (not timestamps or fetch ports)."""
    return sorted((r["id"], r["text"], tuple(r["anchors"]), r["prompt"]) for r in records)


def crawl_command(site: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "kafka", "--base-url", site, "--out", str(out)]


def start_and_stop_after(site: str, out: Path, lines: int, how: int) -> None:
    """Start a crawl and send ``how`` (a signal) once its journal holds ``lines`` lines."""
    part = Path(str(out) + ".part")
    process = subprocess.Popen(crawl_command(site, out), cwd=PROJECT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if part.exists() and part.read_bytes().count(b"\n") >= lines:
            os.killpg(process.pid, how)   # the workers too, as a real kill of the job would
            break
        time.sleep(0.005)
    process.wait(timeout=60)


@pytest.mark.parametrize("lines", KILL_AT_LINES)
def test_sigkill_then_resume_gives_the_uninterrupted_output(site, uninterrupted, tmp_path, lines):
    out = tmp_path / "docs.jsonl"
    start_and_stop_after(site, out, lines, signal.SIGKILL)
    if not out.exists():   # killed before the end: the journal is there, the output is not
        assert Path(str(out) + ".part").exists()
    result = subprocess.run(crawl_command(site, out), cwd=PROJECT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    raw = out.read_bytes()
    assert raw.endswith(b"\n") and b"__page__" not in raw and b"__run__" not in raw
    records = read_records(out)
    assert len({r["id"] for r in records}) == len(records), "a record was written twice"
    assert comparable(records) == uninterrupted
    assert not Path(str(out) + ".part").exists()


def test_a_torn_last_line_is_cut_off_on_resume(site, uninterrupted, tmp_path):
    out = tmp_path / "docs.jsonl"
    start_and_stop_after(site, out, 12, signal.SIGKILL)
    part = Path(str(out) + ".part")
    with open(part, "ab") as stream:
        stream.write(b'{"id": "torn-by-a-kill", "text": "half a rec')
    result = subprocess.run(crawl_command(site, out), cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert comparable(read_records(out)) == uninterrupted


def test_sigterm_stops_cleanly_and_says_how_to_resume(site, uninterrupted, tmp_path):
    out = tmp_path / "docs.jsonl"
    part = Path(str(out) + ".part")
    process = subprocess.Popen(crawl_command(site, out), cwd=PROJECT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    while not (part.exists() and part.read_bytes().count(b"\n") >= 5) and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the crawl finished before the signal arrived")
    assert process.returncode == 1
    assert "run the same command again to resume" in stderr
    assert part.exists() and not out.exists() and not Path(str(out) + ".manifest.json").exists()
    result = subprocess.run(crawl_command(site, out), cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert comparable(read_records(out)) == uninterrupted


def test_resume_refuses_a_journal_from_other_settings(site, tmp_path):
    out = tmp_path / "docs.jsonl"
    start_and_stop_after(site, out, 6, signal.SIGKILL)
    result = run_docprompts("crawl", "kafka", "--base-url", site, "--out", str(out), "--target-tokens", "50")
    assert result.returncode == 2
    assert "other settings" in result.stderr and result.stderr.count("\n") == 1


# -- incremental runs ---------------------------------------------------------------------------
@pytest.fixture
def editable_site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    with serve_directory(root) as base_url:
        yield root, base_url


def crawl_with_state(base_url: str, out: Path, state: Path, *extra: str):
    result = run_docprompts("crawl", "kafka", "--base-url", base_url, "--out", str(out),
                            "--state", str(state), *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    return read_records(out), read_manifest(out)


def test_second_run_over_an_unchanged_site_emits_nothing(editable_site, tmp_path):
    _, base_url = editable_site
    state = tmp_path / "state"
    first, first_manifest = crawl_with_state(base_url, tmp_path / "1.jsonl", state)
    second, manifest = crawl_with_state(base_url, tmp_path / "2.jsonl", state)
    assert second == []
    assert manifest["delta"]["unchanged"] == len(first) and manifest["delta"]["new"] == 0
    assert manifest["delta"]["changed"] == manifest["delta"]["removed"] == 0
    assert (tmp_path / "2.removed.jsonl").read_text() == ""


def test_editing_one_section_emits_exactly_its_records(editable_site, tmp_path):
    root, base_url = editable_site
    state = tmp_path / "state"
    first, _ = crawl_with_state(base_url, tmp_path / "1.jsonl", state)
    page = root / "41" / "getting-started" / "uses" / "index.html"
    html = page.read_text()
    heading = html.index('<h2 id=work-queues>')
    paragraph = html.index("<p>", heading) + len("<p>")
    page.write_text(html[:paragraph] + "One sentence added by the test. " + html[paragraph:])
    shutil.rmtree(root / "40" / "operations" / "monitoring")   # a page gone from the site

    second, manifest = crawl_with_state(base_url, tmp_path / "2.jsonl", state)
    assert [r["url"] for r in second] == ["https://kafka.apache.org/41/getting-started/uses/#work-queues"]
    assert "One sentence added by the test." in second[0]["text"]
    before = {r["id"]: r for r in first}
    assert second[0]["id"] in before and second[0]["text"] != before[second[0]["id"]]["text"]
    removed = [line for line in (tmp_path / "2.removed.jsonl").read_text().splitlines()]
    gone = sorted(r["id"] for r in first if r["url"].startswith("https://kafka.apache.org/40/operations/monitoring/"))
    assert sorted(json.loads(line)["id"] for line in removed) == gone and gone
    delta = manifest["delta"]
    assert (delta["changed"], delta["new"], delta["removed"]) == (1, 0, len(gone))

    full, full_manifest = crawl_with_state(base_url, tmp_path / "3.jsonl", state, "--full")
    assert len(full) == len(first) - len(gone) and full_manifest["delta"]["unchanged"] == len(full)


def test_old_releases_are_pinned_and_new_ones_picked_up(tmp_path):
    """With a previous state and ``refetch_newest = 1``, only the newest release seen before is
    fetched again; an older one carries over as unchanged, a release new to the site is crawled."""
    from crawler.site.profiles import profile_from_dict
    from crawler.site.sites import KAFKA
    from crawler.spiders.docs import DocsSpider
    from crawler.run.state import PageDone, StateStore, run_fingerprint

    profile = profile_from_dict({"name": "pinned", "source": "x", "entry": "/", "pages": [
        {"name": "page", "path": r"^/(?P<slug>\d+)/", "content_root": "main"}],
        "versions": {"url_pattern": r"^/(?P<slug>\d+)/", "refetch_newest": 1}})
    spider = DocsSpider(profile=profile, base_url="http://127.0.0.1:9")
    StateStore(tmp_path, "pinned").save(run_fingerprint(profile, spider.budget), {
        "/10/": PageDone("u", "/10/", "1.0", "h", records={"a": "x", "b": "y"}),
        "/20/": PageDone("u", "/20/", "2.0", "h", records={"c": "z"})})
    spider = DocsSpider(profile=profile, base_url="http://127.0.0.1:9", state=str(tmp_path))
    assert spider.pinned == {"1.0"}
    assert not spider.wanted("10", "1.0") and spider.wanted("20", "2.0") and spider.wanted("30", "3.0")
    pages, removed = spider.final_state()   # nothing fetched this time: 2.0's page is gone
    assert set(pages) == {"/10/"} and removed == {"c"}
    assert spider.run.delta["unchanged"] == 2
    assert KAFKA.versions.refetch_newest == 3
    assert DocsSpider(profile=profile, base_url="http://127.0.0.1:9", state=str(tmp_path), full=True).pinned == set()
