"""Site profiles: what differs between documentation sites, as data."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PageKind:
    """One kind of page on a site and how to read it."""
    name: str
    path_pattern: re.Pattern            # canonical path; group "slug" is the version
    content_roots: tuple[str, ...]      # CSS selectors, first match wins
    strip: tuple[str, ...]              # CSS selectors of boilerplate inside the root
    content_starts_at: str | None = None  # drop what precedes the first such element
    section_levels: tuple[int, ...] = (1, 2, 3)


@dataclass(frozen=True)
class SiteProfile:
    name: str                           # "kafka": site key in records
    source: str                         # "apache_kafka": the prompt's Source line
    public_base_url: str                # canonical host for record URLs
    start_path: str                     # the unversioned entry page (= latest release)
    version_page: str                   # "/{slug}/documentation.html"
    version_seed_paths: tuple[str, ...]  # per-version pages to try even when unlinked
    page_kinds: tuple[PageKind, ...]
    template_names: tuple[str, ...]     # client-side templates the site's script renders

    def page_kind(self, path: str) -> tuple[PageKind, str] | None:
        for kind in self.page_kinds:
            match = kind.path_pattern.match(path)
            if match:
                return kind, match.group("slug")
        return None
