"""The hostile site's documentation (release 1.0 of a small manual) and how tests crawl it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from ..conftest import PROJECT
from .server import html, page, serve_hostile  # noqa: F401 - re-exported for the tests

PROFILE = "tests/hostile/profile.toml"
GOOD = ["a", "b", "c", "d", "e", "f"]


def topic(name: str, extra: str = "") -> str:
    return (f"<h1 id='{name}'>Topic {name}</h1><p>The {name} page explains one part of the tool in a "
            f"few sentences so that it holds enough words to make a record of its own.</p>"
            f"<h2 id='{name}-more'>More on {name}</h2><p>Details about {name}: settings, defaults "
            f"and the reasons behind them, written out in full for the reader.</p>{extra}")


def site(misbehaving: dict[str, str], extra_pages: dict[str, str] | None = None):
    """Release 1.0: good pages plus one page per misbehaving plugin command."""
    names = GOOD + list(misbehaving) + list(extra_pages or {})
    links = "".join(f"<li><a href='/docs/1.0/{name}.html'>{name}</a></li>" for name in names)

    def route(path: str):
        if path == "/docs/index.html":
            return html(page("Docs", "<h1>Docs</h1><p>Release list.</p>", "<li><a href='/docs/1.0/'>1.0</a></li>"))
        if path == "/docs/1.0/":
            return html(page("Index", f"<h1 id='index'>Release 1.0</h1><p>Every page of this release "
                                      f"is linked from here, one per topic.</p><ul>{links}</ul>"))
        name = path.removeprefix("/docs/1.0/").removesuffix(".html")
        if name in GOOD:
            return html(page(name, topic(name)))
        if name in misbehaving:
            return html(page(name, topic(name), f"<li><a href='/docs/1.0/'>{misbehaving[name]}</a></li>"))
        if extra_pages and name in extra_pages:
            return html(page(name, topic(name, extra_pages[name])))
        return None
    return route


def crawl(base_url: str, out, *options: str, env: dict | None = None, timeout: int = 240):
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--profile", PROFILE, "--base-url", base_url,
         "--out", str(out), *options], cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})})


def records_by_page(out) -> dict[str, int]:
    pages: dict[str, int] = {}
    for line in open(out, encoding="utf-8"):
        url = json.loads(line)["url"].split("#")[0]
        pages[url] = pages.get(url, 0) + 1
    return pages


def failure_kinds(manifest: dict) -> dict[str, str]:
    return {failure["url"].rsplit("/", 1)[-1]: failure["kind"] for failure in manifest["failures"]}


