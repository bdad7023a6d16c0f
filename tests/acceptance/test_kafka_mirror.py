"""The real Kafka documentation mirror (``../shared/kafka-site``), served by Apache httpd as the
real site is, crawled end to end with ``docprompts crawl kafka``, and judged against what headless
Chromium rendered (``../shared/kafka-gold``). Skipped when ``../shared`` is absent (a fresh clone)."""
from __future__ import annotations

import gzip
import re
import subprocess
from collections import defaultdict

import ftfy
import pytest
from lxml import html as lxml_html

from compress.tokenizer import TokenCounter
from crawler.page.clean import drop_content_before, strip_boilerplate, text_of
from output.coverage import markdown_to_plain, ngrams
from output.records import validate_record

from ..conftest import SHARED, free_port, read_manifest, read_records, run_docprompts

MIRROR, GOLD = SHARED / "kafka-site", SHARED / "kafka-gold"
pytestmark = [pytest.mark.acceptance, pytest.mark.slow,
              pytest.mark.skipif(not MIRROR.is_dir(), reason="../shared/kafka-site is absent")]


# (version, T = inside a handlebars template / P = plain HTML, sentence as a browser shows it)
KNOWN_SENTENCES = [
    ("2.0", "T", "Kafka has stronger ordering guarantees than a traditional messaging system, too."),
    ("2.0", "T", "More details on these guarantees are given in the design section of the documentation."),
    ("2.0", "P", "This involves aggregating statistics from distributed applications to produce centralized feeds of operational data."),
    ("2.0", "P", "Kafka abstracts away the details of files and gives a cleaner abstraction of log or event data as a stream of messages."),
    ("3.9", "T", "It would need to deal gracefully with large data backlogs to be able to support periodic data loads from offline systems."),
    ("3.9", "T", "It also meant the system would have to handle low-latency delivery to handle more traditional messaging use-cases."),
    ("3.9", "T", "Brokers with broken log directories will only be able to migrate to KRaft once the directories are repaired."),
    ("3.9", "T", "It is possible to set custom quotas for each (user, client-id), user or client-id group."),
    ("0.7", "P", "Both of these command line tools have additional options. Running the command with no arguments will display usage information documenting them in more detail."),
    ("0.7", "P", "First start the zookeeper server. You can use the convenience script packaged with kafka to get a quick-and-dirty single-node zookeeper instance."),
    ("0.10.0", "P", "Let's start by looking at a few use cases where this is useful, then we'll see how it can be used."),
    ("0.10.0", "P", "The small I/O problem happens both between the client and the server and in the server's own persistent operations."),
    ("0.8.2", "P", "You can change the configuration or partitioning of a topic using the same topic tool."),
    ("0.8.2", "P", "Kafka does not currently support reducing the number of partitions for a topic or changing the replication factor."),
    ("3.9", "T", "You may also add threads to replace stream threads that have died removing the need to restart clients to recover the number of thread running."),
    ("3.9", "T", "If a task runs on a machine that fails, Kafka Streams automatically restarts the task in one of the remaining running instances of the application."),
    ("2.0", "T", "When grouping a table, you may also specify a new value and value type."),
    ("2.0", "T", "The current record value is combined with the last reduced value, and a new reduced value is returned."),
    ("1.0", "T", "Apache Kafka allows clients to connect over SSL. By default, SSL is disabled but can be turned on as needed."),
    ("1.0", "T", "One can also add super users in server.properties like the following (note that the delimiter is semicolon since SSL user names may contain comma)."),
    ("3.8", "T", "Below is the configuration of the connectors that make up MirrorMaker 2."),
    ("3.8", "T", "All configs that are configurable at cluster level may also be configured at per-broker level (e.g. for testing)."),
    ("0.9.0", "P", "When rebalancing is triggered at one consumer, rebalancing should be triggered in other consumers within the same group about the same time."),
    ("0.9.0", "P", "Multiple consumers can form a group and jointly consume a single topic. Each consumer in the same group is given a shared group_id."),
    ("2.5", "T", "Other tasks are not stopped and restarted during the rebalance, as they would have been with the old protocol."),
    ("2.5", "T", "Therefore, upgrading to the new Connect protocol happens automatically when all the workers upgrade to 2.3.0."),
    ("3.3", "T", "It is still possible to downgrade at this point if there are any problems."),
    ("3.3", "T", "We recommend making corresponding code changes, which should be very minor since the new APIs look quite similar, when you upgrade."),
    ("0.11.0", "T", "Kafka Streams is a client library for processing and analyzing data stored in Kafka."),
    ("0.11.0", "T", "These state stores can either be a persistent key-value store, an in-memory hashmap, or another convenient data structure."),
    ("0.10.1", "T", "If all the consumer instances have different consumer groups, then each record will be broadcast to all the consumer processes."),
    ("0.10.1", "T", "For example, a retail application might take in input streams of sales and shipments, and output a stream of reorders and price adjustments computed off this data."),
]


@pytest.fixture(scope="module")
def mirror_crawl(tmp_path_factory):
    serve, port = SHARED / "serve-kafka-site", free_port()
    base_url = subprocess.run(["bash", str(serve), "start", port], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    try:
        out = tmp_path_factory.mktemp("mirror") / "kafka.jsonl"
        result = run_docprompts("crawl", "kafka", "--base-url", base_url, "--out", str(out))
        assert result.returncode == 0, result.stderr[-3000:]
        return read_records(out), read_manifest(out)
    finally:
        subprocess.run(["bash", str(serve), "stop", port], capture_output=True)


def gold_pages():
    """(fetched path, browser-rendered content text, heading ids) per gold page."""
    pages = []
    for path in sorted((GOLD / "legacy").glob("*.html.gz")) + sorted((GOLD / "streams").glob("*.html.gz")):
        doc = lxml_html.document_fromstring(gzip.decompress(path.read_bytes()))
        main = path.parent.name == "legacy"
        if main:
            root = doc.cssselect("div.right")[0]
            drop_content_before(root, "h2")
        else:
            root = (doc.cssselect("div.p-content") or doc.cssselect("div.right"))[0]
        # What the records deliberately leave out: scripts, banner, Streams sub-navigation...
        strip_boilerplate(root, ("script", "style", "noscript", ".documentation__banner",
                                 "ul.breadcrumbs", ".sub-nav-sticky", ".pagination", ".p-toc", "ul.toc"))
        heading_ids = {i for h in root.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")
                       for i in h.xpath("./@id|.//@id")}
        fetched = "/" + path.name[:-len(".html.gz")].replace("__", "/") + ".html"
        # Chromium decoded a few Streams pages as windows-1252 (their charset meta comes late):
        # the records repair that, so the reference is repaired too.
        pages.append((fetched, ftfy.fix_text(text_of(root)), heading_ids))
    return pages


def records_by_page(records):
    pages = defaultdict(list)
    for record in records:  # the output is in document order
        pages[re.sub(r"^https?://[^/]+", "", record["fetched_url"])].append(record)
    return pages


def test_all_30_versions_are_crawled(mirror_crawl):
    records, manifest = mirror_crawl
    versions = {record["version"] for record in records}
    assert len(versions) == 30, sorted(versions)
    assert manifest["versions"]["latest"] == "3.8"
    assert {r["version"] for r in records if r["is_latest"]} == {"3.8"}
    assert len(manifest["versions"]["crawled"]) == 30
    assert manifest["pages_failed"] == 0, manifest["failures"][:5]
    assert any("/documentation/streams/" in r["fetched_url"] for r in records if r["version"] == "2.0")


def test_known_sentences_from_templates_and_plain_html(mirror_crawl):
    records, _ = mirror_crawl
    text_by_version = defaultdict(str)
    for record in records:
        text_by_version[record["version"]] += " " + re.sub(r"\s+", " ", record["text"])
    missing = [(version, sentence) for version, _, sentence in KNOWN_SENTENCES
               if sentence not in text_by_version[version]]
    assert not missing
    assert {kind for _, kind, _ in KNOWN_SENTENCES} == {"T", "P"}


def test_fidelity_against_the_browser_rendering(mirror_crawl):
    records, _ = mirror_crawl
    pages = records_by_page(records)
    anchors = {(page, a) for page, recs in pages.items() for r in recs
               for a in r["anchors"] + [r["url"].partition("#")[2]]}
    wanted, found, ours_total, ours_extra = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    missing_anchors = []
    for fetched, gold_text, heading_ids in gold_pages():
        version = fetched.split("/")[1]
        recs = pages.get(fetched)
        assert recs, f"no records for {fetched}"
        ours = "\n\n".join(markdown_to_plain(r["text"]) for r in recs)
        gold_ngrams, our_ngrams = ngrams(gold_text), ngrams(ours)
        wanted[version] += len(gold_ngrams)
        found[version] += len(gold_ngrams & our_ngrams)
        ours_total[version] += len(our_ngrams)
        ours_extra[version] += len(our_ngrams - gold_ngrams)
        missing_anchors += [(fetched, i) for i in heading_ids if (fetched, i) not in anchors]
    assert len(wanted) == 30
    for version in wanted:
        recall = found[version] / wanted[version]
        extra = ours_extra[version] / ours_total[version]
        assert recall >= 0.98, (version, recall)
        assert extra < 0.03, (version, extra)
    assert not missing_anchors, missing_anchors[:10]


def test_no_boilerplate_templates_or_mojibake(mirror_crawl):
    records, _ = mirror_crawl
    for record in records:
        text = record["text"]
        assert not re.search(r"\{\{[^}]*\}\}", text), record["url"]
        assert "You're viewing documentation for an older version" not in text, record["url"]
        assert "Prior releases" not in text, record["url"]
        assert not re.search(r"Â[®©°±·»«]|â€|Ã[©¨¶¼]", text), record["url"]


def test_exact_token_counts_and_budgets(mirror_crawl):
    records, manifest = mirror_crawl
    count = TokenCounter("cl100k_base")
    for record in records:
        assert validate_record(record) == [], record["url"]
        assert record["text_tokens"] == count(record["text"])
        assert record["prompt_tokens"] == count(record["prompt"])
        assert record["text_tokens"] <= 800 < record["text_tokens"] + 10_000
    assert len({r["id"] for r in records}) == len(records)
    assert manifest["coverage"]["min"] >= 0.97
