"""Versions as the site names them: menu labels, the release at the unversioned path, `next`.

Docusaurus (and many hand-made sites) serve the newest release at the unversioned path
(``/docs/intro``), older ones at ``/docs/<v>/intro`` and the unreleased docs at
``/docs/next/intro``; the newest release's number appears only as its menu label. A profile
says so with two keys of ``[versions]``:

    unversioned = true     # a path whose slug is no version found in the menu belongs to the
                           # release at the unversioned path (slug "")
    named_by = "label"     # versions are named by the menu's labels ("2.0", "Next")

Pure functions over (label, URL path) pairs and the profile's rules; the spider and the CLI's
pre-flight both use them. The unversioned release has the slug ``""`` (its URLs have none).
"""
from __future__ import annotations

import re

from crawler.site.profiles import VersionRules

UNVERSIONED = ""             # the slug of the release at the unversioned path
UNNAMED = "latest"           # its name when no menu labels it (a site with no versions)
_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")


def candidate_slug(path: str, rules: VersionRules) -> str | None:
    match = rules.url_pattern.match(path)
    return match.group("slug") if match and match.group("slug") else None


def slug_of_path(path: str, rules: VersionRules, known: set[str] | dict) -> str | None:
    """The version slug of a page path; ``""`` for the unversioned release (with
    ``unversioned = true``: any path whose would-be slug is not a known version)."""
    slug = candidate_slug(path, rules)
    if not rules.unversioned:
        return slug
    return slug if slug is not None and slug in known else UNVERSIONED


def menu_slugs(links: list[tuple[str, str]], rules: VersionRules) -> dict[str, str]:
    """{slug: label} of a version menu's links ((label, path) pairs), aliases left out."""
    return {slug: label for slug, (label, _) in menu_versions(links, rules).items()}


def menu_entries(links: list[tuple[str, str]], rules: VersionRules) -> dict[str, str]:
    """{slug: path} of a version menu's links: where each version is entered (``seeds = []``)."""
    return {slug: path for slug, (_, path) in menu_versions(links, rules).items()}


def menu_versions(links: list[tuple[str, str]], rules: VersionRules) -> dict[str, tuple[str, str]]:
    """{slug: (label, path)} of a version menu's links, aliases left out.

    With ``unversioned = true`` the path segment where a slug would be is ambiguous: in
    ``/docs/1.4/intro`` and ``/docs/intro`` it is "1.4" and "intro". A link's segment is its
    version's slug when it reads like the label ("1.4" / "1.4", "next" / "Next", "v2" / "v2.x")
    or when another link is this one with the segment removed (same page, other version). The
    link left over is the release at the unversioned path."""
    found: dict[str, tuple[str, str]] = {}
    rests = {_rest(path, rules) for _, path in links} - {None}
    for label, path in links:
        if not rules.url_pattern.match(path):
            continue   # not a docs page ("All versions" -> /versions, a changelog...)
        slug = candidate_slug(path, rules)
        if not rules.unversioned:
            if slug and slug not in rules.aliases:
                found.setdefault(slug, (label, path))
        elif slug is None:
            found.setdefault(UNVERSIONED, (label, path))
        elif slug in rules.aliases:
            continue
        elif _reads_like(slug, label) or _without_slug(path, slug) in rests:
            found.setdefault(slug, (label, path))
        else:
            found.setdefault(UNVERSIONED, (label, path))
    return found


def version_name(slug: str, label: str | None, rules: VersionRules, slug_to_version) -> str:
    """What records call a version: its menu label (``named_by = "label"``) or its slug
    rewritten by the profile (``slug_rewrites`` / the plugin)."""
    if rules.named_by == "label" and label and label.strip():
        return " ".join(label.split())
    if slug == UNVERSIONED:
        return " ".join(label.split()) if label and label.strip() else UNNAMED
    return slug_to_version(slug)


def is_prerelease(slug: str, name: str, rules: VersionRules) -> bool:
    """An unreleased version: its slug or name is in ``prerelease`` ("next", "canary"...)."""
    return slug.casefold() in rules.prerelease or name.casefold() in rules.prerelease


def matches_request(requested: set[str], slug: str, name: str, extra: tuple[str, ...] = ()) -> bool:
    """``--versions`` names a version by its name ("2.0", "Next"), its slug ("next", "20") or
    an alias ("stable"); case does not matter."""
    wanted = {value.casefold() for value in requested}
    return any(value.casefold() in wanted for value in (slug, name, *extra) if value)


def _reads_like(slug: str, label: str) -> bool:
    label_words = set(_WORD.findall(label.casefold()))
    slug = slug.casefold()
    bare = slug.lstrip("v")
    return bool(label_words & {slug, bare, "v" + bare}) or any(
        word.startswith(bare) and bare[:1].isdigit() for word in label_words) or any(
        bare.startswith(word) and word[:1].isdigit() and len(word) > 1 for word in label_words)


def _rest(path: str, rules: VersionRules) -> str | None:
    """The part of a path after the version prefix (``/docs/intro`` -> ``intro``)."""
    match = rules.url_pattern.match(path)
    if not match or match.group("slug") is None:
        return None
    # RE2's match objects take group numbers only in start()
    return path[match.start(rules.url_pattern.groupindex["slug"]):].strip("/")


def _without_slug(path: str, slug: str) -> str | None:
    parts = path.strip("/").split("/")
    if slug not in parts:
        return None
    index = parts.index(slug)
    return "/".join(parts[index + 1:])


def menu_links(doc, page_url: str, rules: VersionRules) -> list[tuple[str, str]]:
    """(label, path) of the page's version-menu links on the page's own host."""
    from urllib.parse import urljoin, urlsplit

    host = urlsplit(page_url).netloc
    links = []
    for selector in rules.link_selectors:
        for anchor in doc.cssselect(selector):
            url = urlsplit(urljoin(page_url, (anchor.get("href") or "").strip()))
            if url.netloc == host and url.scheme in ("http", "https"):
                links.append((" ".join(anchor.text_content().split()), url.path))
    return links


def menu_labels(doc, page_url: str, rules: VersionRules) -> dict[str, str]:
    """{slug: label} of the page's version menu. A site without one (``unversioned = true``) is
    one version at the unversioned path, labelled by the ``current`` item if the page has one."""
    found = menu_slugs(menu_links(doc, page_url, rules), rules)
    if not found and rules.unversioned:
        found = {UNVERSIONED: current_label(doc, rules) or ""}
    return found


def current_label(doc, rules: VersionRules) -> str | None:
    """The label of the page's own version in the menu (the ``current`` selector)."""
    if rules.current_selector:
        for anchor in doc.cssselect(rules.current_selector):
            label = " ".join(anchor.text_content().split())
            if label:
                return label
    return None
