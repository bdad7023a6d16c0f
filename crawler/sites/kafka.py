"""Apache Kafka's legacy documentation layout (kafka.apache.org/<slug>/documentation.html)."""
from __future__ import annotations

import posixpath
import re

from ..profiles import PageKind, SiteProfile
from ..render import find_inline_context

_BOILERPLATE = (
    "script", "style", "noscript",
    ".documentation__banner",            # "You're viewing documentation for an older version"
    ".p-toc", "ul.toc", "ol.toc",        # tables of contents
    "ul.breadcrumbs", ".sub-nav-sticky",  # Streams breadcrumbs and sub-navigation
    ".pagination",                       # Streams previous/next buttons
)

KAFKA = SiteProfile(
    name="kafka",
    source="apache_kafka",
    public_base_url="https://kafka.apache.org",
    start_path="/documentation.html",
    version_page="/{slug}/documentation.html",
    version_seed_paths=("/{slug}/documentation/streams/index.html",),
    page_kinds=(
        # The title block, "Prior releases" list and TOC all precede the first chapter (h2).
        PageKind("main", re.compile(r"^/(?P<slug>\d+)/documentation\.html$"), ("div.right",),
                 _BOILERPLATE, content_starts_at="h2", section_levels=(2, 3)),
        PageKind("streams", re.compile(r"^/(?P<slug>\d+)/documentation/streams(?:\.html|/.+\.html)$"),
                 ("div.right", "body"), _BOILERPLATE, section_levels=(1, 2, 3)),
    ),
    # The site footer's list, in its order (includes/_footer.htm).
    template_names=("introduction", "implementation", "design", "api", "configuration", "ops",
                    "security", "connect", "streams", "quickstart", "quickstart-docker", "toc",
                    "upgrade", "content", "docker"),
)

_VERSION_LINK = re.compile(r"^/(\d+)/documentation(?:\.html)?/?$")
_VERSION_HEADING = re.compile(r"\bKafka\s+(\d+(?:\.\d+)+)")


def canonical_path(path: str) -> str:
    """The one path a page is known by: extension-less and index URLs map to their .html file."""
    path = re.sub(r"/{2,}", "/", path.split("#")[0].split("?")[0]) or "/"
    path = posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    match = re.match(r"^/(\d+)/documentation(?:/|/index\.html|\.html)?$", path)
    if match:
        return f"/{match.group(1)}/documentation.html"
    if path.endswith("/"):
        return path + "index.html"
    if not posixpath.splitext(path)[1]:
        return path + ".html"
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


def linked_versions(doc) -> dict[str, str]:
    """Versions a page links to ("Prior releases" list and other /<slug>/documentation links)."""
    found: dict[str, str] = {}
    for anchor in doc.iter("a"):
        match = _VERSION_LINK.match(anchor.get("href") or "")
        if match:
            slug = match.group(1)
            found.setdefault(slug, label_to_version(anchor.text_content(), slug))
    return found


def page_version_slug(doc) -> str | None:
    """The release a page documents: its template context, else its "Kafka X.Y" heading."""
    context = find_inline_context(doc)
    if context and context.get("version"):
        return context["version"]
    for heading in doc.iter("h1", "h2", "h3"):
        match = _VERSION_HEADING.search(heading.text_content())
        if match:
            return version_to_slug(match.group(1))
    return None


def successor_slugs(version: str) -> list[str]:
    """Releases that may exist beyond the newest one the site lists: next minor, next major."""
    major, minor = (int(part) for part in (version.split(".") + ["0"])[:2])
    if major == 0:
        return []
    return [version_to_slug(f"{major}.{minor + 1}"), version_to_slug(f"{major + 1}.0")]
