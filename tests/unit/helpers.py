"""Small helpers shared by the unit tests."""
from __future__ import annotations

from pathlib import Path

from lxml.html import document_fromstring

FIXTURES = Path(__file__).parent / "fixtures"


def parse(html: str):
    """A whole document, parsed as the crawler parses it."""
    return document_fromstring(html)


def body_of(fragment: str):
    """The <body> element of a document holding ``fragment``."""
    return document_fromstring(f"<html><body>{fragment}</body></html>").body
