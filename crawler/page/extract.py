"""Cleaned content tree -> Markdown blocks (paragraphs, headings, list items, code, tables).

One linear pass over the tree: headings sit at any depth (inside template placeholders,
wrappers...), so the page becomes a flat list of blocks that ``sections.split_sections`` groups.
Each block remembers the element ids first met inside it, so anchors are never lost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import ftfy
from lxml import etree

HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "img", "svg", "iframe", "object",
                "embed", "video", "audio", "canvas", "map", "input", "select", "textarea"}
BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav",
              "blockquote", "dl", "dt", "dd", "figure", "figcaption", "center", "form",
              "fieldset", "details", "summary", "address", "hr", "body", "html", "caption",
              "tbody", "thead", "tfoot", "tr", "td", "th", "legend", "ul", "ol", "li", "pre",
              "table", *HEADING_TAGS}
_HANDLED_TAGS = SKIPPED_TAGS | BLOCK_TAGS | {"br", "strong", "code"}   # the others are inline
_PERMALINK_SIGNS = ("¶", "🔗")
_LINE_BREAK = "\x00"  # <br> inside inline text, kept apart from source newlines
_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u200b]+")
# A paragraph line that starts like an ordered list item ("1. Enable the repository", as
# authors number steps in plain paragraphs) would become a list in Markdown and lose its
# number: its marker is escaped ("1\. Enable").
_LIST_LOOKALIKE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)", re.M)
# Repair mojibake but keep what the page shows: curly quotes and full-width forms stay.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)


@dataclass(slots=True)   # a page may hold millions: no __dict__ each
class Block:
    kind: str                 # heading | paragraph | item | code | table
    text: str                 # Markdown
    level: int = 0            # heading level
    ids: list[str] = field(default_factory=list)
    joiner: str = "\n\n"      # separator before this block (list items: "\n")


# UTF-8 read as Latin-1/cp1252 leaves a lead byte (Â..ô) followed by a continuation byte's
# character. ftfy is thorough but slow on whole pages: call it only where that pattern shows.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def repair_text(text: str) -> str:
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    return ftfy.fix_text(text, _FTFY)


def html_to_blocks(root) -> list[Block]:
    builder = _BlockBuilder()
    builder.walk_children(root)
    builder.flush()
    builder.attach_leftover_ids()
    return builder.blocks


class _BlockBuilder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.inline: list[str] = []
        self.pending_ids: list[str] = []

    # -- traversal ---------------------------------------------------------------------------
    # Iterative, not recursive: a page may nest elements thousands deep (libxml2 keeps up to
    # 2048 levels with huge_tree), far past Python's recursion limit.
    def walk_children(self, element) -> None:
        text = element.text
        if text:
            self.inline.append(text)
        if len(element):   # most list items and cells are text only
            self._walk(iter(element))

    def walk(self, element) -> None:
        self._walk(iter((element,)), tail=False)

    def _walk(self, children, tail: bool = True) -> None:
        """Walk ``children`` and what they hold; ``tail=False`` drops the text after them."""
        open_elements = []   # (element, how it was entered, its siblings left), outermost first
        while True:
            for child in children:
                entered = self.enter(child)
                if entered:
                    text = child.text
                    if text:
                        self.inline.append(text)
                    if len(child):       # go down: walk its children next
                        open_elements.append((child, entered, children))
                        children = iter(child)
                        break
                    if entered == "block":   # a leaf (most links, many paragraphs) ends at once
                        self.flush()
                text = child.tail
                if text and (tail or open_elements):
                    self.inline.append(text)
            else:                        # no child left: the element being walked ends
                if not open_elements:
                    return
                element, entered, children = open_elements.pop()
                if entered == "block":
                    self.flush()
                text = element.tail
                if text and (tail or open_elements):
                    self.inline.append(text)

    def enter(self, element) -> str | None:
        """Handle one element; "block" or "inline" when its children are to be walked."""
        tag = element.tag
        if not isinstance(tag, str):          # comments, processing instructions
            return None
        self.note_id(element, tag)
        tag = tag.lower()
        if tag not in _HANDLED_TAGS:           # inline: a, span, b, i, em, code with children...
            return "inline"
        if tag in SKIPPED_TAGS:
            return None
        if tag in HEADING_TAGS:
            self.flush()
            self.heading(element, HEADING_TAGS[tag])
        elif tag == "pre":
            self.flush()
            self.code(element)
        elif tag == "table":
            self.flush()
            self.table(element)
        elif tag in ("ul", "ol"):
            self.flush()
            self.list(element, ordered=tag == "ol")
        elif tag == "br":
            self.inline.append(_LINE_BREAK)
        elif tag == "strong" and element.get("class") == "docprompts-label":   # crawler.page.widgets
            self.inline.append(f"**{element.text_content().strip()}**")
        elif tag == "code" and len(element) == 0:
            text = element.text or ""
            self.inline.append(f"`{text}`" if text.strip() else text)
        elif tag in BLOCK_TAGS:
            self.flush()
            return "block"
        else:                                  # inline: a, span, b, i, em, strong, code...
            return "inline"
        return None

    def note_id(self, element, tag: str) -> None:
        value = element.get("id")
        if value:   # few elements have one: no call for the others
            self.keep_id(value)
        if tag == "a":
            self.keep_id(element.get("name"))

    def note_ids_below(self, element) -> None:
        if not len(element):   # a leaf has nothing below
            return
        for value in _ID_ATTRIBUTES_BELOW(element):
            if value.attrname == "name":   # an <a>'s: its id goes first, as note_id keeps them
                self.keep_id(value.getparent().get("id"))
            self.keep_id(str(value))       # a plain string: the XPath's keeps its element alive

    def keep_id(self, value: str | None) -> None:
        if value and value not in self.pending_ids:
            self.pending_ids.append(value)

    # -- block emitters ----------------------------------------------------------------------
    def emit(self, kind: str, text: str, level: int = 0, joiner: str = "\n\n") -> None:
        if not text.strip() and kind != "heading":
            return
        self.blocks.append(Block(kind, repair_text(text), level, self.pending_ids, joiner))
        self.pending_ids = []

    def flush(self) -> None:
        if not self.inline:   # called at every block boundary: most have nothing pending
            return
        inline = "".join(self.inline)
        self.inline = []
        if inline.isspace():   # the source's line breaks between blocks: no paragraph
            return
        text = paragraph_text(inline)
        if text:
            self.emit("paragraph", text)

    def heading(self, element, level: int) -> None:
        self.note_ids_below(element)
        plain = len(element) == 0   # text only (most headings): no builder needed
        title = normalise_inline(element.text or "" if plain else inline_text(element)).replace("\n", " ")
        if title.endswith(_PERMALINK_SIGNS):
            title = re.sub(r"\s*[¶🔗]+$", "", title)   # permalink signs, not "C#"
        title = title.strip()
        if title:
            self.emit("heading", title, level)

    def code(self, element) -> None:
        self.note_ids_below(element)
        for line_break in element.iter("br"):
            line_break.tail = "\n" + (line_break.tail or "")
        for line in _CODE_LINES(element):   # Expressive Code: a <div> per line
            if not line.text_content().endswith("\n"):
                line.tail = "\n" + (line.tail or "")
        body = element.text_content().replace("\r\n", "\n").strip("\n").rstrip()
        if not body.strip():
            return
        language = code_language(element)
        fence = "`" * max(3, longest_backtick_run(body) + 1)
        self.emit("code", f"{fence}{language}\n{body}\n{fence}")

    def table(self, element) -> None:
        rows = []
        for row in own_rows(element):
            rows.append([table_cell_text(cell) for cell in row.iterchildren("td", "th")])
        self.note_ids_below(element)
        rows = [row for row in rows if any(row)]
        for caption in element.iter("caption"):
            self.emit("paragraph", normalise_inline(inline_text(caption)))
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        self.emit("table", "\n".join(lines))

    def list(self, element, ordered: bool) -> None:
        number = list_start(element.get("start")) if ordered else 0
        first_item = True
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag != "li":
                self.walk(child)
                self.flush()
                continue
            marker = f"{number}. " if ordered else "- "
            number += 1
            self.list_item(child, marker, joiner="\n\n" if first_item else "\n")
            first_item = False

    def list_item(self, item, marker: str, joiner: str) -> None:
        self.note_id(item, item.tag)
        inner = _BlockBuilder()
        inner.walk_children(item)
        inner.flush()
        inner.attach_leftover_ids()
        indent = " " * len(marker)
        lines: list[str] = []
        ids: list[str] = list(self.pending_ids) + inner.pending_ids  # ids of an item with no text
        self.pending_ids = []
        started = False
        for block in inner.blocks:
            if block.kind in ("code", "table"):
                # Code and tables stay whole, unindented blocks: their whitespace is content.
                if lines:
                    self.blocks.append(Block("item", "\n".join(lines), 0, ids, joiner))
                    lines, ids, joiner = [], [], "\n\n"
                self.blocks.append(Block(block.kind, block.text, 0, block.ids))
                continue
            ids += block.ids
            text = block.text if block.kind != "heading" else f"**{block.text}**"
            prefix = marker if not started else indent
            started = True
            for index, line in enumerate(text.split("\n")):
                lines.append((prefix if index == 0 else indent) + line if line else "")
        if not lines and not started and ids:
            self.pending_ids = ids
            return
        if lines:
            self.blocks.append(Block("item", "\n".join(lines), 0, ids, joiner))

    def attach_leftover_ids(self) -> None:
        if self.pending_ids and self.blocks:
            self.blocks[-1].ids.extend(self.pending_ids)
            self.pending_ids = []


# -- small helpers --------------------------------------------------------------------------
def list_start(value: str | None) -> int:
    """An ``<ol start>`` as a browser reads it: a plain integer, else 1 (``start="i"``, a
    5000-digit number and other junk must not fail the page)."""
    value = (value or "").strip()
    return int(value) if re.fullmatch(r"[+-]?\d{1,9}", value) else 1


def normalise_inline(text: str) -> str:
    if _LINE_BREAK not in text:   # one line (all but a few texts)
        return collapse_spaces(text)
    lines = (collapse_spaces(line) for line in text.split(_LINE_BREAK))
    return "\n".join(line for line in lines if line)


def collapse_spaces(line: str) -> str:
    """Each run of spaces as one space, none at the ends."""
    # In ASCII text str.split() splits at _SPACES' characters and at the separators \x1c-\x1f
    # only: without those it does the same, 3x faster than the regex.
    if line.isascii() and "\x1c" not in line and "\x1d" not in line and "\x1e" not in line \
            and "\x1f" not in line:
        return " ".join(line.split())
    return _SPACES.sub(" ", line).strip()


def paragraph_text(inline: str) -> str:
    """Inline text as a paragraph's Markdown: spaces normalised, list look-alikes escaped."""
    text = normalise_inline(inline)
    if text[:1].isdecimal() or "\n" in text:   # else no line can start with a number: skip the scan
        text = _LIST_LOOKALIKE.sub(r"\1\\\2", text)
    return text


def inline_text(element) -> str:
    """Text of an element as inline Markdown (code spans kept, images and scripts dropped)."""
    builder = _BlockBuilder()
    builder.walk_children(element)
    pieces = list(builder.inline)
    for block in builder.blocks:  # block children inside a cell/heading: keep their text
        pieces.append(" " + block.text.replace("\n", " ") + " ")
    return "".join(pieces)


def table_cell_text(cell) -> str:
    if len(cell) == 0:   # text only (most cells): its one paragraph, without a builder
        text = repair_text(paragraph_text(cell.text or "")).replace("\n", " ")
    else:
        builder = _BlockBuilder()
        builder.walk_children(cell)
        builder.flush()
        text = " ".join(block.text.replace("\n", " ") for block in builder.blocks)
    return repair_text(text).replace("|", "\\|")


_CODE_LINES = etree.XPath("div | code/div")
# The ids (and <a> names) below an element, in document order (an element's attributes in
# their order): the XPath visits the elements in C, with no Python element built for each.
_ID_ATTRIBUTES_BELOW = etree.XPath("descendant::*/@id | descendant::a/@name")


def own_rows(table):
    """The table's rows, not those of tables nested in its cells."""
    rows = table.iter("tr")
    if next(table.iterdescendants("table"), None) is None:   # most tables: no lookup per row
        return rows
    return (row for row in rows if nearest_table(row) is table)


def nearest_table(element):
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


# Class prefixes that name a code block's language: Prism, highlight.js, Shiki (VitePress's
# wrapper), MkDocs' ``language-``; Google Prettify's ``lang-``; Sphinx's wrapper ``highlight-``.
_LANGUAGE_PREFIXES = ("language-", "lang-", "highlight-")
# Names that say "no language": Sphinx's ``highlight-default`` / ``highlight-none``, ...
_NO_LANGUAGE = {"", "none", "default", "nohighlight", "plain", "plaintext", "text", "notranslate"}
_LANGUAGE_NAME = re.compile(r"^[A-Za-z0-9_+#.-]{1,30}$")


def code_language(element) -> str:
    """The language a site gives a ``<pre>``: a ``language-``/``lang-``/``highlight-`` class
    on the block, its ``<code>`` or a wrapper up to three levels out (Pygments in Sphinx:
    ``div.highlight-python > div.highlight > pre``), or Expressive Code's ``data-language``."""
    wrappers = [parent for _, parent in zip(range(3), element.iterancestors())]
    for node in (element, *element.iter("code"), *wrappers):
        # "lang-" only on the block itself: a page wrapper's "lang-en" names no code language.
        prefixes = _LANGUAGE_PREFIXES if node.tag in ("pre", "code") else ("language-", "highlight-")
        for name in (node.get("class") or "").split():
            for prefix in prefixes:
                language = name[len(prefix):]
                if name.startswith(prefix) and language.lower() not in _NO_LANGUAGE \
                        and _LANGUAGE_NAME.match(language):
                    return language
        language = (node.get("data-language") or "").strip()
        if language.lower() not in _NO_LANGUAGE and _LANGUAGE_NAME.match(language):
            return language
    return ""


def longest_backtick_run(text: str) -> int:
    if "`" not in text:   # most code: no scan
        return 0
    return max(len(run) for run in re.findall(r"`+", text))


def blocks_to_markdown(blocks: list[Block]) -> str:
    parts = []
    for index, block in enumerate(blocks):
        text = "#" * block.level + " " + block.text if block.kind == "heading" else block.text
        parts.append(text if index == 0 else block.joiner + text)
    return "".join(parts)
