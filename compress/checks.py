"""Deterministic checks of one completion against its record: no model, the same verdict every time.

A compression must keep the section's facts and invent none. Small models (and big ones, less
often) return nothing, repeat the instructions, stop far below the target, or write commands,
flags, config keys and version numbers that the docs never mention. Each check here is cheap
and explainable, so a flagged row can be looked at and understood:

* ``empty``: no text at all (or only whitespace);
* ``echo``: the completion repeats a line of the instructions, or returns the section's text
  itself uncompressed (nearly as long, and nearly every word 5-gram taken from it);
* ``below_target``: fewer tokens than ``target_tokens`` (the prompt says "do not go below");
* ``over_target``: more than 1.5 x ``target_tokens``, or cut off by ``max_tokens``;
* ``introduced_terms``: technical terms of the completion found nowhere in the section's text
  (see ``technical_terms``): the mark of an invented fact;
* ``kept_terms``: the share of the section's own key terms that the completion keeps (``None``
  when the section has none); a figure, failing only below an explicit ``min_kept_terms``;
* ``failed``: no completion came back (the request failed, or a batch had no result for it);
* ``ok``: none of the above failed.

Terms are compared case-insensitively at word boundaries; numbers are compared as numbers
("1,000" is "1000", and "three" in the text covers "3" in the completion).
"""
from __future__ import annotations

import re

from crawler.site.regex import LinearRegex

from .prompt import PROMPT_TEMPLATE
from .tokenizer import TokenCounter

OVER_TARGET_FACTOR = 1.5
CUT_OFF_REASONS = {"length", "max_tokens"}      # OpenAI's and Anthropic's word for it
ECHO_LENGTH_SHARE, ECHO_SHINGLE_SHARE, SHINGLE_WORDS = 0.9, 0.8, 5
MAX_LISTED_TERMS = 50

# Generic abbreviations a summary may use without the docs spelling them out.
COMMON_ACRONYMS = frozenset({
    "API", "APIS", "URL", "URLS", "HTTP", "HTTPS", "JSON", "XML", "YAML", "CSV", "HTML", "CPU",
    "CPUS", "RAM", "OS", "ID", "IDS", "IO", "UI", "CLI", "SDK", "TCP", "IP", "DNS", "UTF", "AI",
    "FAQ", "TL", "DR", "NB", "OK", "US", "UK", "EU",
})
NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
                "twelve": "12", "once": "1", "twice": "2", "single": "1", "double": "2"}

# Compiled once; RE2 (linear time) like every project regex: completions come from a model.
FENCED_CODE = LinearRegex(r"(?s)```[^\n]*\n(.*?)(?:```|$)")
CODE_SPAN = LinearRegex(r"`([^`\n]+)`")
URL = LinearRegex(r"https?://[^\s)<>\]\"'`]+")
PATTERNS = {
    "flag": LinearRegex(r"(?:^|[\s(\[\"'=,])(--[A-Za-z][\w.-]*)"),
    "dotted": LinearRegex(r"\b([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)\b"),
    "path": LinearRegex(r"(?:^|\s)((?:~|\.{1,2})?/[\w.-]+(?:/[\w.-]+)*)"),
    "snake": LinearRegex(r"\b([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+)\b"),
    "camel": LinearRegex(r"\b([a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*)\b"),
    "acronym": LinearRegex(r"\b([A-Z][A-Z0-9]{1,}s?)\b"),
    "hyphen_name": LinearRegex(r"\b([A-Z][A-Za-z0-9]*-[A-Z0-9][A-Za-z0-9-]*)\b"),
}
NUMBER = LinearRegex(r"(\d+(?:,\d{3})*(?:\.\d+)*)")
LIST_MARKER = LinearRegex(r"(?m)^\s*\d+[.)]\s")
HEADING_LINE = LinearRegex(r"(?m)^#{1,6} .*$")
WORD = LinearRegex(r"[a-z]+")
CODE_PIECE_SPLIT = re.compile(r"[\s=,;()\[\]{}\"'<>|]+")   # a plain str.split would keep quotes
EDGE_PUNCTUATION = ".:;,!?*"


def _instruction_fragments() -> tuple[str, ...]:
    """The fixed wording of the prompt's instructions, lower-cased, each at least 15 characters:
    a completion holding one of them is repeating its instructions."""
    fragments = []
    for line in PROMPT_TEMPLATE.splitlines():
        line = re.sub(r"^\d+\.\s*", "", line)
        for piece in re.split(r"\{[a-z_]+\}", line):
            piece = _collapse(piece).strip(" ,.")
            if len(piece) >= 15:
                fragments.append(piece)
    return tuple(fragments)


def _collapse(text: str) -> str:
    return " ".join(text.lower().split())


INSTRUCTION_FRAGMENTS = _instruction_fragments()


def _code_pieces(code: str) -> list[str]:
    pieces = []
    for piece in CODE_PIECE_SPLIT.split(code):
        piece = piece.strip(EDGE_PUNCTUATION)
        if len(piece) >= 2 and any(ch.isalnum() for ch in piece) and not piece.startswith("$"):
            pieces.append(piece)
    return pieces


def _normal_number(text: str) -> str:
    return text.replace(",", "")


def numbers_in(text: str, skip_headings: bool = False) -> list[str]:
    """Numbers written in ``text``, normalised; list markers ("1. ") are not numbers of the text."""
    text = LIST_MARKER.sub(" ", text)
    if skip_headings:
        text = HEADING_LINE.sub(" ", text)
    return [_normal_number(match.group(1)) for match in NUMBER.finditer(text)]


def technical_terms(text: str, code_only_pieces: bool = False) -> list[str]:
    """Identifiers, commands, file names, paths, flags, config keys and names in ``text``, in
    order of first appearance (distinct, case-insensitively). Everything inside code (spans and
    fenced blocks) counts; in prose only what looks technical. ``code_only_pieces``: from code,
    keep only pieces that look technical too (for the section's own key terms, where a code
    block's ordinary words are not what a summary must keep)."""
    found: list[str] = []
    for match in FENCED_CODE.finditer(text):
        found += _code_pieces(match.group(1))
    prose = FENCED_CODE.sub(" ", text)
    for match in CODE_SPAN.finditer(prose):
        found += _code_pieces(match.group(1))
    found += [match.group(0).rstrip(EDGE_PUNCTUATION) for match in URL.finditer(prose)]
    prose = URL.sub(" ", prose)
    for kind, pattern in PATTERNS.items():
        for match in pattern.finditer(prose):
            term = match.group(1)
            if kind == "acronym" and (term.upper() in COMMON_ACRONYMS
                                      or term.upper().rstrip("S") in COMMON_ACRONYMS):
                continue
            if kind == "dotted" and max(len(part) for part in term.split(".")) < 2:
                continue   # e.g., i.e.
            found.append(term)
    if code_only_pieces:
        found = [term for term in found if not term.isalpha() or not term[1:].islower()]
    seen, terms = set(), []
    for term in found:
        key = term.lower()
        if key not in seen and not _is_number(term):
            seen.add(key)
            terms.append(term)
    return terms


def _is_number(term: str) -> bool:
    return bool(NUMBER.fullmatch(term))


class SourceText:
    """A section's text prepared for term look-ups (lower-cased, its numbers as a set)."""

    def __init__(self, text: str, extra: str = "") -> None:
        self.text = text
        self.lower = (text + "\n" + extra).lower()
        self.numbers = set(numbers_in(text + "\n" + extra))
        self.numbers |= {NUMBER_WORDS[word] for word in (m.group(0) for m in WORD.finditer(self.lower))
                         if word in NUMBER_WORDS}

    def has(self, term: str) -> bool:
        if _is_number(term):
            return _normal_number(term) in self.numbers
        return contains_term(self.lower, term.lower())


def contains_term(haystack_lower: str, term_lower: str) -> bool:
    """``term`` occurs in ``haystack`` not glued to a longer word or name: ``id`` is not in
    ``valid``, ``--entity`` is not in ``--entity-name``, ``log.retention`` is not in
    ``log.retention.hours`` (a joiner ``-._`` counts only when a letter or digit follows it)."""
    start = haystack_lower.find(term_lower)
    while start != -1:
        end = start + len(term_lower)
        if not _glued(haystack_lower, start - 1, -1, term_lower[0]) and \
                not _glued(haystack_lower, end, 1, term_lower[-1]):
            return True
        start = haystack_lower.find(term_lower, start + 1)
    return False


def _glued(text: str, at: int, step: int, edge: str) -> bool:
    """Whether the character at ``at`` (beside a match whose edge character is ``edge``)
    continues the same word: a letter or digit, or a joiner followed by one."""
    if at < 0 or at >= len(text) or not edge.isalnum():
        return False
    char = text[at]
    if char.isalnum() or (char == "_" and step == 1):
        return True
    beyond = at + step
    return char in "-._" and 0 <= beyond < len(text) and text[beyond].isalnum()


def introduced_terms(completion: str, source: SourceText) -> list[str]:
    """Terms and numbers of the completion that the section's text never mentions."""
    candidates = technical_terms(completion) + numbers_in(completion)
    introduced, seen = [], set()
    for term in candidates:
        if term.lower() not in seen and not source.has(term):
            seen.add(term.lower())
            introduced.append(term)
    return introduced


def key_terms(text: str) -> list[str]:
    """The section's own key terms: code identifiers, config keys, flags, paths and numbers
    (heading numbers like "2.3" are the docs' numbering, not facts, and are left out)."""
    numbers = list(dict.fromkeys(numbers_in(text, skip_headings=True)))
    return technical_terms(text, code_only_pieces=True) + numbers


def kept_share(text: str, completion: str) -> float | None:
    terms = key_terms(text)
    if not terms:
        return None
    kept = SourceText(completion)
    return round(sum(kept.has(term) for term in terms) / len(terms), 3)


def _shingles(text: str) -> set[str]:
    words = _collapse(text).split()
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)}
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def is_echo(completion: str, record: dict, completion_tokens: int) -> bool:
    said = _collapse(completion)
    if any(fragment in said for fragment in INSTRUCTION_FRAGMENTS):
        return True
    if completion_tokens < ECHO_LENGTH_SHARE * record["text_tokens"]:
        return False
    mine = _shingles(completion)
    return len(mine & _shingles(record["text"])) >= ECHO_SHINGLE_SHARE * len(mine)


def check_completion(record: dict, completion: str | None, finish_reason: str | None,
                     counter: TokenCounter, min_kept_terms: float = 0.0) -> tuple[int, dict]:
    """(completion_tokens, checks) for one record's completion (``None``: there is none)."""
    if completion is None:
        return 0, {"failed": True, "empty": False, "echo": False, "below_target": False,
                   "over_target": False, "introduced_terms": [], "kept_terms": None, "ok": False}
    tokens = counter(completion)
    target = record["target_tokens"]
    source = SourceText(record["text"], extra=" ".join(record.get("path") or []))
    checks = {
        "failed": False,
        "empty": not completion.strip(),
        "echo": bool(completion.strip()) and is_echo(completion, record, tokens),
        "below_target": tokens < target,
        "over_target": tokens > OVER_TARGET_FACTOR * target or finish_reason in CUT_OFF_REASONS,
        "introduced_terms": introduced_terms(completion, source)[:MAX_LISTED_TERMS],
        "kept_terms": kept_share(record["text"], completion),
    }
    low_kept = checks["kept_terms"] is not None and checks["kept_terms"] < min_kept_terms
    checks["ok"] = not (checks["empty"] or checks["echo"] or checks["below_target"]
                        or checks["over_target"] or checks["introduced_terms"] or low_kept)
    return tokens, checks


FAILING_CHECKS = ("failed", "empty", "echo", "below_target", "over_target", "introduced_terms")


def failed_checks(checks: dict) -> list[str]:
    """Names of the checks that failed, in a fixed order (for counts and failure reasons)."""
    return [name for name in FAILING_CHECKS if checks.get(name)]
