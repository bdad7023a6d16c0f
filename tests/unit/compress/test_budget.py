"""compress.budget: sections -> chunks that fit the token budget."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from compress.budget import MIN_RATIO_TARGET, Budget, BudgetError, chunk_page
from crawler.page.extract import Block, html_to_blocks
from crawler.page.sections import Section, split_sections

from ..helpers import body_of

FENCE = re.compile(r"^`{3,}")


def sections_of(fragment: str):
    return split_sections(html_to_blocks(body_of(fragment)), (2, 3), "Page")


def section(title: str, path: list[str], body: str, anchor: str) -> Section:
    """A hand-made section: its heading, then one paragraph."""
    level = len(path) + 1
    blocks = [Block("heading", title, level, [anchor]), Block("paragraph", body)]
    return Section(title, level, path, anchor, [anchor], blocks)


def prose(sentences: int, topic: str = "broker") -> list[str]:
    return [f"Sentence {i} says the {topic} keeps partition {i} on local disk for later reads."
            for i in range(sentences)]


def code_lines(count: int) -> list[str]:
    # Varied indentation (never none): every line's leading whitespace is content.
    return [" " * (4 + 4 * (i % 3)) + f'props.put("setting.{i}", computeDefault({i}, "value-{i}"));'
            for i in range(count)]


def check_chunk_invariants(chunks, budget: Budget, count) -> None:
    for chunk in chunks:
        assert chunk.text_tokens <= budget.max_input_tokens
        assert chunk.text_tokens == count(chunk.text)
    by_lead: dict[int, list] = {}
    for chunk in chunks:
        by_lead.setdefault(id(chunk.lead), []).append(chunk)
    for siblings in by_lead.values():
        assert [c.chunk_index for c in siblings] == list(range(len(siblings)))
        assert {c.chunk_count for c in siblings} == {len(siblings)}


# -- Budget -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"target_tokens": 100, "max_input_tokens": 100},
    {"target_tokens": 200, "max_input_tokens": 100},
    {"target_tokens": 0, "max_input_tokens": 800},
    {"target_tokens": 10, "max_input_tokens": 20},
    {"ratio": 0.0}, {"ratio": 1.0}, {"ratio": -0.2}, {"ratio": 1.5},
])
def test_invalid_budgets_raise_budget_error(kwargs):
    with pytest.raises(BudgetError):
        Budget(**kwargs)


def test_budget_error_is_a_value_error():
    assert issubclass(BudgetError, ValueError)


def test_fixed_target_stays_below_the_text_length():
    budget = Budget(target_tokens=100, max_input_tokens=800)
    assert budget.target_for(500) == 100
    assert budget.target_for(60) == 59
    assert budget.merge_below == 150


@pytest.mark.parametrize("tokens, expected", [(1000, 100), (500, 50), (100, MIN_RATIO_TARGET),
                                              (12, 11), (2, 1)])
def test_ratio_target_is_clamped_and_below_the_text_length(tokens, expected):
    budget = Budget(ratio=0.1, max_input_tokens=800)
    assert budget.target_for(tokens) == expected
    assert budget.target_for(tokens) < tokens
    assert budget.merge_below == 2 * MIN_RATIO_TARGET


def test_min_section_tokens_overrides_merge_below():
    assert Budget(min_section_tokens=7).merge_below == 7


# -- splitting ----------------------------------------------------------------------------------
def test_long_prose_splits_into_exactly_counted_chunks(count):
    sentences = prose(200)
    page = sections_of(f'<h2 id="big">Big</h2><p>{" ".join(sentences)}</p>')
    budget = Budget(target_tokens=100, max_input_tokens=800)
    assert count(page[0].markdown) > 2500
    chunks = chunk_page(page, budget, count)
    assert len(chunks) >= 4
    check_chunk_invariants(chunks, budget, count)
    assert [(c.chunk_index, c.chunk_count) for c in chunks] == [(i, len(chunks)) for i in range(len(chunks))]
    assert all(c.lead.title == "Big" for c in chunks)
    joined = "\n".join(c.text for c in chunks)
    assert [s for s in sentences if s not in joined] == []
    assert chunks[0].anchors == ["big"]


def test_oversized_code_block_splits_at_lines_into_complete_fences(count):
    lines = code_lines(100)
    code = "\n".join(lines)
    page = sections_of(f'<h2 id="code">Code</h2><p>Example follows.</p>'
                       f'<pre><code class="language-java">{code}</code></pre>')
    budget = Budget(target_tokens=100, max_input_tokens=800)
    assert count(code) > 1400
    chunks = chunk_page(page, budget, count)
    assert len(chunks) >= 2
    check_chunk_invariants(chunks, budget, count)
    for chunk in chunks:
        fences = [line for line in chunk.text.split("\n") if FENCE.match(line)]
        assert len(fences) % 2 == 0 and fences
        assert fences[0] == "```java"
        assert chunk.text.endswith("\n```")
    out_lines = [line for c in chunks for line in c.text.split("\n") if "props.put" in line]
    # Every line whole, in order, none lost or cut .
    assert [line.strip() for line in out_lines] == [line.strip() for line in lines]


def test_split_code_keeps_the_indentation_of_every_line(count):
    lines = code_lines(100)
    page = sections_of(f'<h2 id="code">Code</h2><pre><code class="language-java">'
                       f'{chr(10).join(lines)}</code></pre>')
    chunks = chunk_page(page, Budget(target_tokens=100, max_input_tokens=800), count)
    out_lines = [line for c in chunks for line in c.text.split("\n") if "props.put" in line]
    assert out_lines == lines


def test_oversized_table_splits_between_rows_and_repeats_the_header(count):
    rows = [f"<tr><td>setting.{i}</td><td>How many records the broker keeps for topic {i}.</td></tr>"
            for i in range(80)]
    page = sections_of('<h2 id="tbl">Table</h2><table><tr><th>Name</th><th>Description</th></tr>'
                       + "".join(rows) + "</table>")
    budget = Budget(target_tokens=100, max_input_tokens=300)
    chunks = chunk_page(page, budget, count)
    assert len(chunks) >= 3
    check_chunk_invariants(chunks, budget, count)
    out_rows = []
    for chunk in chunks:
        table = chunk.text[chunk.text.index("| Name"):].split("\n")
        assert table[:2] == ["| Name | Description |", "| --- | --- |"]
        out_rows += table[2:]
    assert out_rows == [f"| setting.{i} | How many records the broker keeps for topic {i}. |"
                        for i in range(80)]


def test_anchors_go_to_the_chunk_holding_their_heading(count):
    parts = "".join(f'<h4 id="part{i}">Part {i}</h4><p>{" ".join(prose(12, f"part{i}"))}</p>'
                    for i in range(8))
    page = sections_of(f'<h2 id="top">Top</h2>{parts}')
    chunks = chunk_page(page, Budget(target_tokens=100, max_input_tokens=400), count)
    assert len(chunks) > 1
    for chunk in chunks:
        for anchor in chunk.anchors:
            if anchor.startswith("part"):
                assert f"#### Part {anchor[4:]}\n" in chunk.text
    assert sorted(a for c in chunks for a in c.anchors) == sorted(["top"] + [f"part{i}" for i in range(8)])


# -- merging ------------------------------------------------------------------------------------
def test_tiny_section_merges_with_its_parent_and_no_runt_remains(count):
    long_body = " ".join(prose(25))
    page = sections_of(
        f'<h2 id="config">2. Configuration</h2><p>{long_body}</p>'
        '<h3 id="tiny">2.1 Tiny</h3><p>Only a few words live in this small section here.</p>'
        f'<h3 id="other">2.2 Other</h3><p>{long_body}</p>'
        f'<h2 id="design">3. Design</h2><p>{long_body}</p>'
        '<h3 id="tiny2">3.1 Also tiny</h3><p>Another very short section body.</p>')
    budget = Budget(target_tokens=100, max_input_tokens=800)
    assert count(page[1].markdown) < 30
    chunks = chunk_page(page, budget, count)
    check_chunk_invariants(chunks, budget, count)
    assert all(c.text_tokens >= budget.merge_below for c in chunks)
    lead_of = {anchor: c.lead.title for c in chunks for anchor in c.anchors}
    assert lead_of["tiny"] == "2. Configuration"
    assert lead_of["tiny2"] == "3. Design"
    assert lead_of["other"] == "2.2 Other"


def test_tiny_section_prefers_the_neighbour_under_the_same_parent(count):
    body = " ".join(prose(20))
    sections = [section("1.1 A", ["1. One", "1.1 A"], body, "a"),
                section("2.1 B", ["2. Two", "2.1 B"], "Tiny body text.", "b"),
                section("2.2 C", ["2. Two", "2.2 C"], body, "c")]
    chunks = chunk_page(sections, Budget(target_tokens=100, max_input_tokens=800), count)
    assert [(c.lead.title, c.anchors) for c in chunks] == [("1.1 A", ["a"]), ("2.1 B", ["b", "c"])]
    assert chunks[1].text.startswith("### 2.1 B\n\nTiny body text.\n\n### 2.2 C")


def test_sections_too_big_to_merge_stay_apart(count):
    body = " ".join(prose(40))
    sections = [section("A", ["A"], body, "a"), section("B", ["B"], "Tiny.", "b"),
                section("C", ["C"], body, "c")]
    budget = Budget(target_tokens=100, max_input_tokens=500)
    assert count(sections[0].markdown) > 450
    chunks = chunk_page(sections, budget, count)
    check_chunk_invariants(chunks, budget, count)
    assert "## B\n\nTiny." in "\n".join(c.text for c in chunks)


def test_no_word_of_a_mixed_page_is_lost(count):
    html = (f'<h2 id="a">Alpha</h2><p>{" ".join(prose(120, "alpha"))}</p>'
            "<ul><li>list item one</li><li>list item two<ul><li>nested item</li></ul></li></ul>"
            f'<pre><code class="language-bash">{chr(10).join(code_lines(60))}</code></pre>'
            '<h3 id="b">Beta</h3><p>Tiny beta text.</p>'
            '<h3 id="c">Gamma</h3><table><tr><th>K</th><th>V</th></tr>'
            + "".join(f"<tr><td>key{i}</td><td>value number {i}</td></tr>" for i in range(90))
            + "</table>")
    page = sections_of(html)
    budget = Budget(target_tokens=100, max_input_tokens=400)
    chunks = chunk_page(page, budget, count)
    check_chunk_invariants(chunks, budget, count)

    def words(text: str) -> Counter:
        return Counter(w for w in text.split() if not FENCE.match(w) and w not in ("|", "---"))

    wanted = words("\n\n".join(s.markdown for s in page))
    got = words("\n\n".join(c.text for c in chunks))
    assert wanted - got == Counter()
    assert sorted(a for c in chunks for a in c.anchors) == ["a", "b", "c"]


# -- merging small sections -----------------------------------------------------------------------
def merged_one_at_a_time(sections, budget: Budget, tokens):
    """The rule of merge_small_sections, stated plainly: a group below merge_below joins its
    previous group or the next section, whichever fits and is related (previous first), else
    whichever fits (previous first); after each join it is looked at again."""
    groups = [([section], size) for section, size in zip(sections, tokens)]
    done: list = []
    while groups:
        group, size = groups.pop(0)
        while size < budget.merge_below:
            fits = [(name, other) for name, other in (("previous", done[-1] if done else None),
                                                      ("next", groups[0] if groups else None))
                    if other is not None and size + other[1] + 1 <= budget.max_input_tokens]
            related = [name for name, other in fits
                       if (_related_plainly(other[0][-1], group[0]) if name == "previous"
                           else _related_plainly(group[-1], other[0][0]))]
            choice = (related or [name for name, _ in fits] or [None])[0]
            if choice == "previous":
                before, before_size = done.pop()
                group, size = before + group, before_size + size + 1
            elif choice == "next":
                after, after_size = groups.pop(0)
                group, size = group + after, size + after_size + 1
            else:
                break
        done.append((group, size))
    return [group for group, _ in done]


def _related_plainly(before: Section, after: Section) -> bool:
    return tuple(before.path[:-1]) == tuple(after.path[:-1]) or tuple(after.path[:len(before.path)]) == tuple(before.path)


@pytest.mark.parametrize("seed", range(6))
def test_small_sections_merge_as_the_rule_says(seed):
    import random

    from compress.budget import merge_small_sections

    rng = random.Random(seed)
    budget = Budget(target_tokens=20, max_input_tokens=100)   # merge_below 30
    sections, path = [], ["Page"]
    for number in range(400):
        depth = rng.choice([1, 1, 2, 2, 3])
        path = (path + ["x"] * 3)[:depth] + [f"s{number}"]
        sections.append(section(f"s{number}", path, "text", f"a{number}"))
    tokens = [rng.choice([1, 3, 8, 15, 29, 30, 45, 70, 99, 100, 250]) for _ in sections]
    assert merge_small_sections(sections, budget, tokens) == merged_one_at_a_time(sections, budget, tokens)
