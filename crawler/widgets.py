"""Interactive page widgets laid out as a reader of the text needs them.

Docsy (and Bootstrap sites in general) show tabs as a row of labels (``ul.nav-tabs``) far from
the panes they switch (``div.tab-content > div.tab-pane``); read in document order, every label
comes first and no pane says which one it is. And an alert box (``div.alert``, Docsy's ``alert``
shortcode) is only told apart from the text around it by its colour. Both are rewritten in the
content tree before extraction: each pane opens with its label, and each alert with "**Note:**".
"""
from __future__ import annotations

from lxml import etree

from .clean import _drop_keeping_tail

_PANE_TARGET_ATTRIBUTES = ("aria-controls", "data-bs-target", "data-target", "href")


def unfold_widgets(root) -> None:
    label_tabs(root)
    mark_alerts(root)


def label_tabs(root) -> None:
    """Move each tab's label to the start of its pane (matched by id, else by position)."""
    for tab_list in root.cssselect("ul.nav-tabs, ol.nav-tabs, div.nav-tabs"):
        labels = tab_list.cssselect("a.nav-link, button.nav-link") or tab_list.cssselect("li")
        content = _following_tab_content(tab_list)
        if content is None:
            continue
        panes = [pane for pane in content if isinstance(pane.tag, str) and "tab-pane" in pane.get("class", "")]
        by_id = {pane.get("id"): pane for pane in panes if pane.get("id")}
        for position, label in enumerate(labels):
            pane = _pane_for(label, by_id)
            if pane is None and position < len(panes):
                pane = panes[position]
            text = " ".join(label.text_content().split())
            if pane is None or not text:
                continue
            heading = etree.Element("p")
            strong = etree.SubElement(heading, "strong")
            strong.text = f"**{text}**"
            heading.tail = pane.text
            pane.text = None
            pane.insert(0, heading)
        _drop_keeping_tail(tab_list)


def mark_alerts(root) -> None:
    """``div.alert`` -> its text opened by "**Note:**" (its heading, if any, becomes plain text)."""
    for alert in root.cssselect("div.alert"):
        for heading in alert.cssselect(".alert-heading"):
            heading.tag = "p"   # a title inside the box, not a section of the page
        marker = "**Note:** "
        first = next((child for child in alert if isinstance(child.tag, str)), None)
        if (alert.text or "").strip() or first is None:
            alert.text = marker + (alert.text or "").lstrip()
        else:
            first.text = marker + (first.text or "").lstrip()


def _following_tab_content(tab_list):
    for sibling in tab_list.itersiblings():
        if isinstance(sibling.tag, str) and "tab-content" in sibling.get("class", "").split():
            return sibling
    return None


def _pane_for(label, by_id: dict):
    for attribute in _PANE_TARGET_ATTRIBUTES:
        value = (label.get(attribute) or "").lstrip("#")
        if value in by_id:
            return by_id[value]
    return None
