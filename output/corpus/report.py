"""A one-file HTML report of a run: what was collected, how big, how well, and what went wrong.

The page is self-contained (inline CSS and SVG drawn here, no script, no external URL), so it
can be attached to a CI run or mailed and opened anywhere, offline.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from output.corpus.dedup import dedup_records
from output.jsonl import read_jsonl, write_atomically
from output.manifest import manifest_path_for
from output.records import version_sort_key

WIDTH, LABEL_WIDTH, ROW = 760, 260, 22
MAX_ROWS = 30
BAR, ACCENT, MUTED = "#4c78a8", "#e45756", "#888"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float, str]],
              scale_max: float | None = None) -> str:
    """Horizontal bars; ``rows`` are (label, value, shown text). Empty rows: a 'no data' line."""
    if not rows:
        return (f'<figure id="{chart_id}"><figcaption>{escape(title)}</figcaption>'
                f'<p class="empty">no data</p></figure>')
    top = scale_max or max(value for _, value, _ in rows) or 1
    span = WIDTH - LABEL_WIDTH - 90
    parts = []
    for number, (label, value, shown) in enumerate(rows):
        y = number * ROW
        width = max(1.0, span * value / top)
        short = label if len(label) <= 40 else "…" + label[-39:]
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" fill="{BAR}">'
            f'<title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 5:.1f}" y="{y + 15}">{escape(shown)}</text>')
    height = len(rows) * ROW
    return (f'<figure id="{chart_id}"><figcaption>{escape(title)}</figcaption>'
            f'<svg class="chart" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-label="{escape(title)}">{"".join(parts)}</svg></figure>')


def histogram(chart_id: str, title: str, values: list[int], budget: int | None, bins: int = 20) -> str:
    """Vertical bars of counts per token range, with the budget drawn as a red line."""
    if not values:
        return bar_chart(chart_id, title, [])
    top = max(max(values), budget or 0, 1)
    step = max(1, -(-top // bins))                 # ceiling division: bins cover 0..top
    counts = Counter(min(value // step, bins - 1) for value in values)
    plot_w, plot_h, left, bottom = WIDTH - 80, 200, 50, 30
    most = max(counts.values())
    bar_w = plot_w / bins
    parts = [f'<line x1="{left}" y1="{plot_h}" x2="{left + plot_w}" y2="{plot_h}" stroke="{MUTED}"/>']
    for index in range(bins):
        count = counts.get(index, 0)
        height = plot_h * count / most
        parts.append(f'<rect x="{left + index * bar_w + 1:.1f}" y="{plot_h - height:.1f}" '
                     f'width="{bar_w - 2:.1f}" height="{height:.1f}" fill="{BAR}"><title>'
                     f'{index * step}–{(index + 1) * step - 1} tokens: {count} records</title></rect>')
    for tick in range(0, bins + 1, 5):
        parts.append(f'<text x="{left + tick * bar_w:.1f}" y="{plot_h + 16}" text-anchor="middle">'
                     f'{tick * step}</text>')
    parts.append(f'<text x="{left - 6}" y="12" text-anchor="end">{most}</text>'
                 f'<text x="{left - 6}" y="26" text-anchor="end">records</text>')
    if budget:
        x = left + plot_w * budget / (step * bins)
        parts.append(f'<line class="budget" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{plot_h}" '
                     f'stroke="{ACCENT}" stroke-width="2" stroke-dasharray="6 3"/>'
                     f'<text x="{x - 4:.1f}" y="12" text-anchor="end" fill="{ACCENT}">'
                     f'budget {budget}</text>')
    height = plot_h + bottom
    return (f'<figure id="{chart_id}"><figcaption>{escape(title)}</figcaption>'
            f'<svg class="chart" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-label="{escape(title)}">{"".join(parts)}</svg></figure>')


def _page_label(url: str) -> str:
    return urlsplit(url).path or url


def _per_version(records: list[dict]) -> tuple[list, list]:
    counts, tokens = Counter(), Counter()
    for record in records:
        counts[record["version"]] += 1
        tokens[record["version"]] += record["text_tokens"]
    versions = sorted(counts, key=version_sort_key)
    return ([(v, counts[v], _number(counts[v])) for v in versions],
            [(v, tokens[v], _number(tokens[v])) for v in versions])


def _dedup_rows(records: list[dict]) -> tuple[list, list]:
    rows = defaultdict(list)
    for mode in ("none", "exact", "near"):
        stat = dedup_records(records, mode)[1]
        label = "near (≥0.8)" if mode == "near" else mode
        for kind in ("records", "text_tokens"):
            before, after = stat[f"{kind}_before"], stat[f"{kind}_after"]
            saved = f" (−{100 * (before - after) / before:.0f}%)" if before and mode != "none" else ""
            rows[kind].append((label, after, _number(after) + saved))
    return rows["records"], rows["text_tokens"]


def _table(headers: list[str], rows: list[list], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:820px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
svg.chart text{font-size:12px;fill:#333}.empty{color:#888;font-style:italic}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.facts{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}
.facts div{background:#f4f6f8;padding:8px;border-radius:4px}.facts b{display:block;font-size:18px}"""


def build_report(records: list[dict], manifest: dict | None) -> str:
    """The HTML page for ``records`` and their run ``manifest`` (``{}`` or None when absent)."""
    manifest = manifest or {}
    pages = manifest.get("coverage", {}).get("per_page", [])
    budget = manifest.get("settings", {}).get("max_input_tokens") or max(
        (record["max_input_tokens"] for record in records), default=None)
    per_version_records, per_version_tokens = _per_version(records)
    dedup_records_rows, dedup_token_rows = _dedup_rows(records)
    worst = sorted(pages, key=lambda page: (page["coverage"], page["url"]))[:MAX_ROWS]
    slowest = sorted(pages, key=lambda page: (-page["seconds"], page["url"]))[:MAX_ROWS // 2]
    failures = manifest.get("failures", [])
    broken = manifest.get("broken_links", [])
    sites = sorted({record["site"] for record in records}) or [manifest.get("site", "?")]
    facts = [("records", _number(len(records))),
             ("text tokens", _number(sum(r["text_tokens"] for r in records))),
             ("versions", _number(len(per_version_records))),
             ("pages", _number(len(pages)) if manifest else "–"),
             ("coverage min", f"{manifest['coverage']['min']:.1%}" if pages else "–"),
             ("duration", f"{manifest['duration_seconds']:.1f}s" if manifest else "–"),
             ("failures", _number(len(failures))), ("broken links", _number(len(broken)))]
    body = [
        f"<h1>docprompts run report: {escape(', '.join(sites))}</h1>",
        f"<p>{escape(manifest.get('started_at', ''))} {escape(manifest.get('source', ''))}"
        f"{'' if manifest else ' (no manifest found: run facts are missing)'}</p>",
        '<div class="facts">' + "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for k, v in facts)
        + "</div>",
        "<h2>Versions</h2>",
        bar_chart("records-per-version", "Records per version", per_version_records),
        bar_chart("tokens-per-version", "Text tokens per version", per_version_tokens),
        "<h2>Sizes</h2>",
        histogram("token-histogram", f"Text tokens per record (budget max_input_tokens = {budget})",
                  [record["text_tokens"] for record in records], budget),
        "<h2>Deduplication across versions</h2>",
        bar_chart("dedup-records", "Records kept", dedup_records_rows),
        bar_chart("dedup-tokens", "Text tokens kept", dedup_token_rows),
        "<h2>Coverage</h2>",
        bar_chart("coverage", f"Coverage per page (lowest {len(worst)} of {len(pages)})",
                  [(_page_label(p["url"]), p["coverage"], f"{p['coverage']:.1%}") for p in worst],
                  scale_max=1.0),
        "<h2>Time</h2>",
        bar_chart("slowest-pages", f"Slowest pages (top {len(slowest)}, seconds)",
                  [(_page_label(p["url"]), p["seconds"], f"{p['seconds']:.3f}s") for p in slowest]),
        "<h2>Failures and broken links</h2>",
        _table(["url", "reason"], [[f.get("url", ""), f.get("reason", "")] for f in failures],
               "no failed pages"),
        _table(["broken link"], [[link] for link in broken], "no broken links"),
    ]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>docprompts report: {escape(", ".join(sites))}</title><style>{CSS}</style>'
            f'</head><body>{"".join(body)}</body></html>\n')


def write_report(jsonl_path: str | Path, out_html: str | Path) -> Path:
    """Read a run's JSONL and its manifest (when present) and write the report."""
    manifest_file = manifest_path_for(jsonl_path)
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    write_atomically(Path(out_html), build_report(read_jsonl(jsonl_path), manifest))
    return Path(out_html)
