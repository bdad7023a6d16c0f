"""The crawl's discovery ledger: what it learned of each version and what became of each page.

A crawl proves what it found: per version, where the version was found (a version menu, a
redirect stub, versions.json, a sitemap, a probe, a link), which pages were linked, fetched,
redirect stubs, or produced records, and every page linked but never fetched with the reason.
``manifest.discovery`` is ``DiscoveryLedger.to_dict()``; the exit code reads ``empty_versions``.
Plain data, no Scrapy: the spider reports events, this module keeps the books.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from output.records import version_sort_key

from crawler.site.scope import ScopeBook

NOT_REACHED = "linked, never fetched (no request reached it: redirected elsewhere or dropped)"


@dataclass
class VersionBook:
    found_by: list[str] = field(default_factory=list)   # "menu", "stub", "versions.json", ...
    requested: bool = False
    linked: set[str] = field(default_factory=set)        # canonical paths the site points to
    fetched: set[str] = field(default_factory=set)
    stubs: set[str] = field(default_factory=set)         # redirect stubs among the fetched
    with_records: set[str] = field(default_factory=set)
    records: int = 0
    text_tokens: int = 0

    def to_dict(self, reasons: dict[str, str]) -> dict:
        unfetched = sorted(self.linked - self.fetched)
        return {
            "found_by": self.found_by, "requested": self.requested,
            "pages_linked": len(self.linked | self.fetched), "pages_fetched": len(self.fetched),
            "redirect_stubs": len(self.stubs), "pages_with_records": len(self.with_records),
            "records": self.records, "text_tokens": self.text_tokens,
            "linked_not_fetched": [{"path": path, "reason": reasons.get(path, NOT_REACHED)}
                                   for path in unfetched],
        }


class DiscoveryLedger:
    def __init__(self) -> None:
        self.versions: dict[str, VersionBook] = {}
        self.reasons: dict[str, str] = {}                 # canonical path -> why it was not fetched
        self.sitemap_paths: dict[str, str] = {}           # in-scope page a sitemap lists -> version
        self.tried: list[str] = []                        # entry points, for the "found nothing" line
        self.llms_paths: dict[str, str] = {}              # page llms.txt lists -> its path as listed
        self.scope = ScopeBook()                          # the docs' extent and the links left out

    def book(self, version: str) -> VersionBook:
        return self.versions.setdefault(version, VersionBook())

    def found(self, version: str, how: str) -> None:
        book = self.book(version)
        if how not in book.found_by:
            book.found_by.append(how)

    def requested(self, version: str) -> None:
        self.book(version).requested = True

    def linked(self, version: str, path: str) -> None:
        self.book(version).linked.add(path)

    def fetched(self, version: str, path: str, records: int = 0, text_tokens: int = 0,
                stub: bool = False) -> None:
        book = self.book(version)
        book.fetched.add(path)
        self.reasons.pop(path, None)
        if stub:
            book.stubs.add(path)
        if records:
            book.with_records.add(path)
            book.records += records
            book.text_tokens += text_tokens

    def not_fetched(self, path: str, reason: str) -> None:
        self.reasons.setdefault(path, reason)

    def empty_versions(self) -> list[str]:
        """Versions discovered and requested that yielded no record: the run is partial."""
        return [version for version, book in self.ordered() if book.requested and not book.records]

    def ordered(self) -> list[tuple[str, VersionBook]]:
        return sorted(self.versions.items(), key=lambda item: version_sort_key(item[0]))

    def sitemap_unreached(self, fetched: set[str]) -> list[str]:
        """Pages of the requested versions a sitemap lists that the crawl never fetched."""
        return sorted(path for path, version in self.sitemap_paths.items()
                      if path not in fetched and version in self.versions and self.versions[version].requested)

    def to_dict(self) -> dict:
        fetched = set().union(*(book.fetched for book in self.versions.values())) if self.versions else set()
        return {
            "tried": self.tried,
            "versions": {version: book.to_dict(self.reasons) for version, book in self.ordered()},
            "empty_versions": self.empty_versions(),
            "sitemap_pages": len(self.sitemap_paths),
            "sitemap_unreached": self.sitemap_unreached(fetched),
            "llms_txt_pages": len(self.llms_paths),
            "llms_txt_unreached": sorted(listed for path, listed in self.llms_paths.items() if path not in fetched),
            "scope": self.scope.to_dict(),
        }


def version_table(discovery: dict) -> list[str]:
    """The end-of-run summary, one line per requested version: pages, records, text tokens."""
    rows = [(version, book) for version, book in discovery.get("versions", {}).items() if book["requested"]]
    if not rows:
        return []
    lines = [f"  {'version':<10} {'pages':>6} {'stubs':>6} {'records':>8} {'text tokens':>12}  found by"]
    for version, book in rows:
        lines.append(f"  {version:<10} {book['pages_with_records']:>6} {book['redirect_stubs']:>6} "
                     f"{book['records']:>8} {book['text_tokens']:>12}  {', '.join(book['found_by'])}")
    return lines


def silence_problem(manifest: dict) -> str | None:
    """Why a finished run must not exit 0 although no page failed, as one line, or None:
    it wrote nothing (and kept nothing unchanged), or a version it found and was asked for
    yielded no record."""
    discovery = manifest.get("discovery") or {}
    unchanged = (manifest.get("delta") or {}).get("unchanged", 0)
    if not manifest.get("records") and not unchanged:
        found = [version for version, book in discovery.get("versions", {}).items() if book["requested"]]
        tried = ", ".join(discovery.get("tried", [])) or "the entry page"
        fetched = manifest.get("pages_fetched", 0)
        failures = manifest.get("failures") or []
        first = f": {failures[0]['url']}: {failures[0]['reason']}" if failures else ""
        unfetched = [entry for book in discovery.get("versions", {}).values() if book["requested"]
                     for entry in book["linked_not_fetched"]]
        example = f" (e.g. {unfetched[0]['path']}: {unfetched[0]['reason']})" if unfetched else ""
        return (f"no records: tried {tried}; {len(found)} version(s) requested"
                f"{' (' + ', '.join(found[:8]) + ('...' if len(found) > 8 else '') + ')' if found else ''}, "
                f"{fetched} content page(s) fetched, {len(unfetched)} linked page(s) not fetched{example}, "
                f"{len(failures)} failed{first}{skipped_views(manifest)} (the manifest lists discovery and failures)")
    empty = discovery.get("empty_versions") or []
    if empty:
        return (f"{len(empty)} version(s) found and requested yielded no records: {', '.join(empty)}"
                f"{skipped_views(manifest)} (see the manifest's discovery: linked_not_fetched)")
    return None


def skipped_views(manifest: dict) -> str:
    """", 12 page(s) skipped as views (noindex 12; --keep-views RULE reads them)", or ""."""
    views = manifest.get("skipped_pages") or {}
    if not views:
        return ""
    counts = ", ".join(f"{rule} {entry['pages']}" for rule, entry in sorted(views.items()))
    total = sum(entry["pages"] for entry in views.values())
    return f", {total} page(s) skipped as views ({counts}; --keep-views RULE reads them)"
