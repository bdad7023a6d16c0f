"""The discovery ledger (``crawler/run/ledger.py``) of a distributed run: each process keeps its own
and ships what is new in it with each message; the coordinator merges every message into one
ledger, so the manifest's ``discovery`` (and the exit code it decides) is the single-process one.

Plain functions over ``DiscoveryLedger``; a delta is JSON (lists, not sets).
"""
from __future__ import annotations

from crawler.run.ledger import DiscoveryLedger
from crawler.site.scope import ScopeBook

_SETS = ("linked", "fetched", "stubs", "with_records")
_COUNTS = ("records", "text_tokens")


def ledger_delta(current: DiscoveryLedger, shipped: DiscoveryLedger) -> dict | None:
    """What ``current`` holds that ``shipped`` (what was sent so far) does not; None: nothing."""
    versions = {}
    for version, book in current.versions.items():
        old = shipped.book(version) if version in shipped.versions else None
        entry: dict = {}
        found_by = [how for how in book.found_by if old is None or how not in old.found_by]
        if found_by:
            entry["found_by"] = found_by
        if book.requested and (old is None or not old.requested):
            entry["requested"] = True
        for name in _SETS:
            new = getattr(book, name) - (getattr(old, name) if old else set())
            if new:
                entry[name] = sorted(new)
        for name in _COUNTS:
            added = getattr(book, name) - (getattr(old, name) if old else 0)
            if added:
                entry[name] = added
        if entry or old is None:
            versions[version] = entry
    delta = {
        "versions": versions,
        "reasons": {path: reason for path, reason in current.reasons.items() if path not in shipped.reasons},
        "sitemap_paths": {path: version for path, version in current.sitemap_paths.items()
                          if path not in shipped.sitemap_paths},
        "tried": [url for url in current.tried if url not in shipped.tried],
        "scope": scope_delta(current.scope, shipped.scope),
    }
    return delta if any(delta.values()) else None


def scope_delta(current: ScopeBook, shipped: ScopeBook) -> dict:
    """What this process decided about the docs' extent since its last message: folders
    judged, links left out by reason. The coordinator's merged book is what ``check_scope``
    reads, so a page the navigation listed and no process crawled fails the run (exit 1)."""
    delta: dict = {}
    for name in ("left_out", "outside"):
        fresh = {key: sorted(urls - getattr(shipped, name).get(key, set()))
                 for key, urls in getattr(current, name).items()}
        fresh = {key: urls for key, urls in fresh.items() if urls}
        if fresh:
            delta[name] = fresh
    judged = {area: verdict for area, verdict in current.judged.items() if shipped.judged.get(area) != verdict}
    if judged:
        delta["judged"] = judged
    for name in ("root", "widened"):
        fresh = [entry for entry in getattr(current, name) if entry not in getattr(shipped, name)]
        if fresh:
            delta[name] = fresh
    for name in ("layout", "language"):
        if getattr(current, name) and getattr(current, name) != getattr(shipped, name):
            delta[name] = getattr(current, name)
    return delta


def merge_ledger(ledger: DiscoveryLedger, delta: dict) -> None:
    """Add a shipped delta (``ledger_delta``) to a ledger."""
    for version, entry in delta.get("versions", {}).items():
        book = ledger.book(version)
        for how in entry.get("found_by", []):
            ledger.found(version, how)
        book.requested = book.requested or entry.get("requested", False)
        for name in _SETS:
            getattr(book, name).update(entry.get(name, []))
        for name in _COUNTS:
            setattr(book, name, getattr(book, name) + entry.get(name, 0))
    for path, reason in delta.get("reasons", {}).items():
        ledger.not_fetched(path, reason)
    ledger.sitemap_paths.update(delta.get("sitemap_paths", {}))
    ledger.tried.extend(url for url in delta.get("tried", []) if url not in ledger.tried)
    merge_scope(ledger.scope, delta.get("scope", {}))


def merge_scope(scope: ScopeBook, delta: dict) -> None:
    """Add a shipped ``scope_delta``. A verdict beats "judging" (another process may still
    have been waiting for the probe one process answered)."""
    for name in ("left_out", "outside"):
        for key, urls in delta.get(name, {}).items():
            getattr(scope, name).setdefault(key, set()).update(urls)
    for area, verdict in delta.get("judged", {}).items():
        if verdict != "judging" or area not in scope.judged:
            scope.judged[area] = verdict
    for name in ("root", "widened"):
        entries = getattr(scope, name)
        entries.extend(entry for entry in delta.get(name, []) if entry not in entries)
    for name in ("layout", "language"):
        if delta.get(name):
            setattr(scope, name, delta[name])
