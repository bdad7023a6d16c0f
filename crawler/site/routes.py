"""Hash routes as pages: ``/docs/#/quickstart`` is one page, ``/docs/#/guide?id=install`` a
heading of the page ``/docs/#/guide``.

Client-side routers (Docsify, Vue and React hash routers) keep the page in the URL's fragment,
which HTTP never sees: every route is served the same HTML and the browser shows the route's
text. In a rendered crawl a page is therefore its path plus its route; the route's query
(Docsify's ``?id=heading``) names a place in the page, like an anchor, and is dropped. Pure
functions over strings: the spider keys pages with them, the records keep the route.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

# [text](target "title") in Markdown; images (![...]) are not links to pages.
_MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")


def route_of(fragment: str) -> str | None:
    """The route a URL fragment names ("/guide" for "/guide?id=install"); None for an ordinary
    fragment (an anchor in the page)."""
    if not fragment.startswith("/"):
        return None
    return re.sub(r"/{2,}", "/", fragment.split("?", 1)[0]) or "/"


def split_route(key: str) -> tuple[str, str | None]:
    """(path, route) of a page key or URL path with a route ("/docs/#/guide")."""
    path, sep, fragment = key.partition("#")
    return path, route_of(fragment) if sep else None


def with_route(path: str, route: str | None) -> str:
    """The page key: the path, and the route that names the page on it ("/" when none: the
    router's home, what the bare path shows)."""
    return f"{path}#{route or '/'}"


def route_url(page_url: str, anchor: str | None) -> str:
    """A heading's URL on a routed page, as the router writes it: ``#/guide?id=install``."""
    return f"{page_url}?id={anchor}" if anchor else page_url


def sidebar_routes(markdown: str, folder: str) -> list[str]:
    """The pages a Docsify ``_sidebar.md`` (or ``_navbar.md``) links to, as page keys under
    ``folder`` (the site's base path, e.g. "/docs/"): ``quickstart.md`` -> ``/docs/#/quickstart``,
    ``reference/README.md`` -> ``/docs/#/reference/``, ``guide.md#setup`` -> ``/docs/#/guide``.
    Links to other sites are left out."""
    folder = folder if folder.endswith("/") else folder + "/"
    keys: list[str] = []
    for target in _MARKDOWN_LINK.findall(markdown):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("#") and not target.startswith("#/"):
            continue
        if target.startswith("#/"):
            route = route_of(target[1:])
        else:
            page = posixpath.normpath("/" + parts.path.lstrip("./")) if parts.path.strip("./") else "/"
            page = page + "/" if parts.path.endswith("/") and page != "/" else page
            if page.lower().endswith("readme.md"):
                page = page[: -len("readme.md")]
            elif page.lower().endswith(".md"):
                page = page[: -len(".md")]
            route = page or "/"
        if route is not None:
            key = with_route(folder, route)
            if key not in keys:
                keys.append(key)
    return keys


def page_url_of(record_url: str) -> str:
    """The page a record's URL belongs to: the URL without its anchor, the route kept
    (``…/docs/#/guide?id=setup`` -> ``…/docs/#/guide``; ``…/page.html#setup`` -> ``…/page.html``)."""
    base, sep, fragment = record_url.partition("#")
    route = route_of(fragment) if sep else None
    return f"{base}#{route}" if route else base
