"""Decoding a page whose server may lie about its charset (kept free of Scrapy imports: the page
workers use it, and importing Scrapy there would cost each worker ~25 MB)."""
from __future__ import annotations

import codecs

_SINGLE_BYTE = {"iso8859-1", "cp1252", "latin-1", "ascii", "iso8859-15"}


def decode_html(body: bytes, declared: str) -> tuple[str, str | None]:
    """The page's text, and the encoding actually used when the declared one is wrong.

    Servers mislabel: Latin-1 bytes served as UTF-8 (invalid UTF-8: decode as cp1252) and UTF-8
    served as Latin-1 (bytes that form valid multi-byte UTF-8: decode as UTF-8).
    """
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        name = "utf-8"
    if name == "utf-8":
        try:
            return body.decode("utf-8"), None
        except UnicodeDecodeError:
            return body.decode("cp1252", errors="replace"), "cp1252"
    if name in _SINGLE_BYTE and not body.isascii():
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    return body.decode(name, errors="replace"), None
