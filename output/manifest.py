"""The run manifest (``<out>.manifest.json``): settings, pages, coverage, totals, duration."""
from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from output.jsonl import write_atomically


@dataclass
class PageReport:
    url: str
    version: str
    kind: str
    records: int
    sections: int
    coverage: float
    content_words: int
    text_tokens: int
    seconds: float
    layout_share: float | None = None   # sampled pages: share of trafilatura's main text held
    root_fallback: bool = False         # no profile content root: trafilatura's main text read


@dataclass
class RunManifest:
    site: str
    source: str
    output: str
    settings: dict
    started_at: str
    finished_at: str = ""
    duration_seconds: float = 0.0
    versions: dict = field(default_factory=dict)
    discovery: dict = field(default_factory=dict)             # crawler.run.ledger: per version, per page
    pages: list[PageReport] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    retries: list[dict] = field(default_factory=list)          # {"url", "reason"} per attempt
    skipped_links: dict = field(default_factory=lambda: {"offsite": set(), "scheme": set()})
    charset_repairs: list[str] = field(default_factory=list)   # pages decoded against their header
    skipped_pages: dict = field(default_factory=dict)          # rule -> URLs of views, not pages
    content_root_fallback: dict = field(default_factory=dict)  # version -> pages read by main text
    delta: dict = field(default_factory=lambda: dict.fromkeys(
        ("new", "changed", "unchanged", "removed", "pages_changed", "pages_unchanged"), 0))
    resumed_pages: int = 0                                     # pages a killed run had finished
    limits_reached: list[dict] = field(default_factory=list)   # crawl budget hit (crawler.run.limits)
    rendering: dict = field(default_factory=dict)              # browser: mode, why, pages rendered
    interrupted: str = ""
    records: int = 0
    text_tokens: int = 0
    prompt_tokens: int = 0

    def to_dict(self) -> dict:
        coverages = [page.coverage for page in self.pages]
        return {
            "site": self.site, "source": self.source, "output": self.output,
            "settings": self.settings, "started_at": self.started_at,
            "finished_at": self.finished_at, "duration_seconds": round(self.duration_seconds, 3),
            "versions": self.versions,
            "discovery": self.discovery,
            "pages_fetched": len(self.pages), "pages_failed": len(self.failures),
            "failures": self.failures,
            "limits_reached": self.limits_reached,
            "rendering": self.rendering,
            "broken_links": sorted(set(self.broken_links)),
            "retries": self.retries,
            "skipped_links": {kind: sorted(urls) for kind, urls in self.skipped_links.items()},
            "charset_repairs": sorted(set(self.charset_repairs)),
            # Fetched, never records (crawler/page/views.py): {rule: {"pages": n, "urls": [...]}}
            "skipped_pages": {rule: {"pages": len(set(urls)), "urls": sorted(set(urls))}
                              for rule, urls in sorted(self.skipped_pages.items())},
            # No profile content root on the page: read from trafilatura's main text instead.
            "content_root_fallback": {version: {"pages": len(set(urls)), "urls": sorted(set(urls))}
                                      for version, urls in sorted(self.content_root_fallback.items())},
            "coverage": {
                "min": round(min(coverages), 4) if coverages else None,
                "mean": round(statistics.fmean(coverages), 4) if coverages else None,
                "per_page": [asdict(page) | {"coverage": round(page.coverage, 4)} for page in
                             sorted(self.pages, key=lambda page: page.url)],
            },
            "delta": self.delta, "resumed_pages": self.resumed_pages,
            "records": self.records, "text_tokens": self.text_tokens,
            "prompt_tokens": self.prompt_tokens,
        }

    def write(self, path: str | Path) -> None:
        write_atomically(Path(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def manifest_path_for(output: str | Path) -> Path:
    return Path(str(output) + ".manifest.json")
