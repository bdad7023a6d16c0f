"""Interactive widgets rewritten into what a reader needs in plain text: tabs and admonitions.

A browser shows one tab at a time under a row of labels; flattened naively, a page becomes a
list of labels followed by unlabelled code blocks ("pip Docker Binary" then three fences). An
admonition's title is a styled word ("caution") or a custom title lost among paragraphs. Both
are rewritten in the cleaned content tree, before Markdown conversion, for every generator:

- tabs as labelled blocks: each panel is preceded by ``**label**`` (Docsy / Bootstrap
  ``ul.nav-tabs`` + ``div.tab-content``, Docusaurus, Starlight and any ARIA ``role="tablist"``
  widget, MkDocs Material's ``tabbed-set``, sphinx-design's ``sd-tab-set``, VitePress's
  ``vp-code-group``);
- a code block's language label (VitePress writes ``<span class="lang">json</span>`` beside
  the ``<pre>``; the language is in the wrapper's ``language-json`` class and goes on the
  fence) is dropped, never a stray paragraph;
- admonitions as ``**Title:** first paragraph`` (Docusaurus ``theme-admonition``, the
  ``admonition-title`` of Sphinx and Python-Markdown / MkDocs, ``<details><summary>``); a
  Bootstrap / Docsy ``div.alert`` (told apart from the text only by its colour) as
  ``**Note:** ...``.

Pure functions over an lxml tree; nothing here knows a site.
"""
from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

from crawler.page.css import TreeCensus, has_element, select

LABEL_CLASS = "docprompts-label"


_PANE_TARGET_ATTRIBUTES = ("aria-controls", "data-bs-target", "data-target", "href")


def rewrite_widgets(root, census: TreeCensus | None = None) -> None:
    """``census``: the tree's; the widgets of classes and attributes it does not have are not
    looked for (the labels added here have none that is looked for)."""
    label_tabs(root, census)          # Bootstrap first: its panes are matched by target id
    rewrite_aria_tabs(root, census)
    rewrite_radio_tabs(root, census)
    rewrite_code_groups(root, census)
    drop_code_language_labels(root, census)
    rewrite_admonitions(root, census)
    mark_alerts(root, census)         # after the admonitions, which are alerts too (Docusaurus)


unfold_widgets = rewrite_widgets   # the name issue 9 gave it


# -- where the widgets are -------------------------------------------------------------------------
# Each query steps to the attribute and back to its element ("@class[...]/.."): only elements
# that have one are tested, where a predicate on every element ("*[@class...]") cost 10-20x
# more over a 30,000-element Kafka page (rewrite_admonitions: 51 ms -> 1.5 ms). A plain
# substring test comes first: most class attributes fail it, and it copies the value once where
# the full test copies it three times (7 ms -> 1.6 ms over 7,000 highlighted code spans).
def _having(attribute: str, test: str, tag: str = "*", containing: str = "") -> etree.XPath:
    """The ``tag`` elements below the context whose ``attribute`` passes ``test`` (on "."); each
    match's value contains ``containing``."""
    first = f"[contains(., '{containing}')]" if containing else ""
    return etree.XPath(f"(descendant::{tag}/@{attribute}{first}[{test}])/..")


def _with_class(query: etree.XPath, containing: str, root, census: TreeCensus | None) -> list:
    """``query(root)``, not run when no class attribute of the tree contains ``containing``."""
    return query(root) if census is None or census.holds(containing) else []


def _class_is(name: str) -> str:
    """``name`` is one of the class attribute's words (CSS ``.name``)."""
    return f"contains(concat(' ', normalize-space(.), ' '), ' {name} ')"


_TAB_LISTS = _having("role", ". = 'tablist'")
_RADIO_TAB_SETS = _having("class", f"{_class_is('tabbed-set')} or {_class_is('sd-tab-set')}", "div", "tab")
_CODE_GROUPS = _having("class", _class_is("vp-code-group"), "div", "vp-code-group")
_CODE_WRAPPERS = etree.XPath("(descendant::*/@class[contains(., 'language-')]"
                             "[starts-with(., 'language-') or contains(., ' language-')])/parent::*[pre]")
_ADMONITION_BOXES = _having("class", f"contains(., 'theme-admonition') or {_class_is('admonition')}", "div",
                            "admonition")
_ADMONITION_TITLES = _having("class", f"{_class_is('admonition-title')} or {_class_is('custom-block-title')}"
                                      f" or {_class_is('starlight-aside__title')}", containing="title")
_SUMMARIES = etree.XPath("descendant::details/summary[1]")


# -- tabs ------------------------------------------------------------------------------------------
def label_tabs(root, census: TreeCensus | None = None) -> None:
    """Docsy / Bootstrap: a ``ul.nav-tabs`` of labels, panes in the following ``div.tab-content``.
    Each pane opens with its label (matched by target id, else by position)."""
    for tab_list in select(root, "ul.nav-tabs, ol.nav-tabs, div.nav-tabs", census):
        labels = select(tab_list, "a.nav-link, button.nav-link") or select(tab_list, "li")
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
            heading = lxml_html.Element("p")
            heading.append(_label_element(text))
            heading.tail = pane.text
            pane.text = None
            pane.insert(0, heading)
        _drop(tab_list)


def rewrite_aria_tabs(root, census: TreeCensus | None = None) -> None:
    """``role="tablist"`` of ``role="tab"`` labels, panels ``role="tabpanel"`` (Docusaurus,
    Docsy/Bootstrap, most component libraries): each panel gets its label, the list goes."""
    if census is not None and not census.has_attribute("role"):
        return
    for tablist in _TAB_LISTS(root):
        labels = [_text(tab) for tab in tablist.xpath(".//*[@role='tab']")]
        panels = _panels_of(tablist)
        if not labels or len(panels) < len(labels):
            continue    # not a tab widget we understand: leave it as it is
        panels = panels[:len(labels)]
        by_id = {tab.get("aria-controls"): _text(tab) for tab in tablist.xpath(".//*[@role='tab']")
                 if tab.get("aria-controls")}
        for label, panel in zip(labels, panels):
            _label_before(panel, by_id.get(panel.get("id") or "", label))
            panel.attrib.pop("hidden", None)
        _drop(tablist)


def rewrite_radio_tabs(root, census: TreeCensus | None = None) -> None:
    """CSS-only tabs: radio inputs with ``<label for>`` and content blocks in the same order
    (MkDocs Material ``div.tabbed-set``, sphinx-design ``div.sd-tab-set``)."""
    for tab_set in _with_class(_RADIO_TAB_SETS, "tab", root, census):
        labels = [label for label in tab_set.xpath("./label | ./div[contains(@class, 'tabbed-labels')]/label")]
        blocks = tab_set.xpath("./div[contains(@class, 'tabbed-content')]/div[contains(@class, 'tabbed-block')]"
                               " | ./div[contains(@class, 'sd-tab-content')]")
        if not labels or len(labels) != len(blocks):
            continue
        for label, block in zip(labels, blocks):
            _label_before(block, _text(label))
        for element in labels + tab_set.xpath("./input | ./div[contains(@class, 'tabbed-labels')]"):
            _drop(element)


def rewrite_code_groups(root, census: TreeCensus | None = None) -> None:
    """VitePress ``div.vp-code-group``: radio inputs and ``<label>``s in ``div.tabs``, one code
    block per label in ``div.blocks`` (shown by CSS, the inactive ones are not ``hidden``)."""
    for group in _with_class(_CODE_GROUPS, "vp-code-group", root, census):
        labels = group.xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' tabs ')]/label")
        blocks = [block for block in group.xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' blocks ')]/*")
                  if isinstance(block.tag, str)]
        if not labels or len(labels) != len(blocks):
            continue
        for label, block in zip(labels, blocks):
            _label_before(block, _text(label))
        for tabs in group.xpath("./div[contains(concat(' ', normalize-space(@class), ' '), ' tabs ')]"):
            _drop(tabs)


def drop_code_language_labels(root, census: TreeCensus | None = None) -> None:
    """A short element beside a ``<pre>`` inside a ``language-xxx`` wrapper whose text is that
    language (VitePress's ``span.lang``): a label the theme paints in the corner."""
    for wrapper in _with_class(_CODE_WRAPPERS, "language-", root, census):
        languages = {name.split("-", 1)[1].lower() for name in wrapper.get("class", "").split()
                     if name.startswith("language-")}
        for child in wrapper:
            if child.tag in ("span", "div") and len(child) == 0 and _text(child).lower() in languages:
                _drop(child)


# -- admonitions -----------------------------------------------------------------------------------
def rewrite_admonitions(root, census: TreeCensus | None = None) -> None:
    # Docusaurus: v3 and late v2 "theme-admonition" (CSS-module classes admonitionHeading_xyz),
    # early v2 "admonition" with an h5 in "admonition-heading" (which must not start a section).
    for box in _with_class(_ADMONITION_BOXES, "admonition", root, census):
        heading = box.xpath("./div[contains(@class, 'admonitionHeading') or contains(@class, 'admonition-heading')]")
        content = box.xpath("./div[contains(@class, 'admonitionContent') or contains(@class, 'admonition-content')]")
        if heading and content:
            _title_into(content[0], _text(heading[0]))
            _drop(heading[0])
    # Sphinx / Python-Markdown "admonition-title", VitePress "custom-block-title", Starlight's
    # "starlight-aside__title" (aria-hidden: its box's aria-label says it to screen readers).
    for title in _with_class(_ADMONITION_TITLES, "title", root, census):
        box = title.getparent()
        if box is not None:
            text = _text(title)
            _drop(title)
            _title_into(box, text)
    for summary in _SUMMARIES(root) if census is None or has_element(root, "details") else ():
        box = summary.getparent()
        text = _text(summary)
        _drop(summary)
        _title_into(box, text)


def mark_alerts(root, census: TreeCensus | None = None) -> None:
    """``div.alert`` -> its text opened by "**Note:**" (its heading, if any, becomes plain text).
    Admonitions already titled above (Docusaurus's are ``alert`` boxes too) are left alone."""
    for alert in select(root, "div.alert", census):
        if "admonition" in alert.get("class", ""):
            continue
        for heading in select(alert, ".alert-heading"):
            heading.tag = "p"   # a title inside the box, not a section of the page
        _title_into(alert, "Note")


def _title_into(box, title: str) -> None:
    """``**Title:**`` at the start of the box's first paragraph (or a paragraph of its own)."""
    title = title.strip().rstrip(":").strip()
    if not title:
        return
    title = title[0].upper() + title[1:]
    strong = _label_element(f"{title}:")
    first = next((child for child in box if isinstance(child.tag, str)), None)
    if (box.text or "").strip() or first is None:   # text right in the box: the title runs into it
        strong.tail = " " + (box.text or "").lstrip()
        box.text = None
        box.insert(0, strong)
        return
    if first.tag == "p":
        strong.tail = " " + (first.text or "").lstrip()
        first.text = None
        first.insert(0, strong)
        return
    paragraph = lxml_html.Element("p")
    paragraph.append(strong)
    paragraph.tail, box.text = box.text, None
    box.insert(0, paragraph)


# -- helpers ---------------------------------------------------------------------------------------
def _label_before(panel, label: str) -> None:
    if not label:
        return
    paragraph = lxml_html.Element("p")
    paragraph.append(_label_element(label))
    panel.addprevious(paragraph)


def _label_element(text: str):
    """``<strong class="docprompts-label">``: the converter writes it as ``**text**`` (a page's
    own bold text stays plain, as before)."""
    strong = lxml_html.Element("strong", {"class": LABEL_CLASS})
    strong.text = text
    return strong


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


def _panels_of(tablist) -> list:
    """The tab panels that belong to a tab list: in its nearest enclosing element that has
    any (up to three levels up), after it, and not nested inside one another (tabs in tabs)."""
    container = tablist.getparent()
    for _ in range(3):
        if container is None:
            return []
        panels = [panel for panel in container.xpath(".//*[@role='tabpanel']") if _follows(panel, tablist)]
        panels = [panel for panel in panels
                  if not any(outer in panels for outer in panel.iterancestors())]
        if panels:
            return panels
        container = container.getparent()
    return []


def _follows(element, anchor) -> bool:
    """Is ``element`` after ``anchor`` in document order (a panel of this tab list, not an
    earlier widget's)?"""
    for following in anchor.itersiblings():
        if following is element or element in following.iterdescendants():
            return True
    parent = anchor.getparent()
    return parent is not None and parent.getparent() is not None and _follows(element, parent)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _drop(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
