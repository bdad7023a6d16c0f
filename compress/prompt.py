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


def render_prompt(text: str, target_tokens: int, source: str, url: str) -> str:
    return PROMPT_TEMPLATE.format(target=target_tokens, source=source, url=url, text=text)
