"""Markdown blocks -> heading-delimited sections with title, breadcrumb path and anchors."""
from __future__ import annotations

from dataclasses import dataclass, field

from crawler.page.extract import Block, blocks_to_markdown

# A title goes into every chunk's title and path (and its children's paths): a 1 MB heading
# would be copied into every record of the page. The heading's full text stays in the text.
MAX_TITLE_CHARS = 300


def short_title(text: str) -> str:
    return text if len(text) <= MAX_TITLE_CHARS else text[:MAX_TITLE_CHARS - 1].rstrip() + "…"


@dataclass(slots=True)   # a page may hold millions: no __dict__ each
class Section:
    title: str
    level: int                      # heading level; 0 for text before the first heading
    path: list[str]                 # breadcrumb: ancestor titles, then this title
    anchor: str | None              # fragment for the section URL
    anchors: list[str]              # every element id inside the section
    blocks: list[Block] = field(default_factory=list)  # own heading first (when it has one)
    ordinal: int = 0                # position on the page

    @property
    def parent_path(self) -> tuple[str, ...]:
        return tuple(self.path[:-1])

    @property
    def has_body(self) -> bool:
        return any(block.kind != "heading" for block in self.blocks)

    @property
    def markdown(self) -> str:
        return blocks_to_markdown(self.blocks)


def split_sections(blocks: list[Block], section_levels: tuple[int, ...], page_title: str) -> list[Section]:
    """Group blocks into sections at the headings of ``section_levels``.

    Deeper headings stay inside their section as Markdown sub-headings. A page that opens with
    its h1 title keeps it first in every path, even where the text uses h1 for its own parts.
    A heading without an id takes the nearest anchor above it. Heading-only sections (a chapter
    title directly followed by its first sub-section) hand their heading and anchors to the next
    section, so every anchor and every heading's words still land in some section.
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    last_anchor: str | None = None
    page_title = short_title(page_title)
    current = Section(page_title, 0, [page_title] if page_title else [], None, [])
    title_kept = 0   # 1 once the page opens with its h1 title: later h1s (Markdown "#") go below it
    for block in blocks:
        if block.kind == "heading" and block.level in section_levels:
            sections.append(current)
            if not stack and block.level == 1 and not any(s.level for s in sections):
                title_kept = 1
            while len(stack) > title_kept and stack[-1][0] >= block.level:
                stack.pop()
            title = short_title(block.text)
            stack.append((block.level, title))
            anchor = block.ids[0] if block.ids else last_anchor
            current = Section(title, block.level, [title for _, title in stack], anchor, [])
        current.blocks.append(block)
        current.anchors.extend(block.ids)
        if block.ids:
            last_anchor = block.ids[-1]
    sections.append(current)
    sections = [section for section in sections if section.blocks]
    sections = _absorb_heading_only_sections(sections)
    for ordinal, section in enumerate(sections):
        section.ordinal = ordinal
    return sections


def _absorb_heading_only_sections(sections: list[Section]) -> list[Section]:
    kept: list[Section] = []
    carried: list[Section] = []
    for section in sections:
        if not section.has_body:
            carried.append(section)
            continue
        if carried:
            own_heading = section.blocks[0]
            if own_heading.kind == "heading" and not own_heading.ids and carried[-1].level == section.level:
                # An id-less heading right under a same-level titled one (Kafka's "1.1 Introduction"
                # followed by its template's own h3) belongs to it: keep the titled identity.
                section.title, section.path, section.anchor = carried[-1].title, carried[-1].path, carried[-1].anchor
            section.blocks = [block for c in carried for block in c.blocks] + section.blocks
            section.anchors = [anchor for c in carried for anchor in c.anchors] + section.anchors
            carried = []
        kept.append(section)
    if carried:
        if not kept:  # a page of headings only
            kept.append(carried.pop(0))
        for section in carried:
            kept[-1].blocks += section.blocks
            kept[-1].anchors += section.anchors
    return kept
