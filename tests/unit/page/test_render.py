"""crawler.page.render: static application of Kafka's client-side Handlebars templates."""
from __future__ import annotations

from lxml.html import tostring

from crawler.page.render import (
    fill_template,
    find_inline_context,
    has_templates,
    parse_template_context,
    render_templates,
    unrendered_placeholders,
)

from ..helpers import parse

PAGE = """<html><head><title>Docs</title>
<script>
// Define variables for doc templates
var context={
    "version": "20",
    "dotVersion": "2.0",
    "raw": "<b>bold</b>"
};
</script></head><body>
<script id="intro-template" type="text/x-handlebars-template">
<p>Release {{version}} (raw: {{{raw}}}) (escaped: {{raw}}) (unknown: [{{nothing}}])</p>
<h3 id="intro_more">More on {{dotVersion}}</h3>
</script>
<div class="p-intro"><span>stale placeholder content</span></div>
<script id="secret-template" type="text/x-handlebars-template"><p>SECRET {{version}}</p></script>
<div class="p-secret"></div>
<p>after the placeholder</p>
</body></html>"""


def rendered_page():
    doc = parse(PAGE)
    context = find_inline_context(doc)
    filled = render_templates(doc, context, ["intro"])
    return doc, filled


def test_render_fills_the_placeholder_and_leaves_no_mustache():
    doc, filled = rendered_page()
    html = tostring(doc, encoding="unicode")
    assert filled == 1
    assert "{{" not in html and "}}" not in html
    placeholder = doc.find_class("p-intro")[0]
    assert "Release 20" in placeholder.text_content()
    assert "More on 2.0" in placeholder.text_content()
    assert "stale placeholder content" not in html
    # Rendered markup becomes real elements (an h3 with its id), not text.
    assert [h.get("id") for h in placeholder.iter("h3")] == ["intro_more"]


def test_triple_mustache_is_raw_and_double_mustache_is_escaped():
    doc, _ = rendered_page()
    paragraph = doc.find_class("p-intro")[0].find("p")
    # {{{raw}}} inserts markup: a real <b> element.
    assert [b.text for b in paragraph.iter("b")] == ["bold"]
    # {{raw}} shows the markup as text, as a browser does.
    assert "(escaped: <b>bold</b>)" in paragraph.text_content()
    assert "(unknown: [])" in paragraph.text_content()


def test_templates_not_in_the_rendered_list_are_not_shown_and_all_scripts_go():
    doc, _ = rendered_page()
    html = tostring(doc, encoding="unicode")
    assert "SECRET" not in html
    assert doc.find_class("p-secret")[0].text_content() == ""
    assert not has_templates(doc)
    assert doc.xpath('//script[@type="text/x-handlebars-template"]') == []
    # The text after a removed script is kept.
    assert "after the placeholder" in doc.text_content()


def test_render_with_no_matching_names_fills_nothing_but_still_removes_scripts():
    doc = parse(PAGE)
    assert has_templates(doc)
    assert render_templates(doc, {"version": "20"}, ["nonexistent"]) == 0
    assert not has_templates(doc)
    assert doc.find_class("p-intro")[0].text_content() == "stale placeholder content"


def test_every_placeholder_of_a_template_is_filled():
    doc = parse('<html><body><script id="n-template" type="text/x-handlebars-template">'
                "v{{version}}</script><div class='p-n'></div><div class='p-n'></div></body></html>")
    assert render_templates(doc, {"version": "39"}, ["n"]) == 2
    assert [div.text_content() for div in doc.find_class("p-n")] == ["v39", "v39"]


def test_a_template_that_brings_in_a_placeholder_has_it_filled_by_a_later_name():
    # Kafka's documentation chapter holds the placeholders of the chapters rendered after it.
    doc = parse('<html><body>'
                '<script id="outer-template" type="text/x-handlebars-template">'
                '<h2>Outer</h2><section><div class="note p-inner"></div></section></script>'
                '<script id="inner-template" type="text/x-handlebars-template">inner {{version}}</script>'
                "<div class='p-outer'></div></body></html>")
    assert render_templates(doc, {"version": "3.8"}, ["outer", "inner"]) == 2
    assert doc.find_class("p-inner")[0].text_content() == "inner 3.8"


def test_a_placeholder_removed_by_a_fill_is_not_filled():
    doc = parse('<html><body>'
                '<script id="outer-template" type="text/x-handlebars-template"><p>new</p></script>'
                '<script id="inner-template" type="text/x-handlebars-template">INNER</script>'
                "<div class='p-outer'><div><span class='p-inner'>old</span></div></div></body></html>")
    assert render_templates(doc, {}, ["outer", "inner"]) == 1
    assert "INNER" not in doc.text_content() and "new" in doc.text_content()


def test_fill_template_escapes_double_and_keeps_triple():
    context = {"x": 'a<b & "c"', "y": "<i>y</i>"}
    assert fill_template("{{x}}|{{{y}}}|{{ x }}", context) == (
        "a&lt;b &amp; &quot;c&quot;|<i>y</i>|a&lt;b &amp; &quot;c&quot;")
    assert fill_template("[{{missing}}][{{{missing}}}]", context) == "[][]"


def test_parse_template_context_reads_kafka_template_data():
    script = ('/* comment */\n// Define variables for doc templates\n'
              'var context={"version": "20", "dotVersion": "2.0", '
              '"fullDotVersion": "2.0.0", "scalaVersion": "2.12"};')
    assert parse_template_context(script) == {
        "version": "20", "dotVersion": "2.0", "fullDotVersion": "2.0.0", "scalaVersion": "2.12"}


def test_parse_template_context_accepts_unquoted_keys_and_single_quotes():
    assert parse_template_context("var  context = { version: '39', \"dotVersion\": '3.9' }") == {
        "version": "39", "dotVersion": "3.9"}


def test_parse_template_context_without_context_is_none():
    assert parse_template_context("var other = {\"version\": \"20\"};") is None


def test_find_inline_context_ignores_template_scripts():
    doc = parse('<html><head><script type="text/x-handlebars-template">var context={"version": "1"};'
                '</script><script type="text/javascript">var context={"version": "21"};</script>'
                "</head><body></body></html>")
    assert find_inline_context(doc) == {"version": "21"}


def test_find_inline_context_absent():
    assert find_inline_context(parse("<html><head><script>var x = 1;</script></head></html>")) is None


def test_unrendered_placeholders_reports_leftover_mustache():
    assert unrendered_placeholders("ok {{version}} and {{ other }} done") == ["{{version}}", "{{ other }}"]
    assert unrendered_placeholders("no templates here { x }") == []
