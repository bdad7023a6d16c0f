"""Cross-version dedup: which records are kept, what they stand for, and what it saves."""
from __future__ import annotations

import copy
import random

import pytest

from output.corpus.dedup import dedup_records, normalise_text, shingles

from ..corpus_records import by_anchor, corpus


def kept_by_anchor(kept: list[dict], anchor: str | None, site: str = "kafka") -> list[dict]:
    return [r for r in kept if r["site"] == site and (r["anchors"] or [None])[0] == anchor]


def test_normalise_text_folds_nfkc_and_whitespace():
    assert normalise_text(" a\u00a0b\n\n  ﬁle\t") == "a b file"
    assert shingles("one two three") == {"one two three"}
    assert len(shingles("a b c d e f g")) == 3


def test_exact_keeps_latest_version_and_lists_every_version():
    records = corpus()
    kept, _ = dedup_records(records, "exact")
    [intro] = kept_by_anchor(kept, "introduction")
    assert intro["id"] == by_anchor(records, "2.0", "introduction")["id"]
    assert intro["versions"] == ["0.9", "0.10", "2.0"]         # numeric order, not string order
    assert (intro["first_version"], intro["last_version"]) == ("0.9", "2.0")
    assert intro["duplicate_ids"] == [by_anchor(records, v, "introduction")["id"] for v in ("0.9", "0.10")]


def test_exact_merges_texts_equal_after_normalisation_only():
    records = corpus()
    kept, _ = dedup_records(records, "exact")
    uses = kept_by_anchor(kept, "uses")
    assert [r["versions"] for r in uses] == [["0.9", "0.10"], ["2.0"]]
    assert uses[0]["id"] == by_anchor(records, "0.10", "uses")["id"]
    # Near-duplicates stay apart in exact mode; chunks are compared one by one.
    assert [r["versions"] for r in kept_by_anchor(kept, "design")] == [["0.9"], ["0.10"], ["2.0"]]
    config = kept_by_anchor(kept, "config")
    assert [(r["chunk_index"], r["versions"]) for r in config] == [
        (1, ["0.9", "0.10"]), (0, ["0.9", "0.10", "2.0"]), (1, ["2.0"])]


def test_sites_are_deduplicated_apart():
    kept, stats = dedup_records(corpus(), "exact")
    [connect] = kept_by_anchor(kept, "introduction", site="connect")
    assert connect["versions"] == ["1.0"] and connect["duplicate_ids"] == []
    assert stats["per_site"]["connect"]["records_saved"] == 0


def test_near_merges_near_duplicates_only():
    records = corpus()
    kept, stats = dedup_records(records, "near", threshold=0.8)
    [design] = kept_by_anchor(kept, "design")
    assert design["versions"] == ["0.9", "0.10", "2.0"]
    assert design["id"] == by_anchor(records, "2.0", "design")["id"]
    assert [r["versions"] for r in kept_by_anchor(kept, "uses")] == [["0.9", "0.10"], ["2.0"]]
    assert stats["mode"] == "near" and stats["threshold"] == 0.8
    strict, _ = dedup_records(records, "near", threshold=0.99)
    assert len(kept_by_anchor(strict, "design")) == 3


def test_none_keeps_everything_annotated():
    records = corpus()
    kept, stats = dedup_records(records, "none")
    assert [r["id"] for r in kept] == [r["id"] for r in records]
    assert all(r["versions"] == [r["version"]] and r["duplicate_ids"] == [] for r in kept)
    assert stats["records_saved"] == 0 and stats["text_tokens_saved"] == 0


@pytest.mark.parametrize("mode", ["exact", "near"])
def test_nothing_is_lost_and_stats_add_up(mode):
    records = corpus()
    kept, stats = dedup_records(records, mode)
    covered = [r["id"] for r in kept] + [i for r in kept for i in r["duplicate_ids"]]
    assert sorted(covered) == sorted(r["id"] for r in records)
    dropped = {i for r in kept for i in r["duplicate_ids"]}
    assert stats["text_tokens_saved"] == sum(r["text_tokens"] for r in records if r["id"] in dropped)
    assert stats["records_before"] == len(records) and stats["records_after"] == len(kept)
    assert sum(s["records_after"] for s in stats["per_site"].values()) == len(kept)


def test_exact_figures_on_the_fixture():
    _, stats = dedup_records(corpus(), "exact")
    # kafka: 21 records; intro 3->1, uses 3->2, design 3, config chunk0 3->1, chunk1 3->2,
    # zookeeper 2->1, kraft 1, streams 3->1: 12 kept, 9 saved.
    assert stats["per_site"]["kafka"]["records_before"] == 21
    assert stats["per_site"]["kafka"]["records_after"] == 12


@pytest.mark.parametrize("mode", ["exact", "near"])
def test_deterministic_and_order_stable(mode):
    records = corpus()
    kept, _ = dedup_records(records, mode)
    positions = {r["id"]: index for index, r in enumerate(records)}
    assert [positions[r["id"]] for r in kept] == sorted(positions[r["id"]] for r in kept)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    again, _ = dedup_records(shuffled, mode)
    assert {r["id"]: r["versions"] for r in again} == {r["id"]: r["versions"] for r in kept}


def test_input_is_not_modified_and_bad_mode_rejected():
    records = corpus()
    snapshot = copy.deepcopy(records)
    dedup_records(records, "near")
    assert records == snapshot
    with pytest.raises(ValueError, match="unknown dedup mode"):
        dedup_records(records, "fuzzy")
    with pytest.raises(ValueError, match="threshold"):
        dedup_records(records, "near", threshold=0)
