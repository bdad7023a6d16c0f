"""Dedup figures for a crawl: records and text tokens before/after exact and near dedup, per site.

    python bench/dedup_figures.py OUT.jsonl [--threshold 0.8]

Prints one line per site and mode, with the time each mode took.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from output.corpus.cli import format_stats  # noqa: E402
from output.corpus.dedup import dedup_records  # noqa: E402
from output.jsonl import read_jsonl  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", type=Path)
    parser.add_argument("--threshold", type=float, default=0.8, help="near-dup Jaccard (default 0.8)")
    args = parser.parse_args(argv)
    records = read_jsonl(args.jsonl)
    print(f"{args.jsonl}: {len(records)} records")
    for mode in ("exact", "near"):
        started = time.perf_counter()
        _, stats = dedup_records(records, mode, args.threshold)
        seconds = time.perf_counter() - started
        for line in format_stats(stats):
            print(f"{line}\t{seconds:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
