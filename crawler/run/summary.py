"""The end of a crawl: the optional cross-version dedup of its output, then the summary lines and
the exit status, read from the manifest (the one place that knows what was done and lost)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from output.corpus.dedup import dedup_records
from output.jsonl import read_jsonl, write_atomically
from output.manifest import manifest_path_for
from output.safety import printable

from crawler.options import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from crawler.run.ledger import silence_problem, version_table


def dedup_output(out: Path, mode: str, started: float) -> None:
    """Rewrite a finished crawl's output with one record per distinct text (``--dedup``)."""
    manifest_file = manifest_path_for(out)
    if not manifest_file.exists() or manifest_file.stat().st_mtime < started:
        return  # interrupted: nothing final to rewrite
    kept, stats = dedup_records(read_jsonl(out), mode)
    write_atomically(out, "".join(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
                                  for record in kept))
    manifest = json.loads(manifest_file.read_text())
    manifest["dedup"] = stats
    write_atomically(manifest_file, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def summarise(out: Path, started: float) -> int:
    manifest_file = manifest_path_for(out)
    if not manifest_file.exists() or manifest_file.stat().st_mtime < started:
        print(f"docprompts: the crawl stopped before the end; what is done is kept in {out}.part: "
              f"run the same command again to resume", file=sys.stderr)
        return EXIT_PARTIAL
    manifest = json.loads(manifest_file.read_text())
    versions = manifest["versions"]
    coverage = manifest["coverage"]
    print(f"docprompts: {manifest['records']} records from {manifest['pages_fetched']} pages "
          f"({len(versions['crawled'])} versions, latest {printable(versions['latest'])}) in "
          f"{manifest['duration_seconds']:.1f}s; text tokens {manifest['text_tokens']}, "
          f"coverage min {coverage['min']} mean {coverage['mean']}")
    if "dedup" in manifest:
        dedup = manifest["dedup"]
        print(f"docprompts: dedup {dedup['mode']}: {dedup['records_before']} -> {dedup['records_after']} "
              f"records, {dedup['text_tokens_saved']} text tokens saved")
    for line in version_table(manifest.get("discovery", {})):
        print(line)
    print(f"docprompts: wrote {out} and {manifest_file}")
    problem = silence_problem(manifest)
    if problem and not manifest["records"] and not versions["unknown_requested"]:
        print(printable(f"docprompts: error: {problem}"), file=sys.stderr)   # one line: what was tried, and why
        return EXIT_PARTIAL
    if manifest["pages_failed"]:
        print(f"docprompts: {manifest['pages_failed']} pages failed (listed in the manifest):", file=sys.stderr)
        for failure in manifest["failures"][:10]:
            print(f"  {printable(failure['url'])}: {printable(failure['reason'])}", file=sys.stderr)
    if versions["unknown_requested"]:
        print(printable(f"docprompts: error: unknown version(s) {', '.join(versions['unknown_requested'])}; "
                        f"the site has {', '.join(versions['discovered'])}"), file=sys.stderr)
        return EXIT_USAGE
    for limit in manifest.get("limits_reached", []):
        print(printable(f"docprompts: limit reached: {limit['limit']} = {limit['value']}"
                        f"{' for version ' + limit['version'] if 'version' in limit else ''} "
                        f"({limit['requests_dropped']} requests not made; raise it with -s "
                        f"DOCPROMPTS_{limit['limit'].upper()}=N)"), file=sys.stderr)
    if problem:
        print(printable(f"docprompts: error: {problem}"), file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_PARTIAL if manifest["pages_failed"] or manifest.get("limits_reached") else EXIT_OK
