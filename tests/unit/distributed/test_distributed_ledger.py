"""The discovery ledger of a distributed run: each process ships what is new in its ledger;
the merged deltas give the ledger one process would have kept."""
from crawler.distributed.ledgers import ledger_delta, merge_ledger
from crawler.run.ledger import DiscoveryLedger


def record_events(ledger: DiscoveryLedger, pages: list[str]) -> None:
    ledger.found("4.1", "menu")
    ledger.requested("4.1")
    for path in pages:
        ledger.linked("4.1", path)
        ledger.fetched("4.1", path, records=2, text_tokens=100)


def test_shipped_deltas_merge_into_the_single_process_ledger():
    single, first, second, merged = (DiscoveryLedger() for _ in range(4))
    record_events(single, ["/41/a/", "/41/b/", "/41/c/"])
    single.linked("4.1", "/41/gone/")
    single.not_fetched("/41/gone/", "broken link (HTTP 404)")
    shipped = {id(first): DiscoveryLedger(), id(second): DiscoveryLedger()}
    deltas = []

    def ship(ledger):
        delta = ledger_delta(ledger, shipped[id(ledger)])
        if delta:
            merge_ledger(shipped[id(ledger)], delta)
            deltas.append(delta)

    record_events(first, ["/41/a/"])
    ship(first)
    record_events(first, ["/41/b/"])   # only /41/b/ is new: its counts are shipped once
    ship(first)
    ship(first)                        # nothing new: nothing shipped
    record_events(second, ["/41/c/"])
    second.linked("4.1", "/41/gone/")
    second.not_fetched("/41/gone/", "broken link (HTTP 404)")
    ship(second)
    assert len(deltas) == 3
    for delta in deltas:
        merge_ledger(merged, delta)
    assert merged.to_dict() == single.to_dict()
    assert merged.to_dict()["versions"]["4.1"]["records"] == 6


def test_limits_each_process_reached_are_named_once_with_every_refusal_counted():
    from crawler.distributed.assembly import merge_limits
    from crawler.run.limits import CrawlLimits, LimitTracker

    trackers = [LimitTracker(CrawlLimits(max_pages=1)) for _ in range(2)]
    for number, tracker in enumerate(trackers):
        for page in range(4):
            tracker.admit(f"http://docs.test/{number}/{page}", "4.1", 1, is_page=True, replayed=False)
    merged = merge_limits(tracker.summary() for tracker in trackers)
    assert [(entry["limit"], entry["requests_dropped"], len(entry["examples"])) for entry in merged] == [
        ("max_pages", 6, 5)]


def test_scope_decisions_of_every_process_reach_the_merged_ledger():
    """A page one process left out unjudged (its navigation listed it) must fail the whole run:
    the coordinator's ``check_scope`` reads the merged book, so it has to arrive there."""
    from crawler.site import scope as site_scope

    first, second, merged = DiscoveryLedger(), DiscoveryLedger(), DiscoveryLedger()
    shipped = {id(first): DiscoveryLedger(), id(second): DiscoveryLedger()}
    first.scope.layout = second.scope.layout = "div.vp-doc"
    first.scope.judged["reference/"] = "judging"
    first.scope.leave_out(site_scope.UNJUDGED, "/blog/one.html")
    second.scope.judged["reference/"] = "documentation: listed by the navigation, same layout"
    second.scope.root.append("reference/")
    second.scope.leave_out(site_scope.ANOTHER_LAYOUT, "/team.html")
    for ledger in (second, first, first):   # the second ship of `first` has nothing new
        delta = ledger_delta(ledger, shipped[id(ledger)])
        if delta:
            merge_ledger(shipped[id(ledger)], delta)
            merge_ledger(merged, delta)
    assert merged.scope.unjudged() == ["/blog/one.html"]
    assert merged.scope.judged["reference/"].startswith("documentation")   # not "judging"
    assert merged.scope.root == ["reference/"]
    left_out = merged.to_dict()["scope"]["left_out"]
    assert left_out[site_scope.ANOTHER_LAYOUT]["examples"] == ["/team.html"]
