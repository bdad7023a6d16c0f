"""Site profiles (crawler/site/profiles.py): the shipped TOML files load, and a bad profile is refused
with one line naming the key, both by ``load_profile`` and through ``docprompts crawl --profile``."""
from __future__ import annotations

import copy
import re

import pytest

from crawler.demo import serve_directory
from crawler.site.profiles import ProfileError, SiteProfile, load_profile, profile_from_dict
from crawler.site.sites import SITES_DIR, builtin_profiles, load_site

from ...conftest import PROJECT, run_docprompts

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SHIPPED = sorted(SITES_DIR.glob("*.toml"))

VALID = {
    "name": "my-docs",
    "source": "my_docs",
    "entry": "/",
    "versions": {"url_pattern": r"^/(?P<slug>[^/]+)/", "links": ["nav.versions a"], "aliases": ["latest"]},
    "scope": {"deny": [r"/search/"]},
    "pages": [{"name": "page", "path": r"^/(?P<slug>[^/]+)/(?:.*)$", "content_root": ["main", "article"],
               "strip": ["nav", "footer"], "section_levels": [2, 3]}],
}

VALID_TOML = r"""
name = "my-docs"
source = "my_docs"
entry = "/"

[versions]
url_pattern = '^/(?P<slug>[^/]+)/'
links = ["nav.versions a"]

[[pages]]
name = "page"
path = '^/(?P<slug>[^/]+)/(?:.*)$'
content_root = ["main"]
"""


def refused(data: dict) -> str:
    """The ProfileError message for ``data`` (fails the test if the profile is accepted or the
    validation crashes with another exception)."""
    with pytest.raises(ProfileError) as caught:
        profile_from_dict(data)
    message = str(caught.value)
    assert "\n" not in message, "the error must be one line"
    return message


def changed(**edits) -> dict:
    """VALID with edits: ``versions__links=...`` sets data["versions"]["links"], ``page__strip=...``
    sets data["pages"][0]["strip"]; a value of DROP removes the key."""
    data = copy.deepcopy(VALID)
    for key, value in edits.items():
        table, name = data, key
        if key.startswith("page__"):
            table, name = data["pages"][0], key[len("page__"):]
        elif "__" in key:
            section, name = key.split("__", 1)
            table = data.setdefault(section, {})
        if value is DROP:
            table.pop(name, None)
        else:
            table[name] = value
    return data


DROP = object()


# -- the shipped profiles -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_profile_loads(path):
    profile = load_profile(path)
    assert isinstance(profile, SiteProfile)
    assert profile.name == path.stem
    assert profile.source and profile.entry.startswith("/")
    assert profile.page_kinds and all(kind.path_pattern.groupindex.get("slug") for kind in profile.page_kinds)
    assert load_site(path.stem) == profile


def test_the_shipped_profiles():
    assert set(builtin_profiles()) >= {"kafka", "sphinx", "mkdocs", "docusaurus", "docsy", "docsify", "generic", "vitepress",
                                       "starlight", "mdbook", "antora", "hextra", "hugo-book", "just-the-docs"}


def test_the_shipped_profiles_describe_their_sites():
    sphinx, mkdocs, kafka = load_site("sphinx"), load_site("mkdocs"), load_site("kafka")
    assert [k.name for k, slug in sphinx.kinds_for("/en/2.1/api.html")] == ["page"]
    assert sphinx.page_kind("/en/2.1/api.html")[1] == "2.1"
    for generated in ("/en/2.1/genindex.html", "/en/2.1/search.html", "/en/2.1/py-modindex.html",
                      "/en/2.1/_sources/index.rst.txt"):
        assert not sphinx.in_scope(generated), generated
    assert sphinx.in_scope("/en/2.1/quickstart.html")
    assert "latest" in sphinx.versions.aliases and "latest" in mkdocs.versions.aliases
    assert mkdocs.versions.versions_json == "/versions.json"
    assert mkdocs.page_kind("/1.1/routing/")[1] == "1.1"
    assert not mkdocs.in_scope("/1.1/404.html") and not mkdocs.in_scope("/1.1/sitemap.xml")
    # kafka: two layouts at /<v>/documentation.html, told apart by the page itself
    kinds = kafka.kinds_for("/41/documentation.html")
    assert [(k.name, k.role, slug) for k, slug in kinds] == [("main", "content", "41"),
                                                              ("legacy-redirects", "redirects", "41")]
    assert kafka.page_kind("/41/operations/monitoring/")[0].name == "topic"
    assert kafka.public_base_url == "https://kafka.apache.org"


def test_a_valid_profile_loads_from_dict_and_from_a_file(tmp_path):
    profile = profile_from_dict(copy.deepcopy(VALID))
    assert profile.name == "my-docs" and profile.versions.link_selectors == ("nav.versions a",)
    assert profile.page_kinds[0].section_levels == (2, 3)
    assert profile.page_kind("/1.0/guide/")[1] == "1.0"
    assert not profile.in_scope("/1.0/search/")
    path = tmp_path / "mine.toml"
    path.write_text(VALID_TOML)
    assert load_profile(path).name == "my-docs"
    assert load_site(str(path)).path == str(path)


# -- validation: one line naming the key --------------------------------------------------------------
def test_a_typo_key_is_named(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(VALID_TOML.replace("url_pattern =", "url_patern ="))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "versions.url_patern" in message and str(path) in message and "\n" not in message


@pytest.mark.parametrize("edits, key", [
    ({"sorce": "x"}, "'sorce'"),
    ({"versions__url_patern": "^/(?P<slug>x)/"}, "'versions.url_patern'"),
    ({"page__contnet_root": "main"}, "'pages[0].contnet_root'"),
    ({"scope__alow": ["x"]}, "'scope.alow'"),
], ids=["top", "versions", "pages", "scope"])
def test_unknown_keys_are_named(edits, key):
    assert key in refused(changed(**edits))


MISSING = [
    ({"source": DROP}, "'source'"),
    ({"name": DROP}, "'name'"),
    ({"entry": DROP}, "'entry'"),
    ({"versions": DROP}, "'versions'"),
    ({"versions__url_pattern": DROP}, "'versions.url_pattern'"),
    ({"page__name": DROP}, "'pages[0].name'"),
    ({"page__path": DROP}, "'pages[0].path'"),
    # Content roots are hints (trafilatura's main text reads a page without one), required
    # only by a profile that turns that fallback off.
    ({"page__content_root": DROP, "page__content_fallback": "none"}, "'pages[0].content_root'"),
]


@pytest.mark.parametrize("edits, key", MISSING, ids=[key.strip("'") for _, key in MISSING])
def test_missing_required_keys_are_named(edits, key):
    assert key in refused(changed(**edits))


@pytest.mark.parametrize("pages", [DROP, [], {"name": "page"}], ids=["absent", "empty", "a table"])
def test_missing_pages_is_refused(pages):
    data = changed(pages=pages)
    assert "pages" in refused(data)


def test_missing_pages_in_a_file(tmp_path):
    path = tmp_path / "nopages.toml"
    path.write_text(VALID_TOML.split("[[pages]]")[0])
    with pytest.raises(ProfileError, match=r"pages"):
        load_profile(path)


@pytest.mark.parametrize("edits, key", [
    ({"versions__url_pattern": r"^/(\d+)/"}, "versions.url_pattern"),
    ({"page__path": r"^/(?P<version>\d+)/.*$"}, "pages[0].path"),
], ids=["versions.url_pattern", "pages.path"])
def test_a_regex_without_the_slug_group_is_refused(edits, key):
    message = refused(changed(**edits))
    assert key in message and "slug" in message


@pytest.mark.parametrize("edits, key", [
    ({"versions__url_pattern": r"^/(?P<slug>[^/]+/"}, "versions.url_pattern"),
    ({"page__path": r"^/(?P<slug>\d+)/(?:.*$"}, "pages[0].path"),
    ({"scope": {"deny": ["(unclosed"]}}, "scope.deny"),
    ({"scope": {"allow": ["[a-"]}}, "scope.allow"),
    ({"versions__slug_rewrites": [["(", "x"]]}, "versions.slug_rewrites"),
], ids=["url_pattern", "path", "deny", "allow", "slug_rewrites"])
def test_an_invalid_regex_is_refused(edits, key):
    message = refused(changed(**edits))
    assert key in message and "regular expression" in message


@pytest.mark.parametrize("edits, key", [
    ({"page__strip": ["nav", "div["]}, "pages[0].strip"),
    ({"page__content_root": ["main >> p"]}, "pages[0].content_root"),
    ({"page__requires": "div..x"}, "pages[0].requires"),
    ({"page__content_starts_at": "h2["}, "pages[0].content_starts_at"),
    ({"versions__links": ["a["]}, "versions.links"),
    ({"versions__current": "li.active a[["}, "versions.current"),
], ids=["strip", "content_root", "requires", "content_starts_at", "versions.links", "versions.current"])
def test_an_invalid_css_selector_is_refused_naming_its_key(edits, key):
    message = refused(changed(**edits))
    assert key in message and "selector" in message.lower()


@pytest.mark.parametrize("levels", [[0], [2, 7], [], "2", [2.0], ["h2"], [True]],
                         ids=["zero", "seven", "empty", "string", "float", "name", "bool"])
def test_bad_section_levels_are_refused(levels):
    assert "pages[0].section_levels" in refused(changed(page__section_levels=levels))


def test_an_unknown_role_is_refused():
    message = refused(changed(page__role="redirect"))
    assert "pages[0].role" in message and "redirects" in message


def test_a_redirects_page_needs_no_content_root():
    profile = profile_from_dict(changed(page__role="redirects", page__content_root=DROP))
    assert profile.page_kinds[0].role == "redirects" and profile.page_kinds[0].content_roots == ()


WRONG_TYPES = [
    ({"source": 5}, "'source'"),
    ({"name": "My Docs"}, "'name'"),
    ({"entry": "docs/"}, "'entry'"),
    ({"public_base_url": "docs.example.org"}, "'public_base_url'"),
    ({"versions": "^/(?P<slug>x)/"}, "'versions'"),
    ({"scope": ["x"]}, "'scope'"),
    ({"templates": "x"}, "'templates'"),
    ({"versions__aliases": 3}, "'versions.aliases'"),
    ({"versions__links": [1, 2]}, "'versions.links'"),
    ({"versions__json": "versions.json"}, "'versions.json'"),
    ({"versions__slug_rewrites": ["^0", "0."]}, "'versions.slug_rewrites'"),
    ({"templates": {"context": 3}}, "'templates.context'"),
    ({"page__strip": 5}, "'pages[0].strip'"),
    ({"page__role": 1}, "'pages[0].role'"),
    ({"page__requires": 5}, "'pages[0].requires'"),
    ({"page__content_starts_at": ["h2"]}, "'pages[0].content_starts_at'"),
]


@pytest.mark.parametrize("edits, key", WRONG_TYPES, ids=[key.strip("'") for _, key in WRONG_TYPES])
def test_a_wrong_type_is_refused_naming_its_key(edits, key):
    assert key in refused(changed(**edits))


def test_the_second_page_kind_is_named_by_its_index():
    data = changed()
    data["pages"].append({"name": "other", "path": r"^/(?P<slug>x)/", "content_root": "main",
                          "section_levels": [9]})
    assert "pages[1].section_levels" in refused(data)


def test_invalid_toml_and_a_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\n[versions\n')
    with pytest.raises(ProfileError, match=r"not valid TOML") as caught:
        load_profile(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(ProfileError, match=r"no such file"):
        load_profile(tmp_path / "absent.toml")


# -- through the CLI ----------------------------------------------------------------------------------
def error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("docprompts: error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize("edit, key", [
    (("url_pattern =", "url_patern ="), "versions.url_patern"),
    (('source = "my_docs"\n', ""), "'source'"),
    (('content_root = ["main"]', 'content_root = ["main"]\nsection_levels = [2, 9]'),
     "pages[0].section_levels"),
    (('content_root = ["main"]', 'content_root = ["main"]\nrole = "index"'), "pages[0].role"),
], ids=["typo", "missing-source", "section_levels", "role"])
def test_crawl_with_a_bad_profile_exits_2_with_one_line(tmp_path, edit, key):
    path = tmp_path / "bad.toml"
    path.write_text(VALID_TOML.replace(*edit))
    result = run_docprompts("crawl", "--profile", str(path), "--base-url", "http://127.0.0.1:9",
                            "--out", str(tmp_path / "out.jsonl"), timeout=120)
    assert result.returncode == 2
    assert key in error_line(result)
    assert not (tmp_path / "out.jsonl").exists()


def test_crawl_with_a_bad_css_selector_exits_2_with_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(VALID_TOML.replace('content_root = ["main"]', 'content_root = ["main"]\nstrip = ["nav["]'))
    result = run_docprompts("crawl", "--profile", str(path), "--base-url", "http://127.0.0.1:9",
                            "--out", str(tmp_path / "out.jsonl"), timeout=120)
    assert result.returncode == 2
    assert "pages[0].strip" in error_line(result)


def test_crawl_with_a_plugin_that_cannot_be_imported_exits_2_with_one_line(tmp_path):
    """The plugin is only imported when the crawl starts: it must still be a usage error."""
    path = tmp_path / "plugin.toml"
    path.write_text(VALID_TOML.replace('entry = "/"', 'entry = "/"\nplugin = "no_such_plugin_module"'))
    with serve_directory(PROJECT / "tests" / "sites" / "mkdocs") as base_url:
        result = run_docprompts("crawl", "--profile", str(path), "--base-url", base_url,
                                "--out", str(tmp_path / "out.jsonl"), timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "plugin" in error_line(result)


def test_sites_lists_the_shipped_profiles():
    result = run_docprompts("sites", timeout=120)
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert {"kafka", "sphinx", "mkdocs"} <= set(names)
    kafka = next(line for line in result.stdout.splitlines() if line.startswith("kafka"))
    assert "https://kafka.apache.org" in kafka


@pytest.mark.parametrize("args", [
    ("crawl", "sphinx", "--profile", "PROFILE"),
    ("crawl",),
], ids=["both", "neither"])
def test_crawl_needs_exactly_one_of_site_and_profile(tmp_path, args):
    path = tmp_path / "mine.toml"
    path.write_text(VALID_TOML)
    args = [str(path) if arg == "PROFILE" else arg for arg in args]
    result = run_docprompts(*args, "--base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "o.jsonl"),
                            timeout=120)
    assert result.returncode == 2
    line = error_line(result)
    assert "--profile" in line and all(name in line for name in ("kafka", "sphinx", "mkdocs"))


def test_an_unknown_site_or_profile_file_exits_2(tmp_path):
    result = run_docprompts("crawl", "nosuchsite", "--base-url", "http://127.0.0.1:9",
                            "--out", str(tmp_path / "o.jsonl"), timeout=120)
    assert result.returncode == 2 and "nosuchsite" in error_line(result)
    result = run_docprompts("crawl", "--profile", str(tmp_path / "absent.toml"), "--base-url",
                            "http://127.0.0.1:9", "--out", str(tmp_path / "o.jsonl"), timeout=120)
    assert result.returncode == 2 and "no such file" in error_line(result)


# -- the manual's example (docs/profiles.md) ------------------------------------------------------------------------------
def manual_section(title: str) -> str | None:
    """The body of the docs/profiles.md section whose heading starts with ``title`` (fenced code skipped when
    looking for the next heading of the same or a higher level)."""
    lines = (PROJECT / "docs" / "profiles.md").read_text(encoding="utf-8").splitlines()
    body, level, fenced = None, 0, False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"^(#{1,6})\s+(.*)$", line)
        if body is None:
            if heading and heading.group(2).strip().lower().startswith(title.lower()):
                body, level = [], len(heading.group(1))
            continue
        if heading and len(heading.group(1)) <= level:
            break
        body.append(line)
    return None if body is None else "\n".join(body)


def test_the_manual_example_profile_is_valid():
    section = manual_section("Add your own site")
    assert section is not None, "docs/profiles.md has no 'Add your own site' section"
    block = re.search(r"^\s*```toml[^\n]*\n(.*?)^\s*```", section, re.S | re.M)
    assert block, "the 'Add your own site' section has no ```toml code block"
    profile = profile_from_dict(tomllib.loads(block.group(1)), "docs/profiles.md")
    assert profile.name and profile.page_kinds
