"""``docprompts``: crawl a documentation site into budgeted compression prompts (JSONL).

    docprompts demo                        # offline: the bundled sample site, on loopback
    docprompts crawl https://docs.example.org/docs/intro   # any docs site: generator detected
    docprompts crawl kafka                 # the real site, every version
    docprompts crawl kafka --base-url http://127.0.0.1:8088 --versions 2.0,3.9
    docprompts crawl --profile my-site.toml --base-url http://127.0.0.1:8000
    docprompts sites                       # the shipped profiles
"""
from __future__ import annotations

import argparse
import json
import re
import time
import sys
import urllib.error
import urllib.request
from pathlib import Path

from compress.budget import Budget, BudgetError
from compress.tokenizer import TokenizerError, check_encoding
from output.corpus_cli import register as register_corpus_commands
from output.dedup import dedup_records
from output.jsonl import read_jsonl, write_atomically
from output.manifest import manifest_path_for
from output.safety import OutputError, UnsafePath, check_crawl_paths, printable

from .distributed import cli as distributed
from .hooks import hooks_for
from .ledger import silence_problem, version_table
from .preflight import PreflightError, announce, check_requested_versions, is_url, plan_crawl, site_plan
from .profiles import ProfileError
from .sites import builtin_profiles, load_site
from .state import journal_fingerprint, run_fingerprint
from .spiders.docs import ConfigError, parse_base_url, parse_version_filter
from .stopping import install_stop_handlers

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (exclusive), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docprompts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def crawl_options(command: argparse.ArgumentParser, default_out: str) -> None:
        command.add_argument("--versions", default="all", help="all, latest, or e.g. 2.0,3.9 (default: all)")
        command.add_argument("--out", default=default_out, help=f"JSONL output (default: {default_out})")
        command.add_argument("--target-tokens", type=positive_int, default=100, help="prompt target (default 100)")
        command.add_argument("--ratio", type=ratio, help="target = RATIO x text tokens instead (clamped)")
        command.add_argument("--max-input-tokens", type=positive_int, default=800,
                             help="most text tokens per prompt (default 800)")
        command.add_argument("--min-section-tokens", type=positive_int,
                             help="merge smaller sections into a neighbour (default 1.5 x target)")
        command.add_argument("--encoding", default="cl100k_base", help="tiktoken encoding (default cl100k_base)")
        command.add_argument("--workers", type=int, default=-1,
                             help="page-processing processes (default: one per core, up to 4; 0: inline)")
        command.add_argument("--page-timeout", type=float, default=120.0, metavar="SECONDS",
                             help="processing time limit per page; a page over it fails (default 120)")
        command.add_argument("--set", "-s", action="append", default=[], metavar="NAME=VALUE",
                             help="a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=10 (repeatable)")
        command.add_argument("--dedup", choices=("none", "exact", "near"), default="none",
                             help="cross-version dedup of the output (default none: every version complete)")
        command.add_argument("--log-json", action="store_true", help="log lines as JSON objects (stderr)")
        command.add_argument("--log-level", default=None, help="Scrapy log level (default WARNING on a terminal)")

    crawl = commands.add_parser("crawl", help="crawl a site by its profile")
    crawl.add_argument("site", nargs="?", help="a docs page's URL (http(s)://...: the generator is "
                       "detected), or a shipped site profile (see `docprompts sites`)")
    crawl.add_argument("--profile", help="your own site profile (a TOML file) instead of SITE")
    crawl.add_argument("--state", metavar="DIR",
                       help="incremental: remember this run in DIR; the next run emits only new and "
                            "changed records (ids of removed ones go to OUT.removed.jsonl)")
    crawl.add_argument("--full", action="store_true", help="with --state: rebuild everything")
    crawl.add_argument("--base-url", help="fetch from here instead of the public site (a mirror)")
    crawl_options(crawl, "docprompts.jsonl")
    distributed.add_crawl_options(crawl)
    demo = commands.add_parser("demo", help="run the pipeline on the bundled sample site, offline")
    crawl_options(demo, "docprompts-demo.jsonl")
    commands.add_parser("sites", help="list the site profiles")
    distributed.add_worker_command(commands)
    register_corpus_commands(commands)   # export, diff, report, dedup
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return run_command(build_parser().parse_args(argv))
    except KeyboardInterrupt:   # Ctrl-C before the crawl started (after: crawler/stopping.py)
        print("docprompts: stopped (SIGINT): nothing was written; run the command again", file=sys.stderr)
        return EXIT_PARTIAL


def run_command(args) -> int:
    if hasattr(args, "func"):
        return args.func(args)
    if distributed.is_distributed(args):   # crawl --redis / --jobs, worker
        return distributed.main(args)
    try:
        if args.command == "sites":
            for name, profile in builtin_profiles().items():
                print(f"{name:<10} {profile.public_base_url or '(give the URL)':<26} {profile.description}")
            return EXIT_OK
        budget = check_options(args)
        if args.command == "demo":
            from .demo import serve_demo_site

            with serve_demo_site() as base_url:
                return run_crawl(load_site("kafka"), base_url, args)
        if is_url(args.site):
            return crawl_url(args, budget)
        if bool(args.site) == bool(args.profile):
            raise ConfigError("give a site (one of: " + ", ".join(builtin_profiles()) +
                              ") or --profile FILE, not both")
        profile = load_site(args.profile or args.site)
        hooks_for(profile)   # a plugin that cannot be imported: one line now, not a traceback later
        check_crawl_paths(args.out, args.state, profile.name)
        check_resumable(profile, budget, args.out)
        base_url = parse_base_url(args.base_url, profile.public_base_url)
        check_reachable(base_url + profile.entry)
        requested = parse_version_filter(args.versions)
        if isinstance(requested, set):   # named versions: checked against the site before any output
            check_requested_versions(requested, site_plan(profile, base_url))
        return run_crawl(profile, base_url, args)
    except (ConfigError, BudgetError, TokenizerError, ProfileError, UnsafePath, PreflightError) as error:
        print(f"docprompts: error: {printable(error)}", file=sys.stderr)
        return EXIT_USAGE


def crawl_url(args, budget: Budget) -> int:
    """``docprompts crawl URL``: detect the generator (or take --profile), say what was found,
    check --versions against the site's own names, then crawl."""
    plan = plan_crawl(args.site, args.profile, args.base_url)
    for line in announce(plan):
        print(line, file=sys.stderr)
    check_requested_versions(parse_version_filter(args.versions), plan)
    hooks_for(plan.profile)
    check_resumable(plan.profile, budget, args.out)
    return run_crawl(plan.profile, plan.fetch_base_url, args)


def check_options(args) -> Budget:
    scrapy_overrides(args.set)
    parse_version_filter(args.versions)
    budget = Budget(target_tokens=args.target_tokens, max_input_tokens=args.max_input_tokens,
                    ratio=args.ratio, encoding=args.encoding, min_section_tokens=args.min_section_tokens)
    check_encoding(args.encoding)
    out = Path(args.out)
    if out.is_dir():
        raise ConfigError(f"--out {out} is a directory; give a file path like {out}/docs.jsonl")
    if args.command == "demo":
        check_crawl_paths(out, None, "kafka")
    if getattr(args, "full", False) and not getattr(args, "state", None):
        raise ConfigError("--full only makes sense with --state DIR")
    return budget


def check_resumable(profile, budget: Budget, out: str) -> None:
    """A journal left by a killed run is resumed only by the same settings."""
    part = Path(str(out) + ".part")
    if not part.exists():
        return
    if journal_fingerprint(part) not in (None, run_fingerprint(profile, budget)):
        raise ConfigError(f"{part} is left by an interrupted run with other settings or profile: "
                          f"run it with the same options to resume it, or delete it")


def check_reachable(url: str) -> None:
    """Fail fast, in one line, when the entry page cannot be fetched or is not HTML."""
    request = urllib.request.Request(url, headers={"User-Agent": "docprompts/0.1 (reachability check)"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raise ConfigError(f"cannot fetch the entry page {url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ConfigError(f"cannot reach {url}: {reason}") from None
    if content_type and "html" not in content_type.lower():
        raise ConfigError(f"the entry page {url} is not HTML (Content-Type: {content_type})")


def run_crawl(profile, base_url: str, args) -> int:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    interactive = sys.stderr.isatty()
    settings.set("DOCPROMPTS_OUTPUT", str(args.out))
    settings.set("DOCPROMPTS_PROGRESS", interactive)
    settings.set("DOCPROMPTS_WORKERS", args.workers)
    settings.set("DOCPROMPTS_PAGE_TIMEOUT", args.page_timeout)
    for name, value in scrapy_overrides(args.set).items():
        settings.set(name, value, priority="cmdline")
    # Scrapy's page count would count pages replayed by a resumed run (which then never ends):
    # the crawl budget counts it instead (crawler/limits.py) and names it in the manifest.
    settings.set("DOCPROMPTS_MAX_PAGES", min(settings.getint("DOCPROMPTS_MAX_PAGES"),
                                             settings.getint("CLOSESPIDER_PAGECOUNT") or 10**9),
                 priority="cmdline")
    settings.set("CLOSESPIDER_PAGECOUNT", 0, priority="cmdline")
    settings.set("LOG_LEVEL", args.log_level or ("WARNING" if interactive else "INFO"))
    state = getattr(args, "state", None)
    settings.set("LOG_INSTALL_ROOT_HANDLER", not args.log_json)
    process = CrawlerProcess(settings)
    if args.log_json:
        install_json_logging(settings.get("LOG_LEVEL"))
    escape_log_control_characters()
    crawler = process.create_crawler("docs")
    crawler.signals.connect(lambda: install_stop_handlers(crawler), signal=signals.engine_started, weak=False)
    started = time.time()
    process.crawl(crawler, profile=profile, base_url=base_url, versions=args.versions,
                  target_tokens=args.target_tokens, ratio=args.ratio,
                  max_input_tokens=args.max_input_tokens, encoding=args.encoding,
                  min_section_tokens=args.min_section_tokens, state=state,
                  full=getattr(args, "full", False))
    process.start()
    if getattr(crawler, "stopped_by", None):
        print(f"docprompts: stopped ({crawler.stopped_by}): run the same command again to resume",
              file=sys.stderr)
        return EXIT_PARTIAL
    output_error = getattr(crawler.spider, "output_error", None)
    if output_error:
        part = Path(f"{args.out}.part")
        resume = (f"; what is done is kept in {part}: fix that and run the same command again "
                  f"to resume" if part.exists() and part.stat().st_size else "")
        print(f"docprompts: error: {printable(output_error)}{resume}", file=sys.stderr)
        return EXIT_PARTIAL
    try:
        if args.dedup != "none":
            dedup_output(Path(args.out), args.dedup, started)
    except OutputError as error:
        print(f"docprompts: error: {printable(error)}", file=sys.stderr)
        return EXIT_PARTIAL
    return summarise(Path(args.out), started)


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


def install_json_logging(level: str) -> None:
    """One JSON object per log line on stderr, for log shippers and schedulers."""
    import logging

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps({"time": self.formatTime(record), "level": record.levelname,
                               "logger": record.name, "message": record.getMessage()})

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    logging.root.addHandler(handler)
    logging.root.setLevel(level)


def escape_log_control_characters() -> None:
    """Log lines carry URLs, headers and page text from servers: a terminal escape in them must
    not retitle or clear the user's terminal. A record factory covers every handler, including
    the one Scrapy installs when the crawl starts."""
    import logging

    make_record = logging.getLogRecordFactory()

    def printable_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.levelno < _lowest_handler_level(record.name):
            return record   # no handler prints it (Scrapy's DEBUG "Scraped from" holds a whole record)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return record
        if printable(message) != message:
            record.msg, record.args = printable(message), None
        return record

    logging.setLogRecordFactory(printable_record)


def _lowest_handler_level(name: str) -> int:
    """The lowest level any handler would print a record of logger ``name`` at."""
    import logging

    logger = logging.root.manager.loggerDict.get(name)
    logger = logger if isinstance(logger, logging.Logger) else logging.root
    levels = []
    while logger is not None:
        levels.extend(handler.level for handler in logger.handlers)
        logger = logger.parent if logger.propagate else None
    if not levels:   # logging's last resort prints it
        return logging.lastResort.level if logging.lastResort else logging.NOTSET
    return min(levels)


def scrapy_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ConfigError(f"--set expects NAME=VALUE with an upper-case Scrapy setting name (got {pair!r})")
        overrides[name] = value
    return overrides


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


if __name__ == "__main__":
    sys.exit(main())
