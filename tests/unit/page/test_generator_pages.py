"""Hidden content, code languages, code groups and tabs on pages the real generators built
(tests/sites: VitePress, Starlight, mdBook, Sphinx): crawler.page.clean, extract, widgets."""
from __future__ import annotations

from pathlib import Path

from lxml import html as lxml_html

from crawler.page.clean import drop_hidden, strip_boilerplate, text_of
from crawler.page.extract import blocks_to_markdown, code_language, html_to_blocks
from crawler.site.sites import load_site
from crawler.page.widgets import rewrite_widgets

SITES = Path(__file__).resolve().parents[2] / "sites"


def root_of(path: str, selector: str):
    doc = lxml_html.document_fromstring((SITES / path).read_text(encoding="utf-8"))
    return doc, doc.cssselect(selector)[0]


def test_mdbook_hidden_code_lines_and_help_popup_are_dropped():
    doc, _ = root_of("mdbook/recipes/retries.html", "main")
    body = doc.find("body")
    assert "Keyboard shortcuts" in text_of(body) and "fn handle(" in text_of(body)
    drop_hidden(body)
    text = text_of(body)
    assert "fn handle(" not in text and "# use streamlet" not in text and "use streamlet::" not in text
    assert "async fn process(record: Record" in text and "dead_letters.send(record).await" in text
    # The help popup is aria-hidden / display:none in mdBook's markup or its container; the
    # chapter's own text around it stays.
    assert "A message that fails repeatedly" in text


def test_code_language_from_the_block_its_code_or_its_wrapper():
    _, vitepress = root_of("vitepress/reference/commands.html", "div.vp-doc")
    assert [code_language(pre) for pre in vitepress.iter("pre")] == ["sh", "json", "sh"]
    _, sphinx = root_of("sphinx/en/2.1/quickstart.html", "div[itemprop=articleBody]")
    languages = [code_language(pre) for pre in sphinx.iter("pre")]
    assert languages and all(languages), languages   # Pygments: div.highlight-<lang> two levels out
    _, starlight = root_of("starlight/operate/monitoring/index.html", "main")
    assert [code_language(pre) for pre in starlight.iter("pre")] == ["yaml"]   # Expressive Code data-language
    _, mdbook = root_of("mdbook/recipes/producing.html", "main")
    assert [code_language(pre) for pre in mdbook.iter("pre")] == ["rust"]


def test_vitepress_code_group_is_labelled_blocks_and_its_language_labels_go():
    _, root = root_of("vitepress/guide/installing.html", "div.vp-doc")
    rewrite_widgets(root)
    markdown = blocks_to_markdown(html_to_blocks(root))
    assert "**npm**\n\n```sh\nnpm install --global @streamlet/cli\n```\n\n**pnpm**" in markdown
    assert "\n\nsh\n\n" not in markdown and "\n\nconsole\n\n" not in markdown
    assert "```console\n$ streamlet version\nstreamlet 3.2.0 (protocol 14)\n```" in markdown


def test_expressive_code_lines_stay_lines_and_starlight_tabs_are_labelled():
    _, root = root_of("starlight/start/install/index.html", "main")
    strip_boilerplate(root, load_site("starlight").page_kinds[0].strip)   # "Terminal window", anchors
    rewrite_widgets(root)
    drop_hidden(root)
    markdown = blocks_to_markdown(html_to_blocks(root))
    assert '```toml\n[source]\nurl = "streamlet://broker-1.eu:9440/orders"\n\n[[sink]]\n' in markdown
    assert "**Container**\n\n```sh\ndocker run" in markdown
    assert "**Debian and Ubuntu**\n\n```sh\nsudo apt install streamlet-bridge\n```" in markdown   # was hidden
