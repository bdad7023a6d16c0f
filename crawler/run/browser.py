"""A real browser for the pages whose text exists only after their scripts run.

Rendering goes through Scrapy's own integration, ``scrapy-playwright``: its download handler
fetches the requests marked ``playwright`` in a Chromium page and hands the rendered DOM to the
spider as an ordinary ``HtmlResponse``; every other request (sitemaps, ``_sidebar.md``) keeps
Scrapy's HTTP handler. The browser is the system's Chromium (Debian's ``chromium``) through
Playwright's ``executable_path``: nothing is downloaded at run time. The handler is installed
only for a crawl that renders: a site whose HTML holds its text never starts a browser.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from urllib.parse import urlsplit

from scrapy.utils.request import fingerprint

from crawler.site.routes import route_of

HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# Where Debian, Ubuntu and Fedora put Chromium; the first one found is used.
BROWSER_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# What a page's text does not need: fetching it only costs time and memory.
SKIPPED_RESOURCES = {"image", "media", "font"}
INSTALL_HINT = "install Chromium (apt-get install chromium) or name one with -s DOCPROMPTS_BROWSER=PATH"


def find_browser(configured: str | None = None) -> str | None:
    """The browser executable to use: the configured path (which must exist), else the first of
    the usual Chromium locations; None when there is none."""
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    for candidate in BROWSER_CANDIDATES:
        found = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
    return None


def skip_resource(request) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: images, video and fonts are never loaded."""
    return request.resource_type in SKIPPED_RESOURCES


def browser_settings(executable: str, open_pages: int, page_seconds: float) -> dict:
    """The Scrapy settings that render the marked requests in Chromium: one browser, one
    context, at most ``open_pages`` pages open at once, ``page_seconds`` per page."""
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": executable, "headless": True, "args": LAUNCH_FLAGS},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": open_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(page_seconds * 1000),
        "PLAYWRIGHT_ABORT_REQUEST": skip_resource,
        # Two #/ routes are two pages: for the duplicate filter and the HTTP cache (--state) too.
        "REQUEST_FINGERPRINTER_CLASS": RouteFingerprinter,
        # The pages open at once are the bound: more concurrent requests would only queue for one.
        "CONCURRENT_REQUESTS_PER_DOMAIN": open_pages,
    }


def render_settings(settings, mode: str, browser_reason: str | None, hash_routes: bool = False) -> dict | None:
    """Install the browser (scrapy-playwright's handler, the system Chromium) in the crawl's
    settings when it renders: ``--render always``, or ``auto`` on a site whose pages need it.
    Otherwise nothing is installed and no browser starts. ``hash_routes``: the pages are ``#/``
    routes, keyed with them. Returns what the spider is told (``DOCPROMPTS_RENDER``), None when
    a browser is needed and there is none."""
    rendering = {"mode": mode, "reason": browser_reason if mode != "always" else "--render always",
                 "browser": None, "routes": hash_routes}
    if mode == "never" or (mode == "auto" and not browser_reason):
        settings.set("DOCPROMPTS_RENDER", rendering, priority="cmdline")
        return rendering
    executable = find_browser(settings.get("DOCPROMPTS_BROWSER") or None)
    if executable is None:
        return None
    rendering["browser"] = executable
    for name, value in browser_settings(executable, settings.getint("DOCPROMPTS_RENDER_PAGES"),
                                        settings.getfloat("DOCPROMPTS_RENDER_TIMEOUT")).items():
        settings.set(name, value, priority="cmdline")
    settings.set("DOCPROMPTS_RENDER", rendering, priority="cmdline")
    return rendering


# Resolves true once the document has not changed for ``quiet`` ms (text and elements; attributes
# are left out: a progress bar's or an animation's style changes forever), false after ``cap`` ms.
DOCUMENT_QUIET_SCRIPT = """([quiet, cap]) => new Promise(resolve => {
  let timer;
  const done = quietly => { observer.disconnect(); clearTimeout(timer); clearTimeout(limit); resolve(quietly); };
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quiet, true); });
  observer.observe(document, {subtree: true, childList: true, characterData: true});
  timer = setTimeout(done, quiet, true);
  const limit = setTimeout(done, cap, false);
})"""
SETTLE_QUIET_MS = 500


async def settle(page, cap_seconds: float) -> bool:
    """Wait until the page's scripts have finished writing it: no request in flight or started
    and the document unchanged, for half a second. Playwright's ``networkidle`` alone is not
    enough on a busy machine: it came while a Docsify page's scripts had not yet asked for the
    sidebar they fall back to (``_sidebar.md`` after a 404 on the route's own), and the page was
    read without it. At most ``cap_seconds`` (``DOCPROMPTS_RENDER_SETTLE``: a page whose text
    changes forever, a ticking clock, costs that much); a page that navigates away is read as it
    is. False: the page was read before it settled (``unsettled``)."""
    from playwright.async_api import Error as PlaywrightError

    in_flight: set = set()
    started = 0   # requests the page has started

    def on_request(request) -> None:
        nonlocal started
        in_flight.add(request)
        started += 1

    def on_request_done(request) -> None:
        in_flight.discard(request)

    page.on("request", on_request)
    page.on("requestfinished", on_request_done)
    page.on("requestfailed", on_request_done)
    clock = asyncio.get_running_loop()
    deadline = clock.time() + cap_seconds
    try:
        while (left := deadline - clock.time()) > 0:
            before = started
            if not await page.evaluate(DOCUMENT_QUIET_SCRIPT, [SETTLE_QUIET_MS, int(left * 1000)]):
                return False   # still changing at the limit
            if not in_flight and started == before:
                return True
    except PlaywrightError:
        pass
    return False


def unsettled(meta: dict) -> bool:
    """The rendered page of this request's meta was read before it settled."""
    return any(method.result is False for method in meta.get("playwright_page_methods") or ())


def rendered_page_meta(settle_seconds: float) -> dict:
    """Request meta for a page read in the browser: loaded, the network quiet (Docsify and
    single-page apps fetch their text after the load event), then the page settled (``settle``,
    at most ``settle_seconds``)."""
    from scrapy_playwright.page import PageMethod

    return {"playwright": True, "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
            "playwright_page_methods": [PageMethod(settle, settle_seconds)]}


class RouteFingerprinter:
    """Scrapy's request fingerprint, with a client-side route kept: Scrapy drops the fragment,
    which would make every ``#/route`` of a site one request (filtered as a duplicate, or
    answered from the HTTP cache with another route's page)."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def fingerprint(self, request) -> bytes:
        routed = route_of(urlsplit(request.url).fragment) is not None
        return fingerprint(request, keep_fragments=routed)
