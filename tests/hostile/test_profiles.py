"""Profiles are checked completely when loaded: a bad one is exit 2 with one line before any
request; a catastrophic regular expression cannot hang the crawl (RE2, linear time)."""
from __future__ import annotations

import time

import pytest

from ..conftest import read_manifest
from .site import crawl, html, page, serve_hostile, site

pytestmark = pytest.mark.timeout(300)
PROFILE_PATH = "tests/hostile/profile.toml"


def profile_with(tmp_path, text: str):
    path = tmp_path / "profile.toml"
    base = open(PROFILE_PATH).read()
    path.write_text(base.replace('seeds = ["/docs/{slug}/"]', text))
    return path


BAD = {
    "unknown placeholder": ('seeds = ["/docs/{slug}/{page}"]', "only placeholder is {slug}"),
    "lone brace": ('seeds = ["{"]', "not a valid template"),
    "bad group reference": ('seeds = ["/docs/{slug}/"]\nslug_rewrites = [["^(\\\\d+)$", "\\\\9"]]', "group \\9"),
    "relative plugin": ('seeds = ["/docs/{slug}/"]', "absolute module name"),
    "missing plugin": ('seeds = ["/docs/{slug}/"]', "cannot be imported"),
    "backreference": ('seeds = ["/docs/{slug}/"]\noptional_seeds = []\n[scope]\ndeny = ["(a)\\\\1"]', "linear-time engine"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_profile_is_one_line_and_exit_2_before_any_request(tmp_path, case):
    replacement, message = BAD[case]
    path = profile_with(tmp_path, replacement)
    if case == "relative plugin":
        path.write_text(path.read_text().replace('plugin = "tests.hostile.hooks"', 'plugin = ".hooks"'))
    if case == "missing plugin":
        path.write_text(path.read_text().replace('plugin = "tests.hostile.hooks"', 'plugin = "tests.hostile.nowhere"'))
    with serve_hostile(site({})) as server:
        result = crawl(server.base_url, tmp_path / "out.jsonl", "--profile", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("docprompts: error:") and message in lines[0], result.stderr
    assert server.requests == 0


@pytest.mark.slow
def test_catastrophic_deny_pattern_cannot_hang_the_crawl(tmp_path):
    path = profile_with(tmp_path, 'seeds = ["/docs/{slug}/"]\n[scope]\ndeny = ["(a+)+$", "(x+x+)+y"]')
    trap = "/docs/1.0/" + "a" * 30000 + "!.html"
    base = site({})

    def route(request_path):
        if request_path == "/docs/1.0/a.html":
            return html(page("a", f"<h1 id='a'>A</h1><p>Links to a long path: <a href='{trap}'>x</a>"
                                  f" and <a href='/docs/1.0/{'x' * 30000}.html'>y</a>, for the deny rules.</p>"))
        return base(request_path)

    started = time.monotonic()
    with serve_hostile(route) as server:
        result = crawl(server.base_url, tmp_path / "out.jsonl", "--profile", str(path), "--workers", "1",
                       timeout=120)
    assert time.monotonic() - started < 100
    assert result.returncode in (0, 1), result.stderr
    assert read_manifest(tmp_path / "out.jsonl")["records"] > 0
