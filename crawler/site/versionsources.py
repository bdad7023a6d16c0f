"""Versions of a site whose pages carry no version menu: what the host and the page say.

Read the Docs' add-ons draw the flyout with JavaScript, so the HTML of ``/en/stable/`` names no
other version. What it does carry:

- the add-ons' ``<meta>`` tags (``readthedocs-project-slug``, ``readthedocs-version-slug``),
  and the same host answers ``/_/addons/?api-version=1&project-slug=P&version-slug=V`` with
  JSON listing the project's active versions (``versions.active``; ``stable`` and ``latest``
  name the release they stand for in their ``aliases``);
- pydata-sphinx-theme's version switcher: its JSON list (``[{"version": "2.1", "url":
  ".../en/2.1/"}, ...]``), named by the page's ``DOCUMENTATION_OPTIONS.theme_switcher_json_url``;
- the version the page was built from: Sphinx's ``DOCUMENTATION_OPTIONS.VERSION`` (inline in
  old builds, ``_static/documentation_options.js`` since Sphinx 7), ``<meta
  name="docsearch:version">`` (pydata, book themes), pydata's version-switcher match.

Pure functions over a parsed page and response texts; the spider and the pre-flight fetch.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from crawler.site.regex import LinearRegex

ADDONS_PATH = "/_/addons/"
# Sphinx writes VERSION: '1.4.2' (documentation_options.js, or inline before Sphinx 7).
_OPTIONS_VERSION = LinearRegex(r"""\bVERSION\s*:\s*['"]([^'"]+)['"]""")
_SWITCHER_MATCH = LinearRegex(r"""theme_switcher_version_match\s*=\s*['"]([^'"]+)['"]""")
_OPTIONS_SCRIPT = LinearRegex(r"(?:^|/)_static/documentation_options\.js(?:\?|$)")
_SWITCHER_URL = LinearRegex(r"""theme_switcher_json_url\s*=\s*['"]([^'"]+)['"]""")


@dataclass
class HostVersions:
    """Versions a host's API lists: {slug: name}, and {alias slug: the slug it stands for}."""
    versions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    current: str | None = None
    stated: dict[str, str] = field(default_factory=dict)   # alias path listed as a version -> its number


def _meta(doc, name: str) -> str | None:
    for value in doc.xpath("//meta[@name=$name]/@content", name=name):
        if str(value).strip():
            return str(value).strip()
    return None


def addons_query(doc) -> str | None:
    """The add-ons API path for this page (Read the Docs), or None for a page without the
    add-ons' project and version tags."""
    project, version = _meta(doc, "readthedocs-project-slug"), _meta(doc, "readthedocs-version-slug")
    if not project or not version:
        return None
    return f"{ADDONS_PATH}?api-version=1&project-slug={quote(project)}&version-slug={quote(version)}"


def addons_versions(text: str) -> HostVersions | None:
    """The active, built, listed versions of the add-ons API's answer (api-version 1); None for
    any other body (a 404 page, an error object, another shape)."""
    try:
        data = json.loads(text)
        listed = data["versions"]["active"]
        current = (data["versions"].get("current") or {}).get("slug")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(listed, list):
        return None
    found = HostVersions(current=str(current) if current else None)
    for entry in listed:
        if not isinstance(entry, dict) or not entry.get("slug") or entry.get("hidden") \
                or entry.get("built") is False:
            continue
        slug = str(entry["slug"])
        found.versions[slug] = str(entry.get("verbose_name") or slug)
        for alias_of in entry.get("aliases") or []:
            if isinstance(alias_of, dict) and alias_of.get("slug") and alias_of["slug"] != slug:
                found.aliases[slug] = str(alias_of["slug"])
                break
    # An alias whose release is not listed stands for itself: crawled under its own name.
    found.aliases = {alias: slug for alias, slug in found.aliases.items() if slug in found.versions}
    for alias in found.aliases:
        found.versions.pop(alias, None)
    return found if found.versions else None


def host_lists(doc, page_url: str) -> list[tuple[str, str]]:
    """The site's own version lists this page points to, in the order to ask them:
    [("addons", path), ("switcher", path)]. A list named by its public URL (the switcher's
    ``json_url``) is asked for at its path on the host being crawled, as sitemaps are."""
    lists = []
    query = addons_query(doc)
    if query:
        lists.append(("addons", query))
    for script in doc.xpath("//script[not(@src)]/text()"):
        match = _SWITCHER_URL.search(str(script))
        if match:
            parts = urlsplit(urljoin(page_url, match.group(1)))
            lists.append(("switcher", parts.path + (f"?{parts.query}" if parts.query else "")))
            break
    return lists


def host_versions(kind: str, text: str, slug_of_path, aliases=()) -> HostVersions | None:
    """A version list's answer, read by its kind ("addons" or "switcher")."""
    return addons_versions(text) if kind == "addons" else switcher_versions(text, slug_of_path, aliases)


def switcher_versions(text: str, slug_of_path, aliases=()) -> HostVersions | None:
    """pydata-sphinx-theme's switcher.json: [{"name", "version", "url", "preferred"}, ...].
    Each entry's version slug comes from its URL's path (``slug_of_path``, the profile's
    pattern); an entry on an alias path (``/en/latest/``) is that alias, named by it, with the
    version it states."""
    try:
        entries = json.loads(text)
    except ValueError:
        return None
    if not isinstance(entries, list):
        return None
    found = HostVersions()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        slug = slug_of_path(urlsplit(entry["url"]).path)
        if not slug:
            continue
        number = str(entry.get("version") or entry.get("name") or slug)
        found.versions.setdefault(slug, slug if slug in aliases else number)
        if slug in aliases:
            found.stated[slug] = number
    # An alias path listed with the number of a release also listed: that release's other name.
    releases = {number: slug for slug, number in found.versions.items() if slug not in aliases}
    for alias, number in list(found.stated.items()):
        if number in releases:
            found.aliases[alias] = releases[number]
            del found.versions[alias], found.stated[alias]
    return found if found.versions else None


def stated_version(doc) -> str | None:
    """The version the page says it documents, from what is in its HTML."""
    version = _meta(doc, "docsearch:version")
    if version:
        return version
    for script in doc.xpath("//script[not(@src)]/text()"):
        for pattern in (_SWITCHER_MATCH, _OPTIONS_VERSION):
            match = pattern.search(str(script))
            if match:
                return match.group(1)
    return None


def options_script_url(doc, page_url: str) -> str | None:
    """Where Sphinx's ``documentation_options.js`` of this page is (its VERSION lives there
    since Sphinx 7)."""
    for src in doc.xpath("//script/@src"):
        if _OPTIONS_SCRIPT.search(str(src).split("?", 1)[0] + "?"):
            return urljoin(page_url, str(src))
    return None


def options_version(script_text: str) -> str | None:
    match = _OPTIONS_VERSION.search(script_text or "")
    return match.group(1) if match else None
