"""crawler.site.detect on real published pages (tests/sites/published/): the theme is named
from the generator tag and the theme's shell, and from the shell alone when the tag is absent
(Hextra's pages carry none; Jekyll writes one only with jekyll-seo-tag)."""
from __future__ import annotations

import re

import pytest

from crawler.site.detect import detect_generator

from ...conftest import PROJECT

PUBLISHED = PROJECT / "tests" / "sites" / "published"
PAGES = [
    ("antora/jandex/main/core/indexing.html", "Antora", "antora", True),
    ("hextra/dfir-ogre-documentation/usage/ogre_configuration/index.html", "Hugo (Hextra)", "hextra", False),
    ("hugo-book/a-fully-on-chain-reading-group/docs/readings/bitcoin/index.html", "Hugo (Book)", "hugo-book", True),
    ("just-the-docs/advanced-usage.html", "Jekyll (just-the-docs)", "just-the-docs", True),
]
GENERATOR_TAG = re.compile(r'<meta name="?generator"?[^>]*>')


@pytest.mark.parametrize("page, generator, profile, tagged", PAGES)
def test_the_theme_is_named_with_its_generator(page, generator, profile, tagged):
    html = (PUBLISHED / page).read_text(encoding="utf-8")
    assert bool(GENERATOR_TAG.search(html)) == tagged
    detection = detect_generator(html)
    assert (detection.generator, detection.profile) == (generator, profile)


@pytest.mark.parametrize("page, generator, profile, tagged", [p for p in PAGES if p[1] != "Antora"])
def test_without_the_generator_tag_the_theme_shell_still_names_it(page, generator, profile, tagged):
    detection = detect_generator(GENERATOR_TAG.sub("", (PUBLISHED / page).read_text(encoding="utf-8")))
    assert (detection.generator, detection.profile) == (generator, profile)
    assert detection.evidence.startswith("the theme's ")


def test_a_hugo_or_jekyll_page_of_another_theme_stays_generic():
    for tag in ['<meta name="generator" content="Hugo 0.140.0">', '<meta name="generator" content="Jekyll v4.3.2">']:
        detection = detect_generator(f"<html><head>{tag}</head><body><main id=content><div class=content>"
                                     "<h1>Title</h1><p>Text.</p></div></main></body></html>")
        assert detection.profile == "generic" and detection.generator in ("Hugo", "Jekyll")
