"""The llms.txt export (llmstxt.org): a map of the docs, and the docs themselves, for a model.

For each version, ``<version>/``:

* ``llms.txt``: ``# <site> <version>``, a ``> `` one-line summary, then one ``## `` section per
  chapter of the docs (the first level of each record's heading path, in document order) with a
  ``- [title](url): note`` line for every section page of that chapter. The note is the first
  sentence of the section's completion when the corpus is compressed and the completion passed
  its checks (a flagged one gives no note), else the first sentence of the section's own text;
* ``llms-full.txt``: every section's text in document order;
* ``llms-small.txt`` (compressed corpus only): the completions that passed their checks, each
  under its section's title and URL.

The latest version's files are also written at the top of the folder. A corpus of several
sites is refused: a folder is one site's.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

from output.corpus.exports import ATTRIBUTION    # the credits the dataset card uses
from output.records import version_sort_key

NOTE_CHARS = 200
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
ENTRY_LINE = re.compile(r"^- \[[^\]\n]+\]\([^)\s]+\)(: .+)?$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s")


class LlmsTxtError(ValueError):
    pass


def site_name(site: str) -> str:
    return ATTRIBUTION.get(site, {}).get("name") or f"{site} documentation"


def first_sentence(text: str) -> str:
    """The first sentence of prose: headings, code and list markup skipped, one line, short."""
    prose = []
    in_code = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not stripped or stripped.startswith(("#", "|", ">")):
            if prose:
                break
            continue
        prose.append(stripped.lstrip("-*+ ").strip())
    sentence = SENTENCE_END.split(" ".join(prose), maxsplit=1)[0].strip()
    sentence = sentence.replace("[", "(").replace("]", ")")
    return sentence if len(sentence) <= NOTE_CHARS else sentence[:NOTE_CHARS - 1].rstrip() + "…"


def _passed(record: dict) -> bool:
    return bool(record.get("checks", {}).get("ok")) and bool((record.get("completion") or "").strip())


def _note(records: list[dict], compressed: bool) -> str:
    if compressed:
        passed = [record for record in records if _passed(record)]
        return first_sentence(passed[0]["completion"]) if passed else ""
    return first_sentence(records[0]["text"])


def _chapters(records: list[dict]) -> "OrderedDict[str, OrderedDict[str, list[dict]]]":
    """chapter -> section URL -> its records (chunks), all in document order."""
    chapters: OrderedDict[str, OrderedDict[str, list[dict]]] = OrderedDict()
    for record in records:
        chapter = (record.get("path") or [record["title"]])[0]
        chapters.setdefault(chapter, OrderedDict()).setdefault(record["url"], []).append(record)
    return chapters


def _header(name: str, version: str, summary: str) -> str:
    return f"# {name} {version}\n\n> {summary}\n"


def render_version(records: list[dict], compressed: bool) -> dict[str, str]:
    """The files of one version: name -> text."""
    site, version = records[0]["site"], records[0]["version"]
    name = site_name(site)
    chapters = _chapters(records)
    pages = {record["url"].split("#")[0] for record in records}
    summary = (f"The {name}, version {version}: {len(chapters)} chapters, "
               f"{sum(len(sections) for sections in chapters.values())} sections on {len(pages)} pages.")
    index = [_header(name, version, summary)]
    for chapter, sections in chapters.items():
        index.append(f"\n## {chapter}\n\n")
        for url, chunks in sections.items():
            note = _note(chunks, compressed)
            index.append(f"- [{chunks[0]['title']}]({url})" + (f": {note}" if note else "") + "\n")
    files = {"llms.txt": "".join(index)}
    files["llms-full.txt"] = _header(name, version, summary) + "".join(
        f"\n{record['text'].strip()}\n" for record in records)
    if compressed:
        kept = [record for record in records if _passed(record)]
        files["llms-small.txt"] = _header(
            name, version, f"{summary} Compressed: {len(kept)} of {len(records)} sections "
                           f"(those whose completion passed the checks).") + "".join(
            f"\n## {record['title']}\n\nSource: {record['url']}\n\n{record['completion'].strip()}\n"
            for record in kept)
    return files


def validate_index(text: str, where: str) -> None:
    """The llmstxt.org shape: an H1 first, a blockquote summary, H2 sections of link lines."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise LlmsTxtError(f"{where}: the first line is not an H1 title")
    if not any(line.startswith("> ") for line in lines):
        raise LlmsTxtError(f"{where}: no blockquote summary")
    in_section = False
    for number, line in enumerate(lines, 1):
        if line.startswith("## "):
            in_section = True
        elif in_section and line and not ENTRY_LINE.match(line):
            raise LlmsTxtError(f"{where}:{number}: not a '- [title](url): note' line")


def latest_version(records: list[dict]) -> str:
    marked = [record["version"] for record in records if record.get("is_latest")]
    if marked:
        return marked[0]
    released = [r["version"] for r in records if not r.get("is_prerelease")] or [r["version"] for r in records]
    return max(released, key=version_sort_key)


def write_llms_txt(records: list[dict], folder: Path) -> dict:
    sites = sorted({record["site"] for record in records})
    if len(sites) > 1:
        raise LlmsTxtError(f"the corpus holds {len(sites)} sites ({', '.join(sites)}); "
                           f"export one site's records per folder")
    compressed = any("checks" in record for record in records)
    by_version: dict[str, list[dict]] = {}
    for record in records:
        by_version.setdefault(record["version"], []).append(record)
    latest = latest_version(records)
    written = []
    for version, members in sorted(by_version.items(), key=lambda item: version_sort_key(item[0])):
        directory = UNSAFE_NAME.sub("-", version).strip(".") or "version"
        files = render_version(members, compressed)
        targets = [folder / directory] + ([folder] if version == latest else [])
        for target in targets:
            target.mkdir(exist_ok=True)
            for name, text in files.items():
                (target / name).write_text(text, encoding="utf-8")
                written.append(str((target / name).relative_to(folder)))
        validate_index((folder / directory / "llms.txt").read_text(encoding="utf-8"), f"{directory}/llms.txt")
    return {"files": written, "versions": len(by_version), "latest": latest}
