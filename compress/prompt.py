"""The compression prompt, in the reference format (``shared/seed-prompt.txt``)."""
from __future__ import annotations

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
    """The prompt's exact token count without encoding the text a second time: the header
    ends in a newline, so a text starting with a non-space other than "/" adds its own count
    (``TokenCounter.adds_up_at``; tests/unit/test_prompt_records.py checks it on real records).
    Any other case is encoded whole."""
    if count.adds_up_at(header, text):
        return header_tokens(header, count) + text_tokens
    return count(header + text)


def header_tokens(header: str, count) -> int:
    """The header's count, cut (``TokenCounter.adds_up_at``) before its last line "URL: ...":
    the lines above it repeat for every record of a (target, source) and are counted once."""
    cut = header.rfind("\n", 0, len(header) - 2) + 1
    if cut and count.adds_up_at(header[:cut], header[cut:]):
        return count(header[:cut]) + count(header[cut:])
    return count(header)

