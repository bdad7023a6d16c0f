"""Corpus subcommands for the ``docprompts`` CLI: export, diff, report, dedup.

    docprompts export OUT.jsonl --to hf DIR [--dedup none|exact|near] [--threshold 0.8] [--force]
    docprompts export OUT.jsonl --to openai-batch DIR --model gpt-4o-mini
    docprompts diff kafka --from 3.8 --to 3.9 [--input OUT.jsonl] [--json]
    docprompts report OUT.jsonl -o report.html
    docprompts dedup OUT.jsonl [--mode exact|near] [--threshold 0.8] [-o DEDUPED.jsonl]
    docprompts compress CORPUS.jsonl --endpoint URL --model NAME --out OUT.jsonl [--concurrency N]
    docprompts import-batch RESULTS.jsonl [...] --records CORPUS.jsonl --out OUT.jsonl

``register(subparsers)`` adds them to an ``add_subparsers()`` object; each sets ``func``, which
takes the parsed args and returns the exit code: 0 ok, 1 partial (compress, import-batch: some
record has no completion), 2 bad input (one line on stderr).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compress.tokenizer import TokenizerError
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
                         dedup=args.dedup, threshold=args.threshold, model=args.model,
                         include_flagged=args.include_flagged)
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


def number_in(kind, low: float, high: float | None = None, low_included: bool = True):
    """An argparse type: a ``kind`` (int or float) from ``low`` (included or not) to ``high``."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < low or (value == low and not low_included) or (high is not None and value > high):
            bounds = f"{'at least' if low_included else 'above'} {low}" + (f" and at most {high}" if high else "")
            raise argparse.ArgumentTypeError(f"expected a number {bounds}, got {value}")
        return value
    return parse


positive_int = number_in(int, 1)
positive_number = number_in(float, 0, low_included=False)
share = number_in(float, 0, 1)


def key_value(text: str) -> tuple[str, object]:
    """``KEY=VALUE`` with VALUE read as JSON when it is JSON (numbers, true, lists), else text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _new_output(path: str, input_paths: list[str]) -> None:
    """OUT must not be one of the inputs (it is replaced at the end)."""
    output_target(path, "--out")
    target = Path(path).resolve()
    if any(Path(source).resolve() == target for source in input_paths):
        raise InputError(f"--out {path} is one of the input files; choose another name")


def compress_cli(args) -> int:
    from compress.endpoint import EndpointSettings, api_key_from, compress_corpus

    try:
        _new_output(args.out, [args.input])
        records = load_records(args.input)
        if not records:
            raise InputError(f"{args.input} holds no records")
        sampling = {name: value for name, value in (("temperature", args.temperature),
                    ("top_p", args.top_p), ("seed", args.seed)) if value is not None}
        settings = EndpointSettings(
            endpoint=args.endpoint, model=args.model, api_key=api_key_from(args.api_key_env),
            concurrency=args.concurrency, requests_per_minute=args.rpm, tokens_per_minute=args.tpm,
            retries=args.retries, timeout=args.timeout, sampling=sampling,
            extra_body=dict(args.param or []))
        code, line = compress_corpus(records, args.out, settings, args.input, fresh=args.fresh,
                                     min_kept_terms=args.min_kept_terms,
                                     progress=False if args.no_progress else None)
    except (InputError, UnsafePath, OutputError, TokenizerError) as error:
        return _fail("compress", str(error))
    except KeyError as error:
        return _fail("compress", f"{args.input}: a record lacks the field {error}")
    except KeyboardInterrupt:
        print("docprompts compress: interrupted; completed records are kept: run the same "
              "command again to resume", file=sys.stderr)
        return 1
    print(line, file=sys.stderr if code == 2 else sys.stdout)
    return code


def import_batch_cli(args) -> int:
    from output.corpus.batch_import import BatchFormatError, import_batch

    try:
        _new_output(args.out, [args.records, *args.results])
        for path in args.results:
            if not Path(path).is_file():
                raise InputError(f"no such file: {path}")
        records = load_records(args.records)
        code, line = import_batch(args.results, records, args.out, args.records,
                                  min_kept_terms=args.min_kept_terms)
    except (InputError, UnsafePath, OutputError, BatchFormatError, TokenizerError) as error:
        return _fail("import-batch", str(error))
    except KeyError as error:
        return _fail("import-batch", f"{args.records}: a record lacks the field {error}")
    print(line)
    return code


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
    command.add_argument("--include-flagged", action="store_true",
                         help="chat: also write completions whose checks failed")
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

    command = subparsers.add_parser(
        "compress", help="run the prompts against an OpenAI-compatible server; check every completion")
    command.add_argument("input", metavar="CORPUS.jsonl", help="a crawl's JSONL output")
    command.add_argument("--endpoint", required=True, metavar="URL",
                         help="the server's base URL, e.g. http://127.0.0.1:8080/v1")
    command.add_argument("--model", required=True, metavar="NAME")
    command.add_argument("--out", required=True, metavar="OUT.jsonl")
    command.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="VAR",
                         help="environment variable holding the key (default OPENAI_API_KEY; "
                              "a local server needs none)")
    command.add_argument("--concurrency", type=positive_int, default=4, help="requests at once (default 4)")
    command.add_argument("--rpm", type=positive_number, metavar="N", help="requests per minute at most")
    command.add_argument("--tpm", type=positive_number, metavar="N",
                         help="tokens per minute at most (prompt + max_tokens of each request)")
    command.add_argument("--retries", type=int, default=5, metavar="N",
                         help="retries of a failed request, with backoff honouring Retry-After (default 5)")
    command.add_argument("--timeout", type=positive_number, default=300.0, metavar="SECONDS",
                         help="per request (default 300)")
    command.add_argument("--temperature", type=float)
    command.add_argument("--top-p", type=float)
    command.add_argument("--seed", type=int)
    command.add_argument("--param", type=key_value, action="append", metavar="KEY=VALUE",
                         help="any other request field, passed through (repeatable)")
    command.add_argument("--min-kept-terms", type=share, default=0.0, metavar="SHARE",
                         help="flag completions keeping less than this share of the key terms")
    command.add_argument("--fresh", action="store_true",
                         help="ask everything again (ignore the journal and an earlier OUT)")
    command.add_argument("--no-progress", action="store_true", help="no progress bar")
    command.set_defaults(func=compress_cli)

    command = subparsers.add_parser(
        "import-batch", help="join OpenAI/Anthropic batch results to their records; check every completion")
    command.add_argument("results", nargs="+", metavar="RESULTS.jsonl",
                         help="batch output (and error) files, either API's format")
    command.add_argument("--records", required=True, metavar="CORPUS.jsonl",
                         help="the corpus the batch requests were exported from")
    command.add_argument("--out", required=True, metavar="OUT.jsonl")
    command.add_argument("--min-kept-terms", type=share, default=0.0, metavar="SHARE")
    command.set_defaults(func=import_batch_cli)
