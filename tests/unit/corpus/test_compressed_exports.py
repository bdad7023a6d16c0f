"""Exports of a compressed corpus (chat, hf, batch) and the llms.txt export."""
from __future__ import annotations

import json
import re

import pyarrow.parquet as pq

from compress.results import Checker
from output.corpus.llmstxt import first_sentence, validate_index
from output.corpus.exports import export

from ..compress.sections import FAITHFUL, INVENTED, section_record
from ..corpus_records import corpus


def compressed_corpus() -> list[dict]:
    """3.8 passes its checks, 3.9 (the latest) invents terms, 4.0-rc had no completion."""
    checker = Checker()
    passed = checker.output_record(section_record(version="3.8"), FAITHFUL, "stop", "m")
    passed["is_latest"] = False
    flagged = checker.output_record(section_record(version="3.9", anchor="retention-b"), INVENTED, "stop", "m")
    failed = checker.output_record(section_record(version="4.0-rc"), None, None, "m", error="HTTP 500")
    failed.update(is_latest=False, is_prerelease=True)
    assert passed["checks"]["ok"] and not flagged["checks"]["ok"]
    return [passed, flagged, failed]


def test_chat_writes_only_passing_completions_unless_asked(tmp_path):
    export(compressed_corpus(), "chat", tmp_path / "chat", dedup="none")
    lines = [json.loads(line) for line in (tmp_path / "chat" / "chat.jsonl").read_text().splitlines()]
    assert [len(line["messages"]) for line in lines] == [2, 1, 1]
    assert lines[0]["messages"][1] == {"role": "assistant", "content": FAITHFUL}
    export(compressed_corpus(), "chat", tmp_path / "all", dedup="none", include_flagged=True)
    lines = [json.loads(line) for line in (tmp_path / "all" / "chat.jsonl").read_text().splitlines()]
    assert [len(line["messages"]) for line in lines] == [2, 2, 1]      # no completion: no turn


def test_hf_export_adds_completion_and_checks_columns(tmp_path):
    summary = export(compressed_corpus(), "hf", tmp_path / "hf", dedup="none")
    rows = [row for name in summary["files"] if name.endswith(".parquet")
            for row in pq.read_table(tmp_path / "hf" / name).to_pylist()]
    by_version = {row["version"]: row for row in rows}
    assert by_version["3.8"]["completion"] == FAITHFUL and by_version["3.8"]["ok"] is True
    assert json.loads(by_version["3.9"]["checks"])["introduced_terms"]
    assert by_version["4.0-rc"]["completion"] is None and by_version["4.0-rc"]["ok"] is False
    card = (tmp_path / "hf" / "README.md").read_text()
    assert "name: completion" in card and "name: checks" in card


def test_batch_exports_still_work_on_a_compressed_corpus(tmp_path):
    for fmt in ("openai-batch", "anthropic-batch"):
        summary = export(compressed_corpus(), fmt, tmp_path / fmt, dedup="none")
        assert summary["rows"] == 3


def test_llms_txt_per_version_and_latest_on_top(tmp_path):
    records = [record for record in corpus() if record["site"] == "kafka"]
    summary = export(records, "llms-txt", tmp_path / "llms")
    folder = tmp_path / "llms"
    assert summary["rows"] == len(records)                    # no dedup: every version whole
    for version in ("0.9", "0.10", "2.0"):
        index = (folder / version / "llms.txt").read_text()
        validate_index(index, version)
        assert index.startswith(f"# Apache Kafka documentation {version}\n\n> ")
        members = [record for record in records if record["version"] == version]
        for record in members:                                # a line for every section page
            assert f"]({record['url']})" in index
        chapters = re.findall(r"^## (.+)$", index, flags=re.M)
        assert chapters == list(dict.fromkeys(record["path"][0] for record in members))
        full = (folder / version / "llms-full.txt").read_text()
        positions = [full.index(record["text"].strip()) for record in members]
        assert positions == sorted(positions)                 # document order
        assert not (folder / version / "llms-small.txt").exists()
    assert (folder / "llms.txt").read_text() == (folder / "2.0" / "llms.txt").read_text()
    assert (folder / "llms-full.txt").read_text() == (folder / "2.0" / "llms-full.txt").read_text()


def test_llms_txt_notes_and_small_file_come_from_passing_completions(tmp_path):
    export(compressed_corpus(), "llms-txt", tmp_path / "llms")
    passed = (tmp_path / "llms" / "3.8" / "llms.txt").read_text()
    assert f"): {first_sentence(FAITHFUL)}" in passed
    flagged = (tmp_path / "llms" / "3.9" / "llms.txt").read_text()
    assert re.search(r"^- \[4.2 Retention settings\]\([^)]+\)$", flagged, flags=re.M)   # no note
    assert FAITHFUL in (tmp_path / "llms" / "3.8" / "llms-small.txt").read_text()
    assert "kafka-purge" not in (tmp_path / "llms" / "3.9" / "llms-small.txt").read_text()
    # the latest released version is 3.9 (4.0-rc is a prerelease... and 3.9 is marked latest)
    assert (tmp_path / "llms" / "llms-small.txt").read_text() == \
        (tmp_path / "llms" / "3.9" / "llms-small.txt").read_text()


def test_llms_txt_refuses_a_corpus_of_several_sites(tmp_path):
    import pytest

    from output.corpus.exports import ExportError

    with pytest.raises((ExportError, ValueError), match="2 sites"):
        export(corpus(), "llms-txt", tmp_path / "llms")


def test_the_report_shows_the_checks(tmp_path):
    from output.corpus.report import build_report

    html = build_report(compressed_corpus(), {})
    assert "<h2>Completion checks</h2>" in html
    assert "1 of 3 completions passed every check" in html
    assert "kafka-purge" in html                       # the flagged row names its invented terms
    assert "Completion checks" not in build_report(corpus(), {})
