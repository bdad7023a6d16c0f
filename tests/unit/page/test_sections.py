"""crawler.page.sections: Markdown blocks -> heading-delimited sections."""
from __future__ import annotations

from crawler.page.extract import html_to_blocks
from crawler.page.sections import split_sections

from ..helpers import body_of

PAGE = """
<p>Text before any heading.</p>
<h2 id="gettingStarted">1. Getting Started</h2>
<h3 id="introduction">1.1 Introduction</h3>
<p>Introduction body.</p>
<h4 id="intro_topics">Topics</h4>
<p>Topics body.</p>
<h3>1.2 Use Cases</h3>
<p>Use cases body.</p>
<h2 id="configuration">2. Configuration</h2>
<p>Configuration body.</p>
<h3 id="brokerconfigs">2.1 Broker Configs</h3>
<p>Broker body.</p>
"""


def sections_of(fragment: str, levels=(2, 3), title="Kafka 2.0 Documentation"):
    return split_sections(html_to_blocks(body_of(fragment)), levels, title)


def by_title(sections):
    return {section.title: section for section in sections}


def test_sections_follow_h2_and_h3_with_breadcrumb_paths():
    sections = sections_of(PAGE)
    assert [(s.title, s.level, s.path) for s in sections] == [
        ("Kafka 2.0 Documentation", 0, ["Kafka 2.0 Documentation"]),
        ("1.1 Introduction", 3, ["1. Getting Started", "1.1 Introduction"]),
        ("1.2 Use Cases", 3, ["1. Getting Started", "1.2 Use Cases"]),
        ("2. Configuration", 2, ["2. Configuration"]),
        ("2.1 Broker Configs", 3, ["2. Configuration", "2.1 Broker Configs"]),
    ]
    assert [s.ordinal for s in sections] == [0, 1, 2, 3, 4]
    assert by_title(sections)["2.1 Broker Configs"].parent_path == ("2. Configuration",)


def test_h4_stays_inside_its_section_as_a_sub_heading():
    introduction = by_title(sections_of(PAGE))["1.1 Introduction"]
    assert "\n\n#### Topics\n\nTopics body." in introduction.markdown
    assert "intro_topics" in introduction.anchors
    assert "Topics" not in by_title(sections_of(PAGE))


def test_heading_without_id_takes_the_nearest_anchor_above():
    use_cases = by_title(sections_of(PAGE))["1.2 Use Cases"]
    assert use_cases.anchor == "intro_topics"   # the h4 just above it
    assert use_cases.anchors == []


def test_heading_only_chapter_is_absorbed_into_the_next_section():
    sections = sections_of(PAGE)
    assert "1. Getting Started" not in by_title(sections)
    introduction = by_title(sections)["1.1 Introduction"]
    assert introduction.anchor == "introduction"
    assert introduction.anchors[:2] == ["gettingStarted", "introduction"]
    assert introduction.markdown.startswith("## 1. Getting Started\n\n### 1.1 Introduction\n\n")


def test_idless_same_level_heading_after_titled_one_keeps_the_titled_identity():
    # Kafka's "1.1 Introduction" h3 followed by its template's own id-less h3.
    sections = sections_of('<h3 id="introduction">1.1 Introduction</h3>'
                           "<h3>Introduction</h3><p>Template body.</p>")
    assert len(sections) == 1
    only = sections[0]
    assert (only.title, only.anchor) == ("1.1 Introduction", "introduction")
    assert only.markdown == "### 1.1 Introduction\n\n### Introduction\n\nTemplate body."


def test_trailing_heading_only_section_joins_the_last_section():
    sections = sections_of('<h2 id="a">A</h2><p>Body.</p><h2 id="z">Z</h2>')
    assert [s.title for s in sections] == ["A"]
    assert sections[0].anchors == ["a", "z"]
    assert sections[0].markdown.endswith("## Z")


def test_page_title_section_only_when_text_precedes_the_first_heading():
    sections = sections_of('<h2 id="a">A</h2><p>Body.</p>')
    assert [s.title for s in sections] == ["A"]


def test_h1_sections_on_streams_pages():
    sections = sections_of('<h1 id="top">Streams</h1><p>Intro.</p><h2 id="arch">Architecture</h2>'
                           "<p>Arch body.</p>", levels=(1, 2, 3), title="Streams")
    assert [(s.title, s.path, s.anchor) for s in sections] == [
        ("Streams", ["Streams"], "top"), ("Architecture", ["Streams", "Architecture"], "arch")]


def test_every_word_lands_in_some_section():
    words = " ".join(body_of(PAGE).text_content().split()).split()
    section_words = " ".join(s.markdown for s in sections_of(PAGE)).split()
    assert [w for w in words if w not in section_words] == []
