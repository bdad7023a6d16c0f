"""crawler.run.ledger: the discovery books, and the exit decision read from a manifest."""
from __future__ import annotations

from crawler.run.ledger import DiscoveryLedger, silence_problem, version_table


def books() -> DiscoveryLedger:
    ledger = DiscoveryLedger()
    ledger.tried.append("http://127.0.0.1:1/documentation.html")
    for version in ("3.9", "4.1"):
        ledger.found(version, "menu")
        ledger.requested(version)
    ledger.found("4.1", "stub")
    ledger.found("4.1", "menu")                     # once per kind
    ledger.linked("4.1", "/41/uses/")
    ledger.linked("4.1", "/41/gone/")
    ledger.linked("4.1", "/41/dropped/")
    ledger.not_fetched("/41/gone/", "broken link (HTTP 404)")
    ledger.fetched("4.1", "/41/documentation.html", stub=True)
    ledger.fetched("4.1", "/41/uses/", records=3, text_tokens=300)
    ledger.linked("3.9", "/39/documentation.html")
    ledger.not_fetched("/39/documentation.html", "broken link (HTTP 404)")
    ledger.sitemap_paths.update({"/41/uses/": "4.1", "/41/orphan/": "4.1", "/50/x/": "5.0"})
    return ledger


def test_the_books_per_version():
    summary = books().to_dict()
    book = summary["versions"]["4.1"]
    assert book["found_by"] == ["menu", "stub"] and book["requested"]
    assert (book["pages_fetched"], book["redirect_stubs"], book["pages_with_records"]) == (2, 1, 1)
    assert (book["records"], book["text_tokens"]) == (3, 300)
    reasons = {entry["path"]: entry["reason"] for entry in book["linked_not_fetched"]}
    assert reasons["/41/gone/"] == "broken link (HTTP 404)" and "never fetched" in reasons["/41/dropped/"]
    assert summary["empty_versions"] == ["3.9"]
    assert summary["sitemap_unreached"] == ["/41/orphan/"]
    assert list(summary["versions"]) == ["3.9", "4.1"]   # release order


def test_a_requested_version_without_records_is_a_problem():
    manifest = {"records": 3, "delta": {"unchanged": 0}, "discovery": books().to_dict()}
    assert "3.9" in silence_problem(manifest)
    rows = version_table(manifest["discovery"])
    assert len(rows) == 3 and rows[2].split()[:5] == ["4.1", "1", "1", "3", "300"]


def test_nothing_found_says_what_was_tried():
    ledger = DiscoveryLedger()
    ledger.tried.append("http://127.0.0.1:1/documentation.html")
    manifest = {"records": 0, "delta": {"unchanged": 0}, "pages_fetched": 0, "discovery": ledger.to_dict(),
                "failures": [{"url": "http://127.0.0.1:1/documentation.html", "reason": "no versions"}]}
    problem = silence_problem(manifest)
    assert problem.startswith("no records: tried http://127.0.0.1:1/documentation.html") and "no versions" in problem


def test_an_unchanged_incremental_run_is_no_problem():
    ledger = DiscoveryLedger()
    manifest = {"records": 0, "delta": {"unchanged": 12}, "discovery": ledger.to_dict()}
    assert silence_problem(manifest) is None
