"""The command line's options: their parsing and the checks made before anything is fetched.

Shared by the single-process CLI (``crawler/cli.py``), the spider's arguments (``scrapy crawl docs
-a versions=...``) and the distributed coordinator, which parses each ``--jobs`` line as a crawl.
A bad option is a ``ConfigError``: one line, exit status 2.
"""
from __future__ import annotations

import argparse
import re
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from compress.budget import Budget
from compress.tokenizer import check_encoding
from output.safety import check_crawl_paths

from crawler.page.views import RULES as VIEW_RULES
from crawler.run.state import journal_fingerprint, run_fingerprint

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class ConfigError(ValueError):
    """Bad options or spider arguments: reported as one line, exit status 2."""


_VERSION_ARGUMENT = re.compile(r"^[\w.+-]+$")  # the site's own names: "2.0", "v3", "next", "stable"


def parse_version_filter(value: str | None) -> str | set[str]:
    value = (value or "all").strip()
    if value in ("all", "latest"):
        return value
    versions = {part.strip() for part in value.split(",") if part.strip()}
    bad = sorted(part for part in versions if not _VERSION_ARGUMENT.match(part))
    if bad or not versions:
        raise ConfigError(f"--versions: expected all, latest or a list of the site's version names "
                          f"like 2.0,3.9 or 2.0,next (got {value!r})")
    return versions


def parse_base_url(value: str | None, default: str | None) -> str:
    if not value and not default:
        raise ConfigError("this profile has no public_base_url: give --base-url URL")
    url = (value or default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--base-url must be an http(s) URL like https://kafka.apache.org (got {value!r})")
    return url


def number_option(value, name: str, kind=int):
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"--{name.replace('_', '-')} must be a number (got {value!r})") from None


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


def add_crawl_arguments(command: argparse.ArgumentParser, default_out: str) -> None:
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
    command.add_argument("--render", choices=("auto", "always", "never"), default="auto",
                         help="read pages in a browser (Chromium): auto = only a site whose HTML lacks "
                              "its text (Docsify, single-page apps); default auto (docs/rendering.md)")
    command.add_argument("--log-json", action="store_true", help="log lines as JSON objects (stderr)")
    command.add_argument("--log-level", default=None, help="Scrapy log level (default WARNING on a terminal)")


def add_crawl_command(commands) -> argparse.ArgumentParser:
    """``docprompts crawl``: a URL or site, its output and budget, and the distributed options."""
    crawl = commands.add_parser("crawl", help="crawl a site by its profile")
    crawl.add_argument("site", nargs="?", help="a docs page's URL (http(s)://...: the generator is "
                       "detected), or a shipped site profile (see `docprompts sites`)")
    crawl.add_argument("--profile", help="your own site profile (a TOML file) instead of SITE")
    crawl.add_argument("--state", metavar="DIR",
                       help="incremental: remember this run in DIR; the next run emits only new and "
                            "changed records (ids of removed ones go to OUT.removed.jsonl)")
    crawl.add_argument("--full", action="store_true", help="with --state: rebuild everything")
    crawl.add_argument("--keep-views", metavar="RULES", default="",
                       help="read these views as pages after all, e.g. source_listing (Sphinx's _modules/) "
                            "or noindex; by default views are skipped and counted in the manifest's "
                            "skipped_pages (rules: " + ", ".join(VIEW_RULES) + ")")
    crawl.add_argument("--base-url", help="fetch from here instead of the public site (a mirror)")
    add_crawl_arguments(crawl, "docprompts.jsonl")
    add_distributed_arguments(crawl)
    return crawl


def add_distributed_arguments(crawl: argparse.ArgumentParser) -> None:
    crawl.add_argument("--redis", metavar="URL",
                       help="distributed: coordinate the crawl through this Redis (redis://host:6379/0, "
                            "rediss:// for TLS); `docprompts worker --redis URL` processes join it")
    crawl.add_argument("--jobs", metavar="FILE",
                       help="with --redis: one crawl per line (`SITE [options]`, e.g. "
                            "`kafka --base-url URL --out kafka.jsonl`), all in one Redis")
    crawl.add_argument("--lease-seconds", type=float, default=30.0,
                       help="with --redis: a page held by a process that stops heartbeating goes back "
                            "to the queue after this long (default 30)")


def parse_crawl_job(argv: list[str]) -> argparse.Namespace:
    """One ``--jobs`` line, read as the options of ``docprompts crawl``."""
    parser = argparse.ArgumentParser(prog="docprompts")
    add_crawl_command(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["crawl", *argv])


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
    parse_keep_views(getattr(args, "keep_views", ""))
    return budget


def parse_keep_views(value) -> tuple[str, ...]:
    """``--keep-views source_listing,noindex``: the view rules whose pages are read after all."""
    if isinstance(value, (tuple, list)):
        value = ",".join(value)
    names = tuple(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))
    unknown = [name for name in names if name not in VIEW_RULES]
    if unknown:
        raise ConfigError(f"--keep-views: unknown rule(s) {', '.join(unknown)}; the rules are "
                          f"{', '.join(VIEW_RULES)}")
    return names


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


def scrapy_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ConfigError(f"--set expects NAME=VALUE with an upper-case Scrapy setting name (got {pair!r})")
        _check_number(name, value)
        overrides[name] = value
    return overrides


def _check_number(name: str, value: str) -> None:
    """A setting whose default is a number (docprompts' or Scrapy's) must be given one: one line
    now, not a traceback from deep inside the crawl. docprompts' own whole-number settings take
    whole numbers (Scrapy reads some of its integer settings as floats)."""
    import scrapy.settings.default_settings as scrapy_defaults

    import crawler.settings as defaults

    with warnings.catch_warnings():   # a deprecated Scrapy setting (CONCURRENT_REQUESTS_PER_IP) warns
        warnings.simplefilter("ignore")
        default = getattr(defaults, name, getattr(scrapy_defaults, name, None))
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        return
    whole = isinstance(default, int) and name.startswith("DOCPROMPTS_")
    try:
        int(value) if whole else float(value)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"--set {name} must be {kind} (got {value!r})") from None
