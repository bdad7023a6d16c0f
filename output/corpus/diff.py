"""What changed in the docs between two versions, section by section.

A section is the run of records (chunks) of one heading; its chunks are joined in
``chunk_index`` order before comparing, so a section re-chunked differently still compares as
one text. Sections are matched across versions by site, page (the URL path without the version
slug: ``/20/documentation.html`` and ``/21/documentation.html`` are the same page), URL fragment
(the section's anchor) and breadcrumb ``path``. A section whose heading was renamed but kept
its page and anchor still matches, by page and anchor alone, when that pairing is one-to-one.
Texts are compared after whitespace/NFKC normalisation; identical ones are only counted.
"""
from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from urllib.parse import urlsplit

from output.corpus.dedup import normalise_text
from output.records import version_sort_key

DIFF_CONTEXT = 2
MAX_DIFF_LINES = 40


def page_of(record: dict) -> str:
    """URL path with the leading version slug removed: the page's identity across versions."""
    path = urlsplit(record["url"]).path
    prefix = f"/{record['version_slug']}/"
    return "/" + path[len(prefix):] if record["version_slug"] and path.startswith(prefix) else path


def sections_of(records: list[dict], version: str) -> dict[tuple, dict]:
    """{key: section} for one version; a section starts at chunk 0 or where the key changes."""
    runs: list[tuple[tuple, list[dict]]] = []
    for record in records:
        if record["version"] != version:
            continue
        key = (record["site"], page_of(record), urlsplit(record["url"]).fragment,
               tuple(record["path"]))
        if not runs or runs[-1][0] != key or record["chunk_index"] == 0:
            runs.append((key, []))
        runs[-1][1].append(record)
    sections: dict[tuple, dict] = {}
    seen: dict[tuple, int] = defaultdict(int)
    for key, chunks in runs:
        chunks.sort(key=lambda chunk: chunk["chunk_index"])
        occurrence = seen[key]            # two sections under one heading key stay apart
        seen[key] += 1
        sections[key + (occurrence,)] = {
            "site": key[0], "page": key[1], "anchor": key[2], "path": list(key[3]),
            "title": chunks[0]["title"], "url": chunks[0]["url"],
            "text": "\n\n".join(chunk["text"] for chunk in chunks),
            "text_tokens": sum(chunk["text_tokens"] for chunk in chunks), "chunks": len(chunks),
        }
    return sections


def unified(old: str, new: str, from_label: str, to_label: str,
            max_lines: int = MAX_DIFF_LINES) -> str:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), from_label, to_label,
                                      n=DIFF_CONTEXT, lineterm=""))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more diff lines)"]
    return "\n".join(lines)


def _pair_renamed(removed: dict, added: dict) -> list[tuple[tuple, tuple]]:
    """(removed key, added key) pairs sharing page and anchor one-to-one: renamed headings."""
    def by_anchor(keys):
        groups = defaultdict(list)
        for key in keys:
            if key[2]:                               # a section without an anchor has no identity
                groups[key[:3]].append(key)
        return groups

    old, new = by_anchor(removed), by_anchor(added)
    return [(old[place][0], new[place][0]) for place in old
            if len(old[place]) == 1 and len(new.get(place, ())) == 1]


def _summary(section: dict) -> dict:
    return {name: section[name] for name in ("page", "anchor", "path", "title", "url",
                                              "text_tokens", "chunks")}


def diff_versions(records: list[dict], from_version: str, to_version: str) -> dict:
    """Sections added, removed, changed (with a truncated unified diff) and unchanged (count)."""
    versions = sorted({record["version"] for record in records}, key=version_sort_key)
    for version in (from_version, to_version):
        if version not in versions:
            raise ValueError(f"version {version} is not in the data "
                             f"(it has {', '.join(versions) or 'no records'})")
    old, new = sections_of(records, from_version), sections_of(records, to_version)
    removed = {key: old[key] for key in old if key not in new}
    added = {key: new[key] for key in new if key not in old}
    pairs = [(key, key) for key in old if key in new] + _pair_renamed(removed, added)
    position = {key: index for index, key in enumerate(new)}     # report in the new doc's order
    changed, unchanged = [], 0
    for old_key, new_key in sorted(pairs, key=lambda pair: position[pair[1]]):
        removed.pop(old_key, None)
        added.pop(new_key, None)
        before, after = old[old_key], new[new_key]
        if normalise_text(before["text"]) == normalise_text(after["text"]):
            unchanged += 1
            continue
        changed.append(_summary(after) | {
            "from_url": before["url"], "from_path": before["path"],
            "text_tokens_before": before["text_tokens"],
            "diff": unified(before["text"], after["text"], from_version, to_version)})
    return {"from": from_version, "to": to_version,
            "sites": sorted({record["site"] for record in records}),
            "counts": {"added": len(added), "removed": len(removed), "changed": len(changed),
                       "unchanged": unchanged},
            "added": [_summary(section) for section in added.values()],
            "removed": [_summary(section) for section in removed.values()],
            "changed": changed, "unchanged": unchanged}


def _label(section: dict) -> str:
    return " > ".join(section["path"]) or section["title"] or section["page"]


def render_markdown(diff: dict) -> str:
    counts = diff["counts"]
    lines = [f"# Docs diff {diff['from']} -> {diff['to']} ({', '.join(diff['sites'])})", "",
             f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed, "
             f"{counts['unchanged']} unchanged sections.", ""]
    for kind in ("added", "removed"):
        if diff[kind]:
            lines += [f"## {kind.capitalize()}", ""]
            lines += [f"- {_label(section)} ({section['url']}, {section['text_tokens']} tokens)"
                      for section in diff[kind]]
            lines.append("")
    if diff["changed"]:
        lines += ["## Changed", ""]
        for section in diff["changed"]:
            renamed = (f" (was: {' > '.join(section['from_path'])})"
                       if section["from_path"] != section["path"] else "")
            # The docs' own code blocks use ``` fences: open a longer one around the diff.
            fence = "`" * max(3, 1 + max(map(len, re.findall(r"`+", section["diff"])), default=0))
            lines += [f"### {_label(section)}{renamed}", "", section["url"], "",
                      f"{fence}diff", section["diff"], fence, ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(diff: dict) -> str:
    return json.dumps(diff, indent=2, ensure_ascii=False) + "\n"
