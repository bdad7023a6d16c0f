"""Decoding a page whose server may lie about its charset, with beautifulsoup4's detector
(``bs4.dammit``: BOM, the declared encodings, ``<meta charset>``, UTF-8 / Windows-1252 fallbacks,
and ``UnicodeDammit.detwingle`` for documents that mix UTF-8 with Windows-1252). Kept free of
Scrapy imports: the page workers use it, and importing Scrapy there costs each worker ~25 MB.
"""
from __future__ import annotations

import codecs
import re

from bs4.dammit import EncodingDetector, UnicodeDammit

# Labels under which servers send UTF-8 by mistake (or Windows-1252 bytes under "utf-8").
_UTF8_OR_SINGLE_BYTE = {"utf-8", "iso8859-1", "cp1252", "latin-1", "ascii", "iso8859-15"}


def _codec(label: str | None) -> str | None:
    try:
        return codecs.lookup(label).name if label else None
    except LookupError:
        return None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_html(body: bytes, declared: str) -> tuple[str, str | None]:
    """The page's text, and the encoding actually used when the declared one is wrong."""
    declared_codec = _codec(declared)
    data, bom_encoding = EncodingDetector.strip_byte_order_mark(body)
    if bom_encoding:   # a byte-order mark outranks any header
        return data.decode(bom_encoding, errors="replace"), _differs(bom_encoding, declared_codec)
    if body.isascii():
        return body.decode("ascii"), None
    if declared_codec in _UTF8_OR_SINGLE_BYTE or declared_codec is None:
        try:   # valid multi-byte UTF-8 is UTF-8, whatever the label says
            return body.decode("utf-8"), _differs("utf-8", declared_codec)
        except UnicodeDecodeError:
            pass
        if _UTF8_SEQUENCE.search(body):
            # UTF-8 with Windows-1252 pasted in (smart quotes, dashes): made UTF-8 throughout.
            try:
                return UnicodeDammit.detwingle(body).decode("utf-8"), "utf-8+windows-1252"
            except UnicodeDecodeError:
                pass
    # The header's charset, then the page's own <meta>, then Windows-1252 (what browsers assume),
    # each tried strictly; never a statistical guess (it reads Latin-1 pages as Urdu).
    meta = EncodingDetector.find_declared_encoding(body, is_html=True)
    order = list(dict.fromkeys(e for e in (declared_codec, _codec(meta), "cp1252") if e))
    dammit = UnicodeDammit(body, known_definite_encodings=order, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode(declared_codec or "utf-8", errors="replace"), None
    return dammit.unicode_markup, _differs(dammit.original_encoding, declared_codec)


def _differs(used: str | None, declared_codec: str | None) -> str | None:
    used_codec = _codec(used)
    if used_codec is None or used_codec == declared_codec:
        return None
    if {used_codec, declared_codec} <= {"utf-8", "ascii"}:
        return None
    return used
