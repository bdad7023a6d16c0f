"""Cross-version deduplication: one record per distinct text, listing every version it stands for.

Versioned docs repeat most sections unchanged from release to release, so a naive corpus pays
for the same prompt many times. ``dedup_records`` folds repeats into one kept record per group:

* ``exact``: same text after NFKC normalisation and whitespace collapsing, per site (the page a
  text sits on does not matter: a section moved to another page is still the same text);
* ``near``: Jaccard similarity of word 5-gram sets >= ``threshold``, per site. MinHash/LSH
  (``datasketch``) finds the candidates; the exact Jaccard of the two sets confirms each one, so
  no pair below the threshold is ever merged (LSH may rarely miss a pair above it);
* ``none``: every record kept, annotated alike.

Which record is kept: the one of the latest version (``version_sort_key``); between records of
the same version, the first in input order. The latest wording is the one a reader is sent to,
and its URL stays valid longest. In ``near`` mode every dropped record is similar to the kept one
itself (groups grow around the kept record, never by chains of pairs). Kept records come out in
input order. Each gains ``versions`` (sorted, unique), ``first_version``, ``last_version`` and
``duplicate_ids`` (the ids of the records dropped in its favour), so nothing is silently lost.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from output.records import version_sort_key

MODES = ("none", "exact", "near")
SHINGLE_WORDS = 5
NUM_PERM = 256
SEED = 1            # fixed: the same input always gives the same MinHashes, groups and output
# LSH is tuned this far below the threshold that is enforced: a pair just above the threshold
# is then missed ~0.3% of the time at 0.8 (~13% without slack); the exact Jaccard check drops the
# extra candidates, so the slack costs a little time and no precision.
CANDIDATE_SLACK = 0.2


def normalise_text(text: str) -> str:
    """NFKC (ligatures, non-breaking spaces, full-width forms) and collapsed whitespace."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word ``size``-grams of the normalised, lower-cased text (a short text is one shingle)."""
    words = normalise_text(text).lower().split()
    if len(words) <= size:
        return {" ".join(words)}
    return {" ".join(words[start:start + size]) for start in range(len(words) - size + 1)}


def jaccard(first: set, second: set) -> float:
    return len(first & second) / len(first | second) if first or second else 1.0


def _priority(records: list[dict]):
    """Sort key on record indices putting the record to keep first: latest version, then input order."""
    def key(index: int) -> tuple:
        return tuple(-part for part in version_sort_key(records[index]["version"])), index
    return key


def _exact_groups(records: list[dict]) -> list[list[int]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        groups[(record["site"], normalise_text(record["text"]))].append(index)
    return list(groups.values())


def _near_groups(records: list[dict], threshold: float) -> list[list[int]]:
    """Greedy clusters around the record to keep; exact duplicates share one MinHash."""
    from datasketch import MinHash, MinHashLSH

    priority = _priority(records)
    heads = {min(group, key=priority): group for group in _exact_groups(records)}
    by_site: dict[str, list[int]] = defaultdict(list)
    for head in heads:
        by_site[records[head]["site"]].append(head)
    template = MinHash(num_perm=NUM_PERM, seed=SEED)       # permutations drawn once, reused
    groups: list[list[int]] = []
    for site_heads in by_site.values():
        sets = {head: shingles(records[head]["text"]) for head in site_heads}
        lsh = MinHashLSH(threshold=max(threshold - CANDIDATE_SLACK, 0.1), num_perm=NUM_PERM)
        minhashes = {}
        for head in site_heads:
            minhashes[head] = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=template.scheme,
                                      permutations=template.permutations)
            minhashes[head].update_batch([shingle.encode() for shingle in sorted(sets[head])])
            lsh.insert(head, minhashes[head])
        assigned: set[int] = set()
        for head in sorted(site_heads, key=priority):
            if head in assigned:
                continue
            # LSH proposes candidates; the exact Jaccard against this (kept) record decides.
            members = [head] + sorted(
                candidate for candidate in lsh.query(minhashes[head])
                if candidate not in assigned and candidate != head
                and jaccard(sets[head], sets[candidate]) >= threshold)
            assigned.update(members)
            groups.append([index for member in members for index in heads[member]])
    return groups


def _annotate(record: dict, dropped: list[dict]) -> dict:
    versions = sorted({row["version"] for row in [record, *dropped]}, key=version_sort_key)
    return {**record, "versions": versions, "first_version": versions[0],
            "last_version": versions[-1], "duplicate_ids": [row["id"] for row in dropped]}


def _stats(mode: str, threshold: float, before: list[dict], after: list[dict]) -> dict:
    def totals(rows: list[dict]) -> dict[str, tuple[int, int]]:
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            sums[row["site"]][0] += 1
            sums[row["site"]][1] += row["text_tokens"]
        return sums

    def entry(records_before, tokens_before, records_after, tokens_after) -> dict:
        return {"records_before": records_before, "records_after": records_after,
                "records_saved": records_before - records_after,
                "text_tokens_before": tokens_before, "text_tokens_after": tokens_after,
                "text_tokens_saved": tokens_before - tokens_after}

    sums_before, sums_after = totals(before), totals(after)
    per_site = {site: entry(*sums_before[site], *sums_after.get(site, (0, 0)))
                for site in sorted(sums_before)}
    overall = entry(len(before), sum(r["text_tokens"] for r in before),
                    len(after), sum(r["text_tokens"] for r in after))
    return {"mode": mode, "threshold": threshold if mode == "near" else None,
            **overall, "per_site": per_site}


def dedup_records(records: list[dict], mode: str = "exact",
                  threshold: float = 0.8) -> tuple[list[dict], dict]:
    """(kept records, stats); see the module docstring. The input records are not modified."""
    if mode not in MODES:
        raise ValueError(f"unknown dedup mode {mode!r}; expected one of {', '.join(MODES)}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    records = list(records)
    if mode == "none":
        groups = [[index] for index in range(len(records))]
    elif mode == "exact":
        groups = _exact_groups(records)
    else:
        groups = _near_groups(records, threshold)
    kept: dict[int, dict] = {}
    for group in groups:
        keep_index = min(group, key=_priority(records))
        dropped = [records[index] for index in sorted(group) if index != keep_index]
        kept[keep_index] = _annotate(records[keep_index], dropped)   # dropped in input order
    result = [kept[index] for index in sorted(kept)]
    return result, _stats(mode, threshold, records, result)
