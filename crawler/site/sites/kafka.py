"""Code hooks of the ``kafka`` profile (``kafka.toml``): Kafka's slug scheme, the legacy page's own
version, the releases to probe beyond the newest listed one, and the Hugo-era redirect pages."""
from __future__ import annotations

import posixpath
import re

from crawler.site.discovery import parse_redirect_script
from crawler.site.hooks import default_canonical_path
from crawler.page.render import find_inline_context

_VERSION_HEADING = re.compile(r"\bKafka\s+(\d+(?:\.\d+)+)")


def canonical_path(path: str) -> str:
    """The one path a page is known by: extension-less and index URLs map to their .html file."""
    path = re.sub(r"/{2,}", "/", path.split("#")[0].split("?")[0]) or "/"
    path = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    match = re.match(r"^/(\d+)/documentation(?:/|/index\.html|\.html)?$", path)
    if match:
        return f"/{match.group(1)}/documentation.html"
    if "/documentation/" in path:     # legacy Streams pages: .html files, some linked without
        if path.endswith("/"):
            return path + "index.html"
        if not posixpath.splitext(path)[1]:
            return path + ".html"
        return path
    path = default_canonical_path(path)  # Hugo pages: folders, "dir" 301s to "dir/"
    if re.match(r"^/\d+/.", path) and not path.endswith("/") and not posixpath.splitext(path)[1]:
        return path + "/"
    return path


def slug_to_version(slug: str) -> str:
    """Kafka's URL slugs: "07" 0.7, "081" 0.8.1, "0102" 0.10.2, "20" 2.0, "39" 3.9."""
    if slug.startswith("0") and len(slug) > 1:
        rest = slug[1:]
        if rest.startswith("1") and len(rest) >= 2:      # 0.10.x, 0.11.x
            minor, patch = rest[:2], rest[2:]
        else:
            minor, patch = rest[:1], rest[1:]
        return ".".join(part for part in ("0", minor, patch) if part)
    return ".".join(part for part in (slug[:1], slug[1:]) if part)


def version_to_slug(version: str) -> str:
    parts = version.split(".")
    if parts[0] == "0":
        return "0" + "".join(parts[1:])
    return parts[0] + "".join(parts[1:2])


def label_to_version(label: str, slug: str) -> str:
    """A release list's label ("0.10.1.X", "0.7.x", "2.0.X") or, failing that, the slug rule."""
    match = re.match(r"^\s*(\d+(?:\.\d+)+)(?:\.[xX])?\s*$", label or "")
    if match and version_to_slug(match.group(1)) == slug:
        return match.group(1)
    return slug_to_version(slug)


def entry_version(doc) -> str | None:
    """The release a page documents: its template context, its "Kafka X.Y" heading (legacy),
    or the version a Hugo-era redirect script sends to (the unversioned /documentation.html)."""
    context = find_inline_context(doc)
    if context and context.get("version"):
        return context["version"]
    for heading in doc.iter("h1", "h2", "h3"):
        match = _VERSION_HEADING.search(heading.text_content())
        if match:
            return version_to_slug(match.group(1))
    for script in doc.iter("script"):
        redirect = parse_redirect_script(script.text or "")
        if redirect and redirect.version:
            return redirect.version
    return None


def successor_slugs(version: str) -> list[str]:
    """Releases that may exist beyond the newest one the site lists: next minor, next major."""
    major, minor = (int(part) for part in (version.split(".") + ["0"])[:2])
    if major == 0:
        return []
    return [version_to_slug(f"{major}.{minor + 1}"), version_to_slug(f"{major + 1}.0")]


def redirect_map(doc) -> dict[str, str]:
    """Hugo-era /<v>/documentation.html: a script maps the old single page's #anchors to the new
    topic pages ("#uses": "getting-started/uses"). Returns {old anchor: "/<v>/path/#fragment"}."""
    found: dict[str, str] = {}
    for script in doc.iter("script"):
        redirect = parse_redirect_script(script.text or "")
        if redirect:
            found.update(redirect.anchor_targets())
    return found
