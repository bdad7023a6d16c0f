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
import sys
import time
from pathlib import Path

from compress.budget import Budget, BudgetError
from compress.tokenizer import TokenizerError
from output.corpus.cli import register as register_corpus_commands
from output.safety import OutputError, UnsafePath, check_crawl_paths, printable

from crawler.distributed import cli as distributed
from crawler.options import (EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ConfigError, add_crawl_arguments,
                             add_crawl_command, check_options, check_reachable, check_resumable,
                             parse_base_url, parse_version_filter, scrapy_overrides)
from crawler.preflight import PreflightError, announce, check_requested_versions, is_url, plan_crawl, site_plan
from crawler.run.browser import INSTALL_HINT, render_settings
from crawler.run import workers
from crawler.run.logs import escape_log_control_characters, install_json_logging
from crawler.run.stopping import install_stop_handlers
from crawler.run.summary import dedup_output, summarise
from crawler.site.hooks import hooks_for
from crawler.site.profiles import ProfileError
from crawler.site.sites import builtin_profiles, load_site


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="docprompts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    add_crawl_command(commands)
    demo = commands.add_parser("demo", help="run the pipeline on the bundled sample site, offline")
    add_crawl_arguments(demo, "docprompts-demo.jsonl")
    commands.add_parser("sites", help="list the site profiles")
    distributed.add_worker_command(commands)
    register_corpus_commands(commands)   # export, diff, report, dedup
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return run_command(build_parser().parse_args(argv))
    except KeyboardInterrupt:   # Ctrl-C before the crawl started (after: crawler/run/stopping.py)
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
        # The page workers start now, while the site is checked and Scrapy set up (about a
        # second each); the crawl adopts them.
        workers.start_early(workers.default_processes() if args.workers < 0 else args.workers, budget.encoding)
        if args.command == "demo":
            from crawler.demo import serve_demo_site

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
    finally:
        workers.discard_early()   # no crawl adopted them (an error, another worker count)


def crawl_url(args, budget: Budget) -> int:
    """``docprompts crawl URL``: detect the generator (or take --profile), say what was found,
    check --versions against the site's own names, then crawl."""
    plan = plan_crawl(args.site, args.profile, args.base_url)
    for line in announce(plan):
        print(line, file=sys.stderr)
    check_requested_versions(parse_version_filter(args.versions), plan)
    hooks_for(plan.profile)
    check_resumable(plan.profile, budget, args.out)
    if plan.browser_reason and args.render == "never":
        print("docprompts: warning: --render never: pages that need a browser fail (kind needs_browser)",
              file=sys.stderr)
    return run_crawl(plan.profile, plan.fetch_base_url, args, plan.browser_reason, plan.hash_routes)


def run_crawl(profile, base_url: str, args, browser_reason: str | None = None, hash_routes: bool = False) -> int:
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
    # the crawl budget counts it instead (crawler/run/limits.py) and names it in the manifest.
    settings.set("DOCPROMPTS_MAX_PAGES", min(settings.getint("DOCPROMPTS_MAX_PAGES"),
                                             settings.getint("CLOSESPIDER_PAGECOUNT") or 10**9),
                 priority="cmdline")
    settings.set("CLOSESPIDER_PAGECOUNT", 0, priority="cmdline")
    rendering = render_settings(settings, getattr(args, "render", "auto"), browser_reason, hash_routes)
    if rendering is None:
        configured = settings.get("DOCPROMPTS_BROWSER")
        print(printable(f"docprompts: error: the pages of {base_url}{profile.entry} need a browser "
                        f"({browser_reason or '--render always'}); there is none "
                        f"{'at ' + configured if configured else 'on this machine'}: {INSTALL_HINT}; "
                        f"nothing was crawled"), file=sys.stderr)
        return EXIT_PARTIAL
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
                  full=getattr(args, "full", False),
                  keep_views=getattr(args, "keep_views", ""))
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


if __name__ == "__main__":
    sys.exit(main())
