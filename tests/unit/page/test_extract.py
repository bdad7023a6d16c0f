"""crawler.page.extract: cleaned HTML -> Markdown blocks."""
from __future__ import annotations

import pytest

from crawler.page.extract import (Block, blocks_to_markdown, collapse_spaces, html_to_blocks, normalise_inline,
                                  own_rows, paragraph_text, table_cell_text)

from ..helpers import body_of


def blocks(fragment: str) -> list[Block]:
    return html_to_blocks(body_of(fragment))


def markdown(fragment: str) -> str:
    return blocks_to_markdown(blocks(fragment))


def test_paragraphs_become_separate_blocks_with_normalised_spaces():
    result = blocks("<p>First   paragraph\n  spans lines.</p><p>Second <b>bold</b> one.</p>")
    assert [(b.kind, b.text) for b in result] == [
        ("paragraph", "First paragraph spans lines."), ("paragraph", "Second bold one.")]
    assert markdown("<p>One.</p><p>Two.</p>") == "One.\n\nTwo."


def test_links_become_their_text_and_images_are_dropped():
    result = blocks('<p>Read <a href="https://example.org/x">the guide</a> now '
                    '<img src="logo.png" alt="LOGO">today.</p>')
    assert [b.text for b in result] == ["Read the guide now today."]


def test_br_becomes_a_newline():
    assert [b.text for b in blocks("<p>line one<br>line two<br/>line three</p>")] == [
        "line one\nline two\nline three"]


def test_unordered_and_nested_lists():
    assert markdown("<ul><li>one</li><li>two<ul><li>two a</li><li>two b</li></ul></li>"
                    "<li>three</li></ul>") == "- one\n- two\n  - two a\n  - two b\n- three"


def test_ordered_list_numbers_from_start():
    assert markdown('<ol><li>first</li><li>second</li></ol><ol start="4"><li>fourth</li></ol>') == (
        "1. first\n2. second\n\n4. fourth")


def test_code_block_keeps_exact_whitespace_in_a_language_fence():
    code = ("public class Main {\n"
            "    public static void main(String[] args) {\n"
            "        if (args.length > 0) {   System.out.println(args[0]);  }\n"
            "\n"
            "\tint x = 1;\n"
            "    }\n"
            "}")
    html = f'<pre class="line-numbers"><code class="language-java">{code}\n</code></pre>'
    result = blocks(html)
    assert len(result) == 1 and result[0].kind == "code"
    assert result[0].text == f"```java\n{code}\n```"


def test_code_block_entities_are_decoded_and_first_line_indent_kept():
    result = blocks("<pre><code>\n    &gt; bin/kafka-topics.sh --list\n</code></pre>")
    assert result[0].text == "```\n    > bin/kafka-topics.sh --list\n```"


def test_code_containing_backtick_fences_gets_a_longer_fence():
    result = blocks("<pre>use ``` to fence</pre>")
    assert result[0].text == "````\nuse ``` to fence\n````"


def test_inline_code_becomes_a_code_span():
    assert [b.text for b in blocks("<p>Set <code>acks=all</code> on the producer.</p>")] == [
        "Set `acks=all` on the producer."]


def test_table_becomes_markdown_with_header_row_and_escaped_pipes():
    result = blocks("<table><tbody><tr><th>Name</th><th>Meaning</th></tr>"
                    "<tr><td>a|b</td><td>pipe <a href='#x'>link</a></td></tr>"
                    "<tr><td>short row</td></tr></tbody></table>")
    assert [b.kind for b in result] == ["table"]
    assert result[0].text.split("\n") == [
        "| Name | Meaning |",
        "| --- | --- |",
        "| a\\|b | pipe link |",
        "| short row |  |",
    ]


def test_headings_keep_level_and_lose_permalink_marks():
    result = blocks('<h2 id="design">3. Design <a href="#design">¶</a></h2><h4>Deep</h4>')
    assert [(b.kind, b.level, b.text, b.ids) for b in result] == [
        ("heading", 2, "3. Design", ["design"]), ("heading", 4, "Deep", [])]
    assert blocks_to_markdown(result) == "## 3. Design\n\n#### Deep"


def test_ids_land_in_blocks_including_inline_anchors_and_wrappers():
    result = blocks('<div id="wrapper"><p>Wrapped text.</p></div>'
                    '<p>Anchor <a id="inline_anchor"></a>inside a paragraph.</p>'
                    '<h3><a id="heading_anchor" href="#heading_anchor">Title</a></h3>'
                    '<p><a name="old_style">Named</a> anchor.</p>')
    assert [(b.text, b.ids) for b in result] == [
        ("Wrapped text.", ["wrapper"]),
        ("Anchor inside a paragraph.", ["inline_anchor"]),
        ("Title", ["heading_anchor"]),
        ("Named anchor.", ["old_style"]),
    ]


def test_trailing_ids_attach_to_the_last_block():
    result = blocks('<p>Only paragraph.</p><a id="end_anchor"></a>')
    assert result[-1].ids == ["end_anchor"]


def test_mojibake_is_repaired_but_curly_quotes_stay():
    result = blocks("<p>KafkaÂ® is fast â€” really. It’s “quoted”.</p>")
    assert [b.text for b in result] == ["Kafka® is fast — really. It’s “quoted”."]


def test_mojibake_in_headings_items_and_cells_is_repaired_and_clean_text_untouched():
    result = blocks("<h3>CafÃ© notes</h3><ul><li>naÃ¯ve</li></ul><table><tr><th>KafkaÂ®</th></tr></table>"
                    "<p>Already fine: café – naïve ½ “ok”.</p>")
    assert [b.text for b in result] == ["Café notes", "- naïve", "| Kafka® |\n| --- |",
                                        "Already fine: café – naïve ½ “ok”."]


def test_scripts_and_styles_are_skipped():
    assert markdown("<p>kept</p><script>var hidden = 1;</script><style>p {}</style>") == "kept"


def test_list_item_with_code_keeps_the_code_block_whole():
    result = blocks("<ul><li>Run:<pre><code class='language-bash'>  a\n  b</code></pre></li></ul>")
    assert [(b.kind, b.text) for b in result] == [("item", "- Run:"), ("code", "```bash\n  a\n  b\n```")]


# -- bugs found while writing these tests ------------------------------------------------------------
def test_heading_ending_in_hash_keeps_it():
    assert [b.text for b in blocks("<h3>Clients in C#</h3>")] == ["Clients in C#"]


def test_br_inside_pre_is_a_line_break():
    assert blocks("<pre>line1<br>line2</pre>")[0].text == "```\nline1\nline2\n```"


def test_anchor_in_an_otherwise_empty_list_item_is_kept():
    result = blocks('<ul><li><a id="lonely"></a></li><li>next item</li></ul>')
    assert "lonely" in [anchor for block in result for anchor in block.ids]


def test_a_paragraph_numbered_like_a_list_keeps_its_number():
    # just-the-docs pages (KSMT's "1. Enable Maven Central repository ...") number steps in
    # plain paragraphs: Markdown would read them as list items and drop the number.
    assert markdown("<p>1. Enable the mirror:</p><p>2) Add the package.</p><p>In 2. place</p>") == \
        "1\\. Enable the mirror:\n\n2\\) Add the package.\n\nIn 2. place"


# -- the fast paths keep the output of the general ones -----------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("  two   words \n\t here ", "two words here"),
    ("no\u00a0break\u200bspace", "no break space"),         # the regex's own spaces, not ASCII
    ("a\x1cb  c", "a\x1cb c"),                              # str.split() would split at \x1c
    ("\u2003em space\u2003", "em space"),                   # not collapsed inside, stripped at the ends
    ("a \u2003 b", "a \u2003 b"),
    (" \t\n ", ""),
])
def test_collapse_spaces_matches_the_space_regex(text, expected):
    assert collapse_spaces(text) == expected


def test_normalise_inline_keeps_br_lines_apart_and_drops_empty_ones():
    assert normalise_inline("one  \x00 \x00 two\tthree \x00") == "one\ntwo three"


def test_paragraph_text_escapes_numbers_only_at_line_starts():
    assert paragraph_text("1. first\x00 2) second\x00in 3. text") == "1\\. first\n2\\) second\nin 3. text"
    assert paragraph_text("\u0661. arabic digit") == "\u0661\\. arabic digit"   # \d is any decimal digit
    assert paragraph_text("   \n ") == ""


def test_ids_below_a_table_or_code_block_keep_document_order_and_an_anchors_id_first():
    result = blocks('<table id="t"><tr id="r"><td><a name="n1" id="i1">x</a></td>'
                    '<td><a id="i2" name="n2">y</a><span id="i1">dup</span></td></tr></table>'
                    '<pre><span id="c1">code</span><a name="c2"></a></pre>')
    assert [(b.kind, b.ids) for b in result] == [("table", ["t", "r", "i1", "n1", "i2", "n2"]),
                                                 ("code", ["c1", "c2"])]


def test_rows_of_a_nested_table_stay_in_its_cell():
    table = body_of("<table><tr><td>outer<table><tr><td>inner</td></tr></table></td></tr>"
                    "<tr><td>second</td></tr></table>")[0]
    assert [row.xpath("string(td[1])")[:5] for row in own_rows(table)] == ["outer", "secon"]
    assert markdown("<table><tr><td>outer<table><tr><td>in|ner</td></tr></table></td></tr></table>") == \
        "| outer \\| in\\\\|ner \\| \\| --- \\| |\n| --- |"


def test_text_only_and_nested_cells_read_alike():
    assert table_cell_text(body_of("<table><tr><td> 1.  a|b \n c </td></tr></table>").find(".//td")) == \
        "1\\. a\\|b c"
    assert table_cell_text(body_of("<table><tr><td> 1.  <b>a|b</b> \n c </td></tr></table>").find(".//td")) == \
        "1\\. a\\|b c"


def test_leaf_elements_end_where_they_stand():
    assert [(b.kind, b.text) for b in blocks("<div>a<p></p>b<span></span>c<p>d</p>e</div>")] == [
        ("paragraph", "a"), ("paragraph", "bc"), ("paragraph", "d"), ("paragraph", "e")]
