"""output.coverage: the vectorised word hashes find exactly the words of ``words()``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from output import coverage
from output.coverage import ngrams, recall, word_hashes, words

SOURCES = Path(__file__).resolve().parents[2] / "sites" / "src"
TRICKY = ("Straße naïve ÉCOLE snake_case x2 ½ ٣ 日本語の文 — “quoted” can't \ud800lone e\u0301 "
          "İstanbul ﬁne 𝔘nicode ⅷ tab\there new\nline")


def test_word_hashes_are_one_per_word_and_equal_exactly_for_equal_words():
    texts = [TRICKY] + [path.read_text(encoding="utf-8") for path in sorted(SOURCES.rglob("*.md"))]
    assert len(texts) > 10
    for text in texts:
        found, hashes = words(text), word_hashes(text)
        assert len(found) == len(hashes)
        by_word: dict[str, int] = {}
        for word, value in zip(found, hashes.tolist()):
            assert by_word.setdefault(word, value) == value
        assert len(set(by_word.values())) == len(by_word)   # no two words share a hash


def test_words_lower_cased_by_the_table_hash_as_lower_cased_by_python():
    # Without "İ" or "Σ" (lower-cased with their context) the table lower-cases: Deseret
    # capitals beyond the table's range, Cyrillic and accented capitals within it.
    plain = "ÉCOLE école Москва москва 𐐀𐐨 𐐨𐐨 ǅ ǆ Ⅷ ⅷ ＡＢ ａｂ"
    with_context = "ΟΔΟΣ οδος ΣΟΦΙΑ İi"
    for text in (plain, with_context):
        found, hashes = words(text), word_hashes(text).tolist()
        assert len(found) == len(hashes)
        assert all((one == other) == (hashes[i] == hashes[j]) for i, one in enumerate(found)
                   for j, other in enumerate(found))
    assert word_hashes("ÉCOLE")[0] == word_hashes("école")[0]
    assert word_hashes("𐐀𐐨")[0] == word_hashes("𐐨𐐨")[0]
    assert word_hashes("ΟΔΟΣ")[0] == word_hashes("οδος".replace("ς", "σ")[:-1] + "ς")[0] != word_hashes("οδοσ")[0]


def test_a_text_longer_than_a_slice_and_a_word_longer_than_a_slice(monkeypatch):
    monkeypatch.setattr(coverage, "_SLICE", 64)
    text = " ".join(f"w{n}" for n in range(500)) + " " + "y" * 300 + " tail"
    assert len(word_hashes(text)) == len(words(text)) == 502
    assert word_hashes("a w1 b").tolist()[1] == word_hashes(text).tolist()[1]


def test_recall_is_the_share_of_distinct_five_grams_found():
    reference = " ".join(f"w{n}" for n in range(104))          # 100 distinct 5-grams
    half = " ".join(f"w{n}" for n in range(54))                # the first 50 of them
    assert recall(reference, [half]) == 0.5
    assert recall(reference, [half, reference]) == 1.0
    assert recall(reference, []) == 0.0
    assert recall("", ["x"]) == 1.0
    assert recall("a b", ["a b c"]) == 0.0 and recall("a b", ["A, b!"]) == 1.0   # short texts: whole
    text = (SOURCES / "mkdocs").rglob("*.md").__next__().read_text(encoding="utf-8")
    expected = len(ngrams(text) & ngrams(text[: len(text) // 2])) / len(ngrams(text))
    assert abs(recall(text, [text[: len(text) // 2]]) - expected) < 1e-9



def test_word_hashes_of_nothing():
    assert isinstance(word_hashes(""), np.ndarray) and not len(word_hashes(" , "))
