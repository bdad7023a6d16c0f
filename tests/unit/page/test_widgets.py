"""crawler.page.widgets: Docsy tabs (each label before its pane) and alerts ("**Note:** ..."), in the
markup Docsy's ``tabpane`` and ``alert`` shortcodes render (layouts/shortcodes/*.html)."""
from __future__ import annotations

from crawler.page.extract import blocks_to_markdown, html_to_blocks
from crawler.page.widgets import unfold_widgets

from ..helpers import body_of


def markdown(fragment: str) -> str:
    root = body_of(fragment)
    unfold_widgets(root)
    return blocks_to_markdown(html_to_blocks(root))


def test_tabpane_labels_precede_their_panes():
    text = markdown(
        '<ul class="nav nav-tabs" id=tabs-2 role=tablist>'
        '<li class=nav-item><a class="nav-link active" id=tabs-02-00-tab data-toggle=tab href=#tabs-02-00 '
        'role=tab aria-controls=tabs-02-00 aria-selected=true>Java</a></li>'
        '<li class=nav-item><a class=nav-link id=tabs-02-01-tab data-toggle=tab href=#tabs-02-01 role=tab '
        'aria-controls=tabs-02-01 aria-selected=false>Scala</a></li></ul>'
        '<div class=tab-content id=tabs-2-content>'
        '<div class="tab-pane fade show active" id=tabs-02-00 role=tabpanel><pre><code>new KafkaProducer&lt;&gt;(props);</code></pre></div>'
        '<div class="tab-pane fade" id=tabs-02-01 role=tabpanel><pre><code>new KafkaProducer(props)</code></pre></div></div>')
    assert text.index("**Java**") < text.index("KafkaProducer<>") < text.index("**Scala**") < text.index("KafkaProducer(props)\n")


def test_bootstrap_5_buttons_matched_by_target():
    text = markdown(
        '<ul class="nav nav-tabs" role=tablist><li class=nav-item><button class="nav-link" data-bs-target="#b">Second'
        '</button></li><li class=nav-item><button class="nav-link active" data-bs-target="#a">First</button></li></ul>'
        '<div class=tab-content><div class=tab-pane id=a>Alpha text.</div><div class=tab-pane id=b>Beta text.</div></div>')
    assert text == "**First**\n\nAlpha text.\n\n**Second**\n\nBeta text."


def test_alerts_become_notes():
    assert markdown('<div class="alert alert-primary" role=alert>Restart the brokers one at a time.</div>') \
        == "**Note:** Restart the brokers one at a time."
    text = markdown('<div class="alert alert-warning" role=alert><h4 class=alert-heading>Deprecated</h4>'
                    "<p>Use the new protocol.</p></div>")
    assert text.startswith("**Note:** Deprecated") and "#" not in text and "Use the new protocol." in text
