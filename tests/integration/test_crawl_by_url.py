"""``docprompts crawl URL``: each generator's fixture site (tests/sites/*, built by the real
generator) served over loopback HTTP and crawled by its URL alone, with the real CLI and
Scrapy engine. Issue 11's "Why" points are named in the test names (why1 ... why9)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.fidelity import page_fidelity
from crawler.demo import serve_directory

from ..conftest import PROJECT, read_manifest, read_records, run_docprompts

SITES = PROJECT / "tests" / "sites"
DOCUSAURUS_PAGES = {   # version -> pages (EXPECTED.md)
    "2.0": ["/docs/getting-started", "/docs/configuration", "/docs/ci", "/docs/operations/upgrading",
            "/docs/operations/backups"],
    "1.4": ["/docs/1.4/getting-started", "/docs/1.4/configuration", "/docs/1.4/ci",
            "/docs/1.4/operations/upgrading"],
    "Next": ["/docs/next/getting-started", "/docs/next/configuration", "/docs/next/ci",
             "/docs/next/operations/upgrading", "/docs/next/operations/backups"],
}
BOILERPLATE = ["Edit this page", "Last updated", "Version: 1.4", "Version: 2.0", "On this page",
               "Direct link to", "no longer actively maintained", "unreleased documentation",
               "Ines Okafor", "Skip to main content", "Built with Docusaurus", "Previous\n", "\u200b"]


class Crawl:
    def __init__(self, result, out: Path, base_url: str):
        self.result, self.out, self.base_url = result, out, base_url
        self.manifest = read_manifest(out) if Path(str(out) + ".manifest.json").exists() else None
        self.records = read_records(out) if out.exists() else []

    def pages(self, version: str) -> set[str]:
        return {re.sub(r"^https?://[^/]+", "", r["url"].split("#")[0]) for r in self.records
                if r["version"] == version}


def crawl_url(tmp: Path, site: str, path: str, *options: str) -> Crawl:
    out = tmp / f"{site}.jsonl"
    with serve_directory(SITES / site) as base_url:
        result = run_docprompts("crawl", base_url + path, "--out", str(out), "--workers", "0", *options)
    return Crawl(result, out, base_url)


@pytest.fixture(scope="module")
def docusaurus(tmp_path_factory):
    return crawl_url(tmp_path_factory.mktemp("docusaurus"), "docusaurus", "/docs/getting-started")


# -- Docusaurus, by URL alone -----------------------------------------------------------------------
def test_docusaurus_is_detected_and_its_versions_printed(docusaurus):
    assert docusaurus.result.returncode == 0, docusaurus.result.stderr[-3000:]
    err = docusaurus.result.stderr
    assert "detected Docusaurus v3.9.2" in err and "profile docusaurus" in err
    site = docusaurus.base_url.split("//")[1].replace(".", "-").replace(":", "-")   # 127-0-0-1-PORT
    assert {r["site"] for r in docusaurus.records} == {site}
    assert re.search(r"versions on /docs/getting-started: .*2\.0 \(unversioned path\).*1\.4.*Next", err) \
        or re.search(r"versions on /docs/getting-started: .*Next.*2\.0 \(unversioned path\).*1\.4", err), err


def test_why1_why2_every_version_crawled_newest_at_the_unversioned_path_named_by_its_label(docusaurus):
    versions = docusaurus.manifest["versions"]
    assert set(versions["discovered"]) == set(versions["crawled"]) == {"1.4", "2.0", "Next"}
    assert versions["latest"] == "2.0"
    for version, pages in DOCUSAURUS_PAGES.items():
        assert docusaurus.pages(version) == set(pages), version
    for record in docusaurus.records:
        assert record["is_latest"] is (record["version"] == "2.0")
        assert record["version_slug"] == {"2.0": "", "1.4": "1.4", "Next": "next"}[record["version"]]
    assert docusaurus.manifest["pages_failed"] == 0


def test_why3_the_entry_page_is_a_page_of_the_latest_release_emitted_once(docusaurus):
    entry = [r for r in docusaurus.records if r["url"].split("#")[0].endswith("/docs/getting-started")]
    assert {r["version"] for r in entry} == {"2.0"}
    assert len({r["id"] for r in entry}) == len(entry)
    assert {"requirements", "install-the-operator", "create-a-cluster", "next-steps"} <= \
        {a for r in entry for a in r["anchors"]}


def test_why5_next_is_crawled_and_marked_prerelease(docusaurus):
    assert {r["version"] for r in docusaurus.records if r["is_prerelease"]} == {"Next"}


def test_why6_record_urls_use_the_urls_host_and_the_canonical_form(docusaurus):
    for record in docusaurus.records:
        assert record["url"].startswith(docusaurus.base_url + "/docs/")
        assert "/#" not in record["url"] and not record["url"].endswith("/"), record["url"]


def test_why4_no_boilerplate_and_full_recall_and_precision_of_the_main_content(docusaurus):
    pages: dict[str, list[dict]] = {}
    for record in docusaurus.records:
        pages.setdefault(record["fetched_url"], []).append(record)
        for phrase in BOILERPLATE:
            assert phrase not in record["text"], (phrase, record["url"])
    assert len(pages) == sum(len(paths) for paths in DOCUSAURUS_PAGES.values())
    for url, records in pages.items():
        local = SITES / "docusaurus" / (url.split("/", 3)[3].rstrip("/") + "/index.html")
        figures = page_fidelity(local.read_text(encoding="utf-8"), records)   # bench/fidelity.py
        assert figures["recall"] >= 0.99 and figures["precision"] >= 0.99, (url, figures)
        assert figures["anchors"] == 1.0, (url, figures)


def test_why7_no_template_warning_for_code(docusaurus):
    assert "unrendered template" not in docusaurus.result.stderr
    assert any("${{ steps.cpu-cores.outputs.count }}" in r["text"] for r in docusaurus.records)


def test_why8_tabs_and_admonitions(docusaurus):
    text = "\n".join(r["text"] for r in docusaurus.records if r["version"] == "2.0")
    assert "**Helm**\n\n```bash\nhelm repo add" in text
    assert "**Storage class changes:** Changing `storageClass`" in text


def test_layout_share_is_sampled_per_version(docusaurus):
    sampled = [page for page in docusaurus.manifest["coverage"]["per_page"] if page.get("layout_share") is not None]
    assert {page["version"] for page in sampled} == {"1.4", "2.0", "Next"}
    assert min(page["layout_share"] for page in sampled) >= 0.9


# -- --versions with the site's own names ------------------------------------------------------------
@pytest.mark.slow
def test_why5_versions_takes_the_sites_names(tmp_path):
    crawl = crawl_url(tmp_path, "docusaurus", "/docs/getting-started", "--versions", "1.4,next")
    assert crawl.result.returncode == 0, crawl.result.stderr[-2000:]
    assert {r["version"] for r in crawl.records} == {"1.4", "Next"}
    assert crawl.pages("Next") == set(DOCUSAURUS_PAGES["Next"])


def test_why9_an_unknown_version_fails_before_anything_is_written(tmp_path):
    crawl = crawl_url(tmp_path, "docusaurus", "/docs/getting-started", "--versions", "31.0")
    assert crawl.result.returncode == 2
    errors = [line for line in crawl.result.stderr.splitlines() if line.startswith("docprompts: error:")]
    assert len(errors) == 1 and "31.0" in errors[0] and "Next" in errors[0] and "2.0" in errors[0]
    assert "Traceback" not in crawl.result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_why5_a_scope_deny_leaves_a_version_out_without_a_failure(tmp_path):
    profile = (PROJECT / "crawler" / "site" / "sites" / "docusaurus.toml").read_text(encoding="utf-8")
    profile = profile.replace("[scope]\n", "[scope]\n# no unreleased docs\n").replace(
        "deny = ['^/docs/tags", "deny = ['^/docs/next(?:/|$)', '^/docs/tags")
    path = tmp_path / "no-next.toml"
    path.write_text(profile, encoding="utf-8")
    crawl = crawl_url(tmp_path, "docusaurus", "/docs/getting-started", "--profile", str(path))
    assert crawl.result.returncode == 0, crawl.result.stderr[-2000:]
    assert {r["version"] for r in crawl.records} == {"1.4", "2.0"}
    assert crawl.manifest["pages_failed"] == 0
    assert not any("/docs/next" in url for url in crawl.manifest["broken_links"])


@pytest.mark.slow
def test_a_profile_whose_content_root_drifted_raises_the_layout_alarm(tmp_path):
    profile = (PROJECT / "crawler" / "site" / "sites" / "docusaurus.toml").read_text(encoding="utf-8")
    # A "redesign": the root now finds only the page's title block.
    profile = re.sub(r"content_root = \[.*?\]\nsection_levels",
                     'content_root = ["div.theme-doc-markdown > header"]\nsection_levels', profile, flags=re.S)
    assert 'content_root = ["div.theme-doc-markdown > header"]' in profile
    path = tmp_path / "drifted.toml"
    path.write_text(profile, encoding="utf-8")
    crawl = crawl_url(tmp_path, "docusaurus", "/docs/getting-started", "--profile", str(path),
                      "--versions", "2.0")
    assert crawl.result.returncode == 1, crawl.result.stderr[-2000:]
    drift = [f for f in crawl.manifest["failures"] if f["kind"] == "layout_drift"]
    assert len(drift) == 1 and "2.0" in drift[0]["reason"]
    assert "layout drift" in crawl.result.stderr


# -- Sphinx and MkDocs, by URL alone ---------------------------------------------------------------
@pytest.mark.parametrize("site, path, generator, versions, latest", [
    ("sphinx", "/en/latest/", "Sphinx", {"2.0", "2.1"}, "2.1"),
    ("mkdocs", "/", "MkDocs", {"1.0", "1.1"}, "1.1"),
])
@pytest.mark.slow
def test_sphinx_and_mkdocs_sites_are_crawled_by_url_alone(tmp_path, site, path, generator, versions, latest):
    crawl = crawl_url(tmp_path, site, path)
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    assert f"detected {generator}" in crawl.result.stderr
    assert set(crawl.manifest["versions"]["crawled"]) == versions
    assert crawl.manifest["versions"]["latest"] == latest
    assert {r["version"] for r in crawl.records} == versions
    assert all(r["url"].startswith(crawl.base_url + "/") for r in crawl.records)
    assert min(page["coverage"] for page in crawl.manifest["coverage"]["per_page"]) >= 0.95


@pytest.mark.slow
def test_a_docsy_site_is_crawled_by_url_as_one_version_scoped_to_its_first_folder(tmp_path):
    crawl = crawl_url(tmp_path, "kafka-hugo", "/41/getting-started/introduction/")
    assert crawl.result.returncode == 0, crawl.result.stderr[-2000:]
    assert "detected Hugo (Docsy)" in crawl.result.stderr and "profile docsy" in crawl.result.stderr
    # One version; the published shell marks no active "Releases" item, so it is "latest".
    assert len({r["version"] for r in crawl.records}) == 1
    assert crawl.records and all(r["url"].startswith(crawl.base_url + "/41/") for r in crawl.records)
    text = "\n".join(r["text"] for r in crawl.records)
    for chrome in ("DOWNLOAD KAFKA", "Last modified", "Create child page", "Print entire section"):
        assert chrome not in text


@pytest.mark.slow
def test_an_unknown_layout_gets_the_generic_profile_with_a_warning(tmp_path):
    """The demo site (Kafka's legacy layout, no generator signature): generic profile, main
    content found by trafilatura, scope the URL's first folder."""
    out = tmp_path / "generic.jsonl"
    with serve_directory(PROJECT / "crawler" / "demo_site") as base_url:
        result = run_docprompts("crawl", base_url + "/20/documentation/streams/", "--out", str(out),
                                "--workers", "0")
    assert "profile generic" in result.stderr and "warning: no shipped profile" in result.stderr
    assert result.returncode in (0, 1), result.stderr[-2000:]
    records = read_records(out)
    assert records and all(r["url"].startswith(base_url + "/20/") for r in records)


# -- the natural profile a user writes from the README (issue 11, points 1, 3 and 9) -----------------
NATURAL_PROFILE = r"""
name = "operator"
source = "streamlet_operator"
entry = "/docs/getting-started"
[versions]
url_pattern = '^/docs/(?:(?P<slug>\d+\.\d+|next)/)?'
links = ["ul.dropdown__menu a.dropdown__link"]
seeds = ["/docs/{slug}/getting-started"]
[scope]
allow = ['^/docs/']
[[pages]]
name = "doc"
path = '^/docs/(?:(?P<slug>\d+\.\d+|next)/)?[^?#]*$'
content_root = "div.theme-doc-markdown"
strip = ["a.hash-link"]
"""


@pytest.mark.slow
def test_why1_why3_why9_the_natural_profile_crawls_the_unversioned_release(tmp_path):
    path = tmp_path / "operator.toml"
    path.write_text(NATURAL_PROFILE, encoding="utf-8")
    out = tmp_path / "out" / "operator.jsonl"
    out.parent.mkdir()
    with serve_directory(SITES / "docusaurus") as base_url:
        unknown = run_docprompts("crawl", "--profile", str(path), "--base-url", base_url, "--out", str(out),
                                 "--versions", "31.0")
        assert list(out.parent.iterdir()) == []   # checked before anything was written
        result = run_docprompts("crawl", "--profile", str(path), "--base-url", base_url, "--out", str(out),
                                "--versions", "2.0,next", "--workers", "0")
    assert unknown.returncode == 2 and "unknown version(s) 31.0" in unknown.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    crawl = Crawl(result, out, base_url)
    assert crawl.manifest["versions"]["latest"] == "2.0"
    assert len(crawl.pages("2.0")) == 5 and len(crawl.pages("next")) == 5
    assert any(r["url"].endswith("/docs/getting-started") for r in crawl.records if r["version"] == "2.0")


@pytest.mark.slow
def test_a_known_generator_outside_its_profiles_paths_is_read_with_its_layout_as_one_version(tmp_path):
    """A Sphinx site not under /en/<version>/ (here the fixture's en/ folder served as the root):
    detected as Sphinx, crawled as one version with Sphinx's content root and boilerplate list."""
    out = tmp_path / "sphinx-root.jsonl"
    with serve_directory(SITES / "sphinx" / "en") as base_url:
        result = run_docprompts("crawl", base_url + "/2.0/quickstart.html", "--out", str(out), "--workers", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "detected Sphinx" in result.stderr and "read with its layout" in result.stderr
    records = read_records(out)
    assert {r["version"] for r in records} == {"latest"}
    assert {r["url"].split("#")[0].rsplit("/", 1)[1] for r in records} >= {"quickstart.html", "concepts.html"}
    assert all(r["url"].startswith(base_url + "/2.0/") for r in records)
    assert not any("¶" in r["text"] or "View page source" in r["text"] for r in records)
