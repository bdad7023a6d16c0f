"""Profile regular expressions on a linear-time engine (RE2, the ``google-re2`` package).

A profile's patterns run against every URL of a crawl, and a profile may come from anyone: with
Python's backtracking ``re`` a pattern like ``(a+)+$`` freezes the crawl on one long path (and
ignores Ctrl-C, since the match runs inside one C call). RE2 matches in time linear in the
input, whatever the pattern; the patterns it cannot run (backreferences, lookarounds) are
refused when the profile is loaded, with RE2's reason.
"""
from __future__ import annotations

import re

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False     # RE2 would print its own error lines on stderr


class RegexError(ValueError):
    pass


class LinearRegex:
    """A compiled RE2 pattern with the ``re.Pattern`` methods profiles use. Pickled as its text
    and equal by it (profiles go to worker processes and key caches)."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        try:
            self._compiled = re2.compile(pattern, _OPTIONS)
        except re2.error as error:
            reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
            raise RegexError(f"not supported by the linear-time engine (RE2): {reason}") from None

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self._compiled.groupindex)

    @property
    def groups(self) -> int:
        return self._compiled.groups

    def match(self, text: str):
        return self._compiled.match(text)

    def fullmatch(self, text: str):
        return self._compiled.fullmatch(text)

    def search(self, text: str):
        return self._compiled.search(text)

    def sub(self, replacement: str, text: str) -> str:
        return self._compiled.sub(replacement, text)

    def __reduce__(self):
        return LinearRegex, (self.pattern,)

    def __eq__(self, other) -> bool:
        return isinstance(other, LinearRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(("LinearRegex", self.pattern))

    def __repr__(self) -> str:
        return f"LinearRegex({self.pattern!r})"


_GROUP_REFERENCE = re.compile(r"\\(?:(\d+)|g<([^>]*)>)|\\(.)")


def check_replacement(pattern: LinearRegex, replacement: str) -> None:
    """Every group a replacement names exists in its pattern (``'\\9'`` with one group fails
    at load, not on the first matching slug in the middle of a crawl)."""
    for number, name, other in _GROUP_REFERENCE.findall(replacement):
        if number and int(number) > pattern.groups:
            raise RegexError(f"replacement refers to group \\{number}; the pattern has {pattern.groups}")
        if name and not (name.isdigit() and int(name) <= pattern.groups) and name not in pattern.groupindex:
            raise RegexError(f"replacement refers to group <{name}>, which the pattern does not have")
        if other and other not in "\\":
            raise RegexError(f"replacement has an unknown escape \\{other}")
