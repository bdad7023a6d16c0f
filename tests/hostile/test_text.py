"""Text that breaks line-based tools and terminals: U+2028 in records, lone surrogates in an
input file, terminal escapes in a server's Content-Type."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import PROJECT, read_manifest
from .server import Answer
from .site import crawl, serve_hostile, site

pytestmark = pytest.mark.timeout(300)
SEPARATORS = "\u2028\u2029\u0085"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["chat", "openai-batch", "anthropic-batch", "hf"])
def test_line_separators_in_a_record_survive_every_export(tmp_path, fmt):
    page = {"seps": f"<p>Before the separators{SEPARATORS}after them, in one paragraph.</p>"}
    out = tmp_path / "out.jsonl"
    with serve_hostile(site({}, page)) as server:
        assert crawl(server.base_url, out, "--workers", "1").returncode == 0
    assert SEPARATORS in out.read_text(encoding="utf-8")
    result = cli("export", str(out), "--to", fmt, str(tmp_path / fmt))
    assert result.returncode == 0, result.stderr
    if fmt == "hf":
        import pyarrow.parquet as pq
        texts = [t for f in (tmp_path / fmt / "data").iterdir() for t in pq.read_table(f).column("text").to_pylist()]
    else:
        data = b"".join(f.read_bytes() for f in sorted((tmp_path / fmt).iterdir()))
        lines = [json.loads(line) for line in data.split(b"\n") if line]
        texts = [json.dumps(line, ensure_ascii=False) for line in lines]
    assert any(SEPARATORS in text for text in texts)


@pytest.mark.parametrize("command", [["report", "-o", "r.html"], ["dedup"], ["export", "--to", "chat", "x"]])
def test_a_lone_surrogate_in_the_input_is_one_clear_line(tmp_path, command):
    bad = tmp_path / "bad.jsonl"
    good = {"id": "a", "site": "s", "version": "1.0", "text": "fine", "url": "https://x/#a"}
    bad.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "b"}).replace("fine", "\\ud800 broken") + "\n")
    args = [command[0], str(bad), *[str(tmp_path / a) if a in ("r.html", "x") else a for a in command[1:]]]
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "line 2" in result.stderr and "surrogate" in result.stderr, result.stderr
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "x").exists()


@pytest.mark.slow
def test_terminal_escapes_from_a_server_are_never_printed_raw(tmp_path):
    escape = "\x1b]0;owned\x07\x1b[2J"
    base = site({}, {"evil": ""})

    def route(path):
        if path == "/docs/1.0/evil.html":
            return Answer(b"%PDF-1.4", content_type=f"application/pdf{escape}")
        return base(path)

    out = tmp_path / "out.jsonl"
    with serve_hostile(route) as server:
        result = crawl(server.base_url, out, "--workers", "1")
    assert result.returncode == 1
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stderr
    assert "\\x1b]0;owned" in result.stderr, result.stderr
    failures = read_manifest(out)["failures"]
    assert [f["kind"] for f in failures] == ["not_html"]


def test_terminal_escapes_in_version_names_are_never_printed_raw(tmp_path):
    """mike's versions.json names versions freely: one carries terminal escapes."""
    profile = tmp_path / "profile.toml"
    profile.write_text(open("tests/hostile/profile.toml").read()
                       .replace("url_pattern = '^/docs/(?P<slug>\\d+\\.\\d+)/'",
                                "url_pattern = '^/docs/(?P<slug>[^/]+)/'\njson = \"/versions.json\"")
                       .replace("path = '^/docs/(?P<slug>\\d+\\.\\d+)/", "path = '^/docs/(?P<slug>[^/]+)/"))
    evil = "9.9\x1b]0;owned\x07\x1b[2J"
    base = site({})

    def route(path):
        if path == "/versions.json":
            body = json.dumps([{"version": "1.0", "aliases": ["latest"]}, {"version": evil, "aliases": []}])
            return Answer(body.encode(), content_type="application/json")
        return base(path)

    out = tmp_path / "out.jsonl"
    with serve_hostile(route) as server:
        result = crawl(server.base_url, out, "--workers", "1", "--profile", str(profile), "--versions", "1.0,9.9")
    output = result.stderr + result.stdout
    assert "\x1b" not in output and "\x07" not in output, output[-2000:]
    assert "Traceback" not in output
    assert "9.9\\x1b]0;owned\\x07" in output, output[-2000:]   # shown, escaped
