"""The shipped site profiles against real generated sites (tests/sites/*), crawled end to end.

Each fixture site is served over HTTP with ``crawler.demo.serve_directory`` and crawled once by
the real CLI (``python -m crawler.cli crawl SITE --base-url ...``: the real Scrapy engine in a
subprocess). The expectations below are transcribed from each site's ``EXPECTED.md``;
``test_expectations_are_transcribed_from_expected_md`` checks the transcription.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from compress.tokenizer import TokenCounter
from crawler.demo import serve_directory
from output.records import RECORD_FIELDS, validate_record

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

SITES_ROOT = PROJECT / "tests" / "sites"

# -- what EXPECTED.md says, per site ----------------------------------------------------------------
# pages: {version slug: {page path relative to the version root: [section ids]}}

_SPHINX_API_20 = [
    "module-streamlet", "api-reference", "connecting", "producing", "consuming", "errors",
    "streamlet.connect", "streamlet.Client", "streamlet.Client.cluster_id", "streamlet.Client.producer",
    "streamlet.Client.consumer", "streamlet.Client.close", "streamlet.Producer", "streamlet.Producer.send",
    "streamlet.Producer.flush", "streamlet.Consumer", "streamlet.Consumer.commit", "streamlet.Consumer.seek",
    "streamlet.Message", "streamlet.Message.topic", "streamlet.Message.partition", "streamlet.Message.offset",
    "streamlet.Message.key", "streamlet.Message.value", "streamlet.StreamletError", "streamlet.ConnectError",
    "streamlet.OffsetOutOfRange",
]
_SPHINX_API_21_ONLY = ["streamlet.Producer.begin_transaction", "streamlet.Producer.commit_transaction",
                       "streamlet.Producer.abort_transaction", "streamlet.TransactionFenced"]
_SPHINX_PAGES = {
    "": ["streamlet-py-documentation", "who-this-guide-is-for", "indices-and-tables"],
    "quickstart.html": ["quick-start", "installation", "connecting-to-a-cluster", "plain-connections",
                        "authenticated-connections", "producing-messages", "consuming-messages"],
    "concepts.html": ["core-concepts", "topics-and-partitions", "choosing-a-partition-count",
                      "keys-and-ordering", "offsets", "committed-offsets", "the-reset-policy",
                      "delivery-guarantees"],
    "configuration.html": ["configuration", "connection-settings", "producer-settings", "batching",
                           "retries", "consumer-settings", "environment-variables"],
}

_MKDOCS_PAGES = {
    "": ["streamlet-relay", "what-relay-does", "architecture-at-a-glance", "ingress-path", "egress-path"],
    "getting-started/": ["getting-started", "installation", "first-run", "publishing-a-message",
                         "reading-messages"],
    "routing/": ["routing", "defining-routes", "path-templates", "choosing-the-message-key",
                 "header-mapping", "default-headers", "custom-headers"],
}
_MKDOCS_CONFIGURATION = ["configuration", "the-configuration-file", "reference", "limits", "request-size"]

_KAFKA_PAGES = {
    "": [],
    "getting-started/": [],
    "getting-started/introduction/": ["what-is-an-event-log", "what-streamlet-is-for", "how-streamlet-works",
                                      "brokers", "clients", "main-concepts-and-terminology",
                                      "streamlet-apis"],
    "operations/": [],
    "streams/": [],
    "streams/developer-guide/": [],
    "streams/developer-guide/config-streams/": [
        "configuration-parameter-reference", "required-configuration-parameters", "application-id",
        "recommended-configuration-parameters", "default-values-of-embedded-clients",
        "recommended-settings-for-resilience"],
}
_KAFKA_USES = ["messaging", "activity-tracking", "metrics-and-logs", "stream-processing",
               "a-three-stage-pipeline", "event-sourcing"]
_KAFKA_MONITORING = ["collecting-metrics", "exposing-metrics-remotely", "metrics-reporters", "broker-metrics",
                     "client-metrics", "producer-metrics", "consumer-metrics", "alerting"]

SITES = {
    "sphinx": {
        "profile": "sphinx",
        "source": "sphinx_docs",
        "prefix": "/en/{slug}/",
        "versions": {"2.0": "2.0", "2.1": "2.1"},          # version -> slug
        "latest": "2.1",
        "aliases": ["latest"],
        "pages": {
            "2.0": {**_SPHINX_PAGES, "api.html": _SPHINX_API_20},
            "2.1": {**_SPHINX_PAGES, "api.html": _SPHINX_API_20 + _SPHINX_API_21_ONLY,
                    "transactions.html": ["transactions", "how-a-transaction-works", "markers", "fencing",
                                          "a-read-process-write-loop", "limits"]},
        },
        "only_in": {"2.1": {"api.html": _SPHINX_API_21_ONLY}},
        "sentences": {  # slug -> [(page, sentence)]
            "2.0": [("quickstart.html", "Release 2.0 supports CPython 3.8 through 3.12."),
                    ("concepts.html", "Release 2.0 has no exactly-once mode."),
                    ("configuration.html",
                     "is retried up to retries times (default 3) with a fixed pause of retry_backoff_ms"),
                    ("configuration.html",
                     "Fixed back-off makes many producers retry in lock-step after a broker restart.")],
            "2.1": [("quickstart.html", "Release 2.1 supports CPython 3.9 through 3.13; support for 3.8 "
                                        "ended with the 2.0 series."),
                    ("configuration.html",
                     "Each pause is multiplied by a random jitter factor between 0.8 and 1.2"),
                    ("transactions.html", "Requests from the old process then fail with"),
                    ("transactions.html", "a transaction may stay open for at most")],
            "*": [("concepts.html", "The partition count caps the parallelism of a consumer group"),
                  ("quickstart.html", "Messages with the same key always land in the same partition, which "
                                      "is how Streamlet keeps per-key ordering.")],
        },
        "boilerplate": ["View page source", "Built with", "© Copyright", "Read the Docs", "On Read the Docs",
                        "Project Home", "Free document hosting provided by", "v: 2.1", "v: 2.0",
                        "Previous", "Next"],
        # index.html's toctree (caption "Contents" + the page titles) is boilerplate in the root
        "index_boilerplate": ("", ["Contents", "Quick start", "Core concepts", "Transactions"]),
        "never_fetched": [r"/genindex\.html$", r"/search\.html$", r"/py-modindex\.html$", r"/_sources/",
                          r"/en/latest/"],
    },
    "mkdocs": {
        "profile": "mkdocs",
        "source": "mkdocs_docs",
        "prefix": "/{slug}/",
        "versions": {"1.0": "1.0", "1.1": "1.1"},
        "latest": "1.1",
        "aliases": ["latest"],
        "pages": {
            "1.0": {**_MKDOCS_PAGES, "configuration/": _MKDOCS_CONFIGURATION + ["concurrency"]},
            "1.1": {**_MKDOCS_PAGES, "configuration/": _MKDOCS_CONFIGURATION + ["rate-limiting"],
                    "webhooks/": ["webhooks", "creating-a-subscription", "delivery", "request-format",
                                  "signatures", "retries-and-pausing"]},
        },
        "only_in": {"1.0": {"configuration/": ["concurrency"]},
                    "1.1": {"configuration/": ["rate-limiting"]}},
        "sentences": {
            "1.0": [("", "This is the manual for Relay 1.0, the first stable release."),
                    ("configuration/", "Relay 1.0 has no built-in rate limiting."),
                    ("configuration/", "Put a rate-limiting proxy in front of Relay if clients you do not "
                                       "control can reach it.")],
            "1.1": [("", "Compared with 1.0 it adds outbound webhooks and built-in rate limiting."),
                    ("configuration/", "Relay 1.1 limits requests per API key with a token bucket."),
                    ("webhooks/", "Every delivery carries a Relay-Signature header: an HMAC-SHA256 of the "
                                  "raw body"),
                    ("routing/", "naming the Relay instance that accepted the request.")],
            "*": [("routing/", "Deriving the key from the path keeps all messages for one region in one "
                               "partition"),
                  ("getting-started/", "Never expose a Relay instance that runs without a configuration "
                                       "file.")],
        },
        "boilerplate": ["Skip to content", "Table of contents", "Copyright ©", "Made with",
                        "Material for MkDocs", "Previous", "Next", "¶"],
        "index_boilerplate": None,
        "never_fetched": [r"^/latest/", r"/404\.html$", r"sitemap\.xml", r"versions\.json$"],
    },
    "kafka-hugo": {
        "profile": "kafka",            # the same command as the legacy kafka.apache.org mirror
        "source": "apache_kafka",
        "prefix": "/{slug}/",
        "versions": {"4.0": "40", "4.1": "41"},
        "latest": "4.1",
        "aliases": [],
        "pages": {
            "40": {**_KAFKA_PAGES, "getting-started/uses/": _KAFKA_USES,
                   "operations/monitoring/": _KAFKA_MONITORING},
            "41": {**_KAFKA_PAGES, "getting-started/uses/": _KAFKA_USES + ["work-queues"],
                   "operations/monitoring/": _KAFKA_MONITORING + ["share-group-metrics"],
                   "operations/tiered-storage/": ["why-tiered-storage", "how-segments-move",
                                                  "reading-from-the-cold-tier", "enabling-tiered-storage"]},
        },
        "only_in": {"41": {"getting-started/uses/": ["work-queues"],
                           "operations/monitoring/": ["share-group-metrics"]}},
        "sentences": {
            "41": [("getting-started/uses/", "New in 4.1, share groups let several consumers take records "
                                             "from the same partition and acknowledge them one at a time."),
                   ("operations/monitoring/", "Share consumers report acquired-records-rate and "
                                              "redelivered-records-rate."),
                   ("operations/tiered-storage/", "Tiered storage splits a partition's log into a hot tier on "
                                                  "the broker's local disks and a cold tier in an object store."),
                   ("streams/developer-guide/config-streams/",
                    "keep at least one standby replica, which 4.1 now does by default."),
                   ("getting-started/introduction/", "Besides the command line tools for administration, "
                                                     "Streamlet has five client APIs:")],
            "40": [("getting-started/introduction/", "Release 4.0 removed the last external dependency"),
                   ("operations/monitoring/", "Page someone only for problems that will not fix themselves."),
                   ("streams/developer-guide/config-streams/",
                    "without a standby, the state of the lost instance is rebuilt from its changelog topics"),
                   ("getting-started/introduction/", "Besides the command line tools for administration, "
                                                     "Streamlet has four client APIs:")],
            "*": [("getting-started/uses/", "A news aggregator might crawl articles into an articles-raw topic"),
                  ("operations/monitoring/", "The single most useful consumer metric is records-lag-max"),
                  ("streams/developer-guide/config-streams/",
                   "Changing the application.id of a running application makes it start from scratch")],
        },
        "boilerplate": ["Tags:", "Last modified", "You are viewing documentation for an older version",
                        "For up-to-date documentation, see the latest version", "Previous:", "Next:",
                        "The contents of this website are", "Apache License v2", "DOWNLOAD KAFKA",
                        "View page source", "Edit this page", "Create child page", "Create documentation issue",
                        "Print entire section", "Tag Cloud", "Documentation Redirect", "Redirecting...",
                        "window.location.replace", "Books and Papers"],
        "index_boilerplate": None,
        "never_fetched": [r"/documentation\.html$", r"/documentation/", r"^/index\.html$", r"/_print/"],
    },
}
SITE_NAMES = list(SITES)


# -- running the crawls (each site once per module) -------------------------------------------------
class Crawl:
    def __init__(self, site: str, out: Path, result) -> None:
        self.site, self.spec, self.out, self.result = site, SITES[site], out, result
        self.records = read_records(out)
        self.manifest = read_manifest(out)

    def slug(self, version: str) -> str:
        return self.spec["versions"][version]

    def page_path(self, slug: str, page: str) -> str:
        return self.spec["prefix"].format(slug=slug) + page

    def of_version(self, slug: str) -> list[dict]:
        return [r for r in self.records if r["version_slug"] == slug]

    def of_page(self, slug: str, page: str) -> list[dict]:
        return [r for r in self.of_version(slug) if fetched_path(r) == self.page_path(slug, page)]


def fetched_path(record: dict) -> str:
    path = urlsplit(record["fetched_url"]).path
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def ids_of(record: dict) -> set[str]:
    fragment = urlsplit(record["url"]).fragment
    return set(record["anchors"]) | ({fragment} if fragment else set())


def normalise(text: str) -> str:
    """Inline code may come out as `code`: compare prose without backticks, whitespace collapsed."""
    return re.sub(r"\s+", " ", text.replace("`", ""))


def text_of(records: list[dict]) -> str:
    return normalise("\n".join(r["text"] for r in records))


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """``crawls(site)``: that site served on loopback and crawled by the real CLI, once."""
    done: dict[str, Crawl] = {}

    def crawl(site: str) -> Crawl:
        if site not in done:
            out = tmp_path_factory.mktemp(site) / f"{site}.jsonl"
            with serve_directory(SITES_ROOT / site) as base_url:
                result = run_docprompts("crawl", SITES[site]["profile"], "--base-url", base_url,
                                        "--out", str(out), *SITES[site].get("arguments", ()), timeout=600)
            if not out.exists() or not Path(str(out) + ".manifest.json").exists():
                pytest.fail(f"docprompts crawl {site} wrote no output (exit {result.returncode}):\n"
                            f"{result.stderr[-3000:]}")
            done[site] = Crawl(site, out, result)
        return done[site]

    return crawl


@pytest.fixture(scope="module")
def demo_records(demo_crawl):
    out, result = demo_crawl        # the session's one demo crawl (tests/conftest.py)
    assert result.returncode == 0, result.stderr[-3000:]
    return read_records(out)


@pytest.fixture(params=SITE_NAMES)
def crawl(request, crawls) -> Crawl:
    return crawls(request.param)


# -- the expectations match EXPECTED.md and the fixture HTML ----------------------------------------
def _fixture_text(site: str) -> str:
    """Every HTML file of the fixture site, tags dropped and entities decoded."""
    parts = []
    for path in sorted((SITES_ROOT / site).rglob("*.html")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    return normalise("\n".join(parts))


@pytest.mark.parametrize("site", SITE_NAMES)
def test_expectations_are_transcribed_from_expected_md(site):
    spec = SITES[site]
    expected_md = normalise((SITES_ROOT / site / "EXPECTED.md").read_text(encoding="utf-8"))
    for pages in spec["pages"].values():
        for ids in pages.values():
            for section_id in ids:
                if "." not in section_id:   # API ids are abbreviated there (`.producer`)
                    assert f"#{section_id}" in expected_md or f'id="{section_id}"' in expected_md, \
                        section_id
    for sentences in spec["sentences"].values():
        for _, sentence in sentences:
            assert sentence in expected_md, sentence
    fixture = _fixture_text(site)
    for text in spec["boilerplate"]:   # otherwise "absent from the records" would prove nothing
        assert text in fixture, f"{text!r} is not in the {site} fixture HTML"


# -- every site -------------------------------------------------------------------------------------
def test_the_crawl_succeeds(crawl):
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    assert crawl.manifest["pages_failed"] == 0, crawl.manifest["failures"]
    assert crawl.records


def test_all_versions_are_discovered_and_crawled_and_the_latest_is_marked(crawl):
    versions = crawl.manifest["versions"]
    expected = sorted(crawl.spec["versions"], key=lambda v: [int(p) for p in v.split(".")])
    assert versions["crawled"] == expected
    assert set(expected) <= set(versions["discovered"])
    assert versions["latest"] == crawl.spec["latest"]
    assert {r["version"] for r in crawl.records} == set(expected)
    for record in crawl.records:
        assert record["version_slug"] == crawl.slug(record["version"]), record["url"]
        assert record["is_latest"] is (record["version"] == crawl.spec["latest"]), record["url"]
        assert record["site"] == crawl.spec["profile"] and record["source"] == crawl.spec["source"]


def test_aliases_are_not_emitted_as_versions(crawl):
    versions = crawl.manifest["versions"]
    for alias in crawl.spec["aliases"]:
        assert alias not in versions["discovered"] and alias not in versions["crawled"]
        assert not any(r["version"] == alias or r["version_slug"] == alias for r in crawl.records)
        assert not any(f"/{alias}/" in r["url"] or f"/{alias}/" in r["fetched_url"] for r in crawl.records)
    for alias, target in versions["aliases"].items():
        assert target in versions["crawled"], (alias, target)
    ids = [r["id"] for r in crawl.records]
    assert len(ids) == len(set(ids)), "duplicate record ids"


def test_every_page_is_crawled_with_full_coverage(crawl):
    per_page = crawl.manifest["coverage"]["per_page"]
    assert all(page["coverage"] >= 0.98 for page in per_page), [
        (page["url"], page["coverage"]) for page in per_page if page["coverage"] < 0.98]
    covered = {urlsplit(page["url"]).path for page in per_page}
    for slug, pages in crawl.spec["pages"].items():
        for page in pages:
            path = crawl.page_path(slug, page)
            assert path in covered, f"{path} has no coverage entry"
            assert crawl.of_page(slug, page), f"{path} produced no record"
    expected_paths = {crawl.page_path(slug, page)
                      for slug, pages in crawl.spec["pages"].items() for page in pages}
    assert {fetched_path(r) for r in crawl.records} == expected_paths


def test_every_section_id_is_in_its_pages_records(crawl):
    missing = []
    for slug, pages in crawl.spec["pages"].items():
        for page, section_ids in pages.items():
            found = set().union(*(ids_of(r) for r in crawl.of_page(slug, page)))
            missing += [f"{crawl.page_path(slug, page)}#{i}" for i in section_ids if i not in found]
    assert not missing


def test_version_specific_sections_are_absent_from_the_other_version(crawl):
    for slug, pages in crawl.spec["only_in"].items():
        for other in set(crawl.spec["versions"].values()) - {slug}:
            found = set().union(set(), *(ids_of(r) for r in crawl.of_version(other)))
            for page, section_ids in pages.items():
                assert not set(section_ids) & found, (other, page, set(section_ids) & found)


def test_no_headerlink_marks_or_line_number_anchors(crawl):
    for record in crawl.records:
        assert "\u00b6" not in record["text"], record["url"]
        assert not any("__codelineno" in anchor for anchor in record["anchors"]), record["url"]
        assert "__codelineno" not in record["url"] and "__codelineno" not in record["text"]


def test_no_boilerplate_in_record_text(crawl):
    leaks = []
    for record in crawl.records:
        text = normalise(record["text"])
        for phrase in crawl.spec["boilerplate"]:
            pattern = rf"\b{re.escape(phrase)}\b" if phrase[0].isalnum() and phrase[-1].isalnum() \
                else re.escape(phrase)
            if re.search(pattern, text):
                leaks.append((record["url"], phrase))
    if crawl.spec["index_boilerplate"]:
        page, phrases = crawl.spec["index_boilerplate"]
        for slug in crawl.spec["versions"].values():
            text = text_of(crawl.of_page(slug, page))
            leaks += [(crawl.page_path(slug, page), p) for p in phrases if re.search(rf"\b{p}\b", text)]
    assert not leaks


def test_distinctive_sentences_are_in_their_version_only(crawl):
    slugs = set(crawl.spec["versions"].values())
    for key, sentences in crawl.spec["sentences"].items():
        own = slugs if key == "*" else {key}
        for page, sentence in sentences:
            for slug in own:
                assert sentence in text_of(crawl.of_page(slug, page)), (slug, page, sentence)
            for slug in slugs - own:
                assert sentence not in text_of(crawl.of_version(slug)), (slug, sentence)


def test_records_hold_the_schema_and_exact_token_counts(crawl):
    counters: dict[str, TokenCounter] = {}
    for record in crawl.records:
        assert set(record) == set(RECORD_FIELDS), record.get("url")
        assert validate_record(record) == [], record["url"]
        count = counters.setdefault(record["encoding"], TokenCounter(record["encoding"]))
        assert record["text_tokens"] == count(record["text"]) <= record["max_input_tokens"], record["url"]
        assert record["prompt_tokens"] == count(record["prompt"]), record["url"]
        assert record["text"] in record["prompt"]
        assert record["title"] and record["path"] and record["path"][-1] == record["title"]
        assert 0 <= record["chunk_index"] < record["chunk_count"]
        assert all(isinstance(anchor, str) and anchor for anchor in record["anchors"])


def test_record_urls_are_the_fetched_pages(crawl):
    """Sphinx and MkDocs (no public host in the profile) keep the --base-url host; kafka maps to
    kafka.apache.org. Either way the path is the fetched page's, in the form the page's own
    canonical link gives (Sphinx: ``dir/index.html``; Hugo: ``dir/``)."""
    def folder(path: str) -> str:
        return path[: -len("index.html")] if path.endswith("/index.html") else path

    for record in crawl.records:
        url, fetched = urlsplit(record["url"]), urlsplit(record["fetched_url"])
        assert not fetched.fragment
        assert folder(url.path) == folder(fetched.path), (record["url"], record["fetched_url"])
        if crawl.site == "kafka-hugo":
            assert url.scheme == "https" and url.netloc == "kafka.apache.org"
        else:
            assert url.netloc == fetched.netloc


def test_same_fields_as_the_legacy_layout(crawl, demo_records):
    demo_fields = {tuple(sorted(r)) for r in demo_records}
    site_fields = {tuple(sorted(r)) for r in crawl.records}
    assert demo_fields == site_fields == {tuple(sorted(RECORD_FIELDS))}
    demo, record = demo_records[0], crawl.records[0]
    assert {k: type(v) for k, v in demo.items()} == {k: type(v) for k, v in record.items()}


def test_generated_and_non_content_pages_are_not_crawled(crawl):
    fetched = {fetched_path(r) for r in crawl.records} | {
        urlsplit(page["url"]).path for page in crawl.manifest["coverage"]["per_page"]}
    for pattern in crawl.spec["never_fetched"]:
        assert not [path for path in fetched if re.search(pattern, path)], pattern


# -- Kafka's legacy redirect pages ------------------------------------------------------------------
_MAP_ENTRY = re.compile(r"""["']#([^"']+)["']\s*:\s*["']([^"']*)["']""")


def legacy_map(slug: str) -> dict[str, str]:
    page = (SITES_ROOT / "kafka-hugo" / slug / "documentation.html").read_text(encoding="utf-8")
    script = page[page.index(f't="{slug}",o={{'):]
    script = script[: script.index("},n=window")]
    return dict(_MAP_ENTRY.findall(script))


def test_legacy_redirect_pages_carry_their_old_anchors(crawls):
    crawl = crawls("kafka-hugo")
    checked = []
    for slug in ("41", "40"):
        mapping = legacy_map(slug)
        assert {"uses", "remote_metrics", "streamsconfigs", "uses_workqueues"} <= set(mapping)
        for old, target in mapping.items():
            page, _, fragment = target.partition("#")
            page = page.strip("/") + "/"
            if not (SITES_ROOT / "kafka-hugo" / slug / page / "index.html").exists():
                continue   # 4.0 has no tiered-storage page: the old anchor leads to a 404
            records = crawl.of_page(slug, page)
            assert records, f"/{slug}/{page} produced no record"
            holder = next((r for r in records if fragment and fragment in ids_of(r)), records[0])
            assert old in holder["anchors"], (slug, old, target, holder["url"], holder["anchors"])
            others = [r["url"] for r in crawl.of_version(slug) if r is not holder and old in r["anchors"]]
            assert not others, (slug, old, others)
            checked.append((slug, old))
    assert ("41", "remote_metrics") in checked and ("40", "streamsconfigs") in checked
    assert ("40", "uses_workqueues") in checked   # target fragment absent in 4.0: the page's first record


def test_legacy_redirect_pages_make_no_records(crawls):
    crawl = crawls("kafka-hugo")
    assert not [r["url"] for r in crawl.records if "documentation" in r["fetched_url"]]
    assert crawl.manifest["versions"]["discovered"] == ["4.0", "4.1"]   # the Releases menu
    for version in ("4.0", "4.1"):
        book = crawl.manifest["discovery"]["versions"][version]
        assert book["redirect_stubs"] >= 1 and "stub" in book["found_by"] and "menu" in book["found_by"]
        assert book["pages_with_records"] == book["pages_fetched"] - book["redirect_stubs"]
        # 4.0 has no tiered-storage page: its stub's map entry is a dead link, listed with its reason
        expected = [{"path": "/40/operations/tiered-storage/", "reason": "broken link (HTTP 404)"}] \
            if version == "4.0" else []
        assert book["linked_not_fetched"] == expected


def test_docsy_tabs_are_labelled_and_alerts_are_notes(crawls):
    records = crawls("kafka-hugo").of_page("41", "operations/tiered-storage/")
    text = "\n".join(r["text"] for r in records)
    linux, windows = text.index("**Linux and macOS**"), text.index("**Windows**")
    assert linux < text.index("Run the shell script") < windows < text.index("Run the batch file")
    assert "**Note:** One-way switch" in text and "Compacted topics cannot be tiered" in text
    assert "nav-tabs" not in text and "\n#### One-way switch" not in text
