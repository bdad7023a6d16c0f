"""Corpus subcommands for the ``docprompts`` CLI: export, diff, report, dedup.

    docprompts export OUT.jsonl --to hf DIR [--dedup none|exact|near] [--threshold 0.8] [--force]
    docprompts export OUT.jsonl --to openai-batch DIR --model gpt-4o-mini
    docprompts diff kafka --from 3.8 --to 3.9 [--input OUT.jsonl] [--json]
    docprompts report OUT.jsonl -o report.html
    docprompts dedup OUT.jsonl [--mode exact|near] [--threshold 0.8] [-o DEDUPED.jsonl]

``register(subparsers)`` adds them to an ``add_subparsers()`` object; each sets ``func``, which
takes the parsed args and returns the exit code: 0 ok, 2 bad input (one line on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from output.corpus.dedup import MODES, dedup_records
from output.corpus.diff import diff_versions, render_markdown, to_json
from output.corpus.exports import FORMATS, ExportError, export
from output.jsonl import BadJsonl, read_jsonl, write_atomically
from output.corpus.report import write_report
from output.safety import OutputError, UnsafePath, output_target, printable

EXIT_OK, EXIT_USAGE = 0, 2


class InputError(Exception):
    pass


def threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {value}")
    return value


def load_records(path: str) -> list[dict]:
    """The records of a run's JSONL, or an InputError naming what is wrong with the file."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"no such file: {path}")
    try:
        return read_jsonl(file)
    except (BadJsonl, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not valid JSONL: {error}") from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def _fail(command: str, message: str) -> int:
    print(f"docprompts {command}: error: {printable(message)}", file=sys.stderr)
    return EXIT_USAGE


def export_cli(args) -> int:
    try:
        summary = export(load_records(args.input), args.to, args.out_dir, force=args.force,
                         dedup=args.dedup, threshold=args.threshold, model=args.model)
    except (InputError, ExportError, ValueError, OutputError) as error:
        return _fail("export", str(error))
    stats, files = summary["dedup"], len(summary["files"])
    print(f"docprompts export: {summary['rows']} rows as {args.to} in {summary['out_dir']} "
          f"({files} file{'s' if files != 1 else ''}); dedup {stats['mode']}: "
          f"{stats['records_before']} -> {stats['records_after']} records, "
          f"{stats['text_tokens_saved']} text tokens saved")
    if summary.get("without_response"):
        print(f"docprompts export: {summary['without_response']} records have no response: "
              f"user turn only", file=sys.stderr)
    return EXIT_OK


def diff_cli(args) -> int:
    try:
        records = [r for r in load_records(args.input) if r["site"] == args.site]
        if not records:
            raise InputError(f"no records of site {args.site!r} in {args.input}")
        diff = diff_versions(records, args.from_version, args.to_version)
    except (InputError, ValueError) as error:
        return _fail("diff", str(error))
    sys.stdout.write(to_json(diff) if args.json else render_markdown(diff))
    return EXIT_OK


def report_cli(args) -> int:
    try:
        output_target(args.output, "-o")               # never replace a device or a symlink
        load_records(args.input)                       # a clear message before any work
        print(f"docprompts report: wrote {write_report(args.input, args.output)}")
    except (InputError, UnsafePath, OutputError) as error:
        return _fail("report", str(error))
    return EXIT_OK


def format_stats(stats: dict) -> list[str]:
    """One line per site: records and text tokens before -> after, and the share saved."""
    lines = []
    for site, entry in stats["per_site"].items():
        before = entry["text_tokens_before"]
        share = entry["text_tokens_saved"] / before if before else 0
        lines.append(f"{site}\t{stats['mode']}\trecords {entry['records_before']} -> "
                     f"{entry['records_after']}\ttext tokens {entry['text_tokens_before']} -> "
                     f"{entry['text_tokens_after']} ({share:.1%} saved)")
    return lines


def dedup_cli(args) -> int:
    try:
        if args.output:
            output_target(args.output, "-o")
        kept, stats = dedup_records(load_records(args.input), args.mode, args.threshold)
        print("\n".join(format_stats(stats)))
        if args.output:
            write_atomically(Path(args.output), "".join(
                json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n" for record in kept))
            print(f"docprompts dedup: wrote {len(kept)} records to {args.output}")
    except (InputError, UnsafePath, OutputError) as error:
        return _fail("dedup", str(error))
    return EXIT_OK


def register(subparsers) -> None:
    command = subparsers.add_parser("export", help="write a dataset or batch-API request files")
    command.add_argument("input", metavar="OUT.jsonl", help="a crawl's JSONL output")
    command.add_argument("--to", required=True, choices=FORMATS, help="export format")
    command.add_argument("out_dir", metavar="DIR", help="folder to create")
    command.add_argument("--dedup", choices=MODES, default="exact", help="default: exact")
    command.add_argument("--threshold", type=threshold, default=0.8,
                         help="near-duplicate Jaccard threshold (default 0.8)")
    command.add_argument("--model", help="model name for batch requests")
    command.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    command.set_defaults(func=export_cli)

    command = subparsers.add_parser("diff", help="sections added/removed/changed between versions")
    command.add_argument("site", metavar="SITE", help="site name as in the records (e.g. kafka)")
    command.add_argument("--from", dest="from_version", required=True, metavar="A")
    command.add_argument("--to", dest="to_version", required=True, metavar="B")
    command.add_argument("--input", default="docprompts.jsonl", help="default: docprompts.jsonl")
    command.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    command.set_defaults(func=diff_cli)

    command = subparsers.add_parser("report", help="self-contained HTML report of a run")
    command.add_argument("input", metavar="OUT.jsonl")
    command.add_argument("-o", "--output", default="report.html", help="default: report.html")
    command.set_defaults(func=report_cli)

    command = subparsers.add_parser("dedup", help="cross-version dedup figures (and output)")
    command.add_argument("input", metavar="OUT.jsonl")
    command.add_argument("--mode", choices=MODES, default="exact", help="default: exact")
    command.add_argument("--threshold", type=threshold, default=0.8)
    command.add_argument("-o", "--output", help="write the kept records here (JSONL)")
    command.set_defaults(func=dedup_cli)
