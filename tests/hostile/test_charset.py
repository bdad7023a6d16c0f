"""Charsets that lie, decoded with beautifulsoup4's detector (crawler/page/charset.py)."""
from __future__ import annotations

import pytest

from crawler.page.charset import decode_html

TEXT = "Straße, résumé and Zürich"


@pytest.mark.parametrize("body, declared, text, repaired", [
    (TEXT.encode("cp1252"), "utf-8", TEXT, True),                        # Latin-1 bytes labelled UTF-8
    (TEXT.encode("utf-8"), "iso-8859-1", TEXT, True),                    # UTF-8 labelled Latin-1
    (TEXT.encode("utf-8"), "utf-8", TEXT, False),
    ("Привет, мир".encode("cp1251"), "windows-1251", "Привет, мир", False),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "iso-8859-1", TEXT, True),  # a BOM outranks the header
    ("<meta charset='shift_jis'>日本語".encode("shift_jis"), "utf-8", "<meta charset='shift_jis'>日本語", True),
])
def test_declared_charsets_that_lie(body, declared, text, repaired):
    decoded, used = decode_html(body, declared)
    assert decoded == text
    assert bool(used) == repaired


def test_utf8_mixed_with_windows_1252_is_detwingled():
    """A UTF-8 page with smart quotes pasted from Windows-1252: each part decoded as what it is."""
    body = "Zürich: ".encode("utf-8") + "“the tide tables” – updated".encode("cp1252")
    decoded, used = decode_html(body, "utf-8")
    assert decoded == "Zürich: “the tide tables” – updated"
    assert used and "\ufffd" not in decoded
