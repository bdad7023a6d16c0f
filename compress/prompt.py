"""The compression prompt, in the reference format (``shared/seed-prompt.txt``)."""
from __future__ import annotations

from .tokenizer import ADDITIVE_ENCODINGS

PROMPT_TEMPLATE = (
    "Task: Compress the following text to approximately {target} tokens for use as an AI system prompt.\n"
    "Rules:\n"
    "1. Prioritize key information, concepts, and technical details.\n"
    "2. Remove redundancies and verbose explanations.\n"
    "3. Use concise language and technical terminology.\n"
    "4. Maintain factual accuracy and important specifics.\n"
    "5. Aim for {target} tokens, but do not go below this target.\n"
    "\n"
    "Text to compress:\n"
    "Source: {source}\n"
    "URL: {url}\n"
    "\n"
    "{text}"
)


def prompt_header(target_tokens: int, source: str, url: str) -> str:
    """Everything before the text (it ends with a blank line)."""
    return PROMPT_TEMPLATE.format(target=target_tokens, source=source, url=url, text="")


def render_prompt(text: str, target_tokens: int, source: str, url: str) -> str:
    return prompt_header(target_tokens, source, url) + text


def prompt_tokens(header: str, text: str, text_tokens: int, count) -> int:
    """The prompt's exact token count without encoding the text a second time.

    tiktoken's encodings split text into pieces by a regex before BPE, and BPE never merges
    across pieces. The header ends with "\\n\\n"; no piece of cl100k_base / o200k_base runs from
    a newline into a following non-space character (but o200k_base's punctuation piece runs on
    over newlines and "/"), so when the text starts with a non-space other than "/" the prompt's
    pieces are the header's pieces then the text's, and the counts add up
    (tests/unit/test_prompt_records.py checks this on real records). Any other case is encoded.
    """
    first = text[:1]
    if count.name in ADDITIVE_ENCODINGS and first not in ("", "/") and not first.isspace() and header.endswith("\n\n"):
        return count(header) + text_tokens
    return count(header + text)

