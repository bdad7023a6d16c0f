"""Fixtures shared by the unit tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def count():
    """The exact, offline token counter the pipeline uses."""
    from compress.tokenizer import TokenCounter

    return TokenCounter("cl100k_base")
