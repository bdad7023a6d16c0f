"""Version diff: exactly the edited sections, chunks joined, matched across version URLs."""
from __future__ import annotations

import argparse
import json

import pytest

from output.corpus.cli import register
from output.corpus.diff import diff_versions, page_of, render_markdown, to_json

from ..corpus_records import CONFIG_0, CONFIG_1, CONFIG_1_NEW, corpus, make_record


def anchors(sections: list[dict]) -> list[str | None]:
    return [section["anchor"] for section in sections]


def test_page_of_drops_the_version_slug():
    assert page_of(make_record("0.10", "uses", ["x"], "t")) == "/documentation.html"
    assert page_of(make_record("2.0", None, ["x"], "t", page="streams/index.html")) == "/streams/index.html"


def test_diff_lists_exactly_the_edited_sections():
    diff = diff_versions(corpus(), "0.10", "2.0")
    assert anchors(diff["changed"]) == ["uses", "design", "config"]       # new doc's order
    assert anchors(diff["added"]) == ["kraft"]
    assert anchors(diff["removed"]) == ["zookeeper"]
    assert diff["unchanged"] == 2                                        # intro, streams page
    assert diff["counts"] == {"added": 1, "removed": 1, "changed": 3, "unchanged": 2}


def test_whitespace_only_change_is_unchanged():
    diff = diff_versions(corpus(), "0.9", "0.10")
    assert anchors(diff["changed"]) == ["design"]          # "uses" differs only in NBSP/ligature
    assert diff["counts"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 5}


def test_chunks_are_joined_and_diffed_as_one_section():
    diff = diff_versions(corpus(), "0.10", "2.0")
    config = next(section for section in diff["changed"] if section["anchor"] == "config")
    assert config["chunks"] == 2
    assert f"-{CONFIG_1}" in config["diff"] and f"+{CONFIG_1_NEW}" in config["diff"]
    assert f" {CONFIG_0}" in config["diff"]                         # context: the unedited chunk


def test_rechunked_but_same_text_is_unchanged():
    old = [make_record("1.0", "a", ["A"], CONFIG_0, chunk_count=2),
           make_record("1.0", "a", ["A"], CONFIG_1, chunk_index=1, chunk_count=2)]
    new = [make_record("2.0", "a", ["A"], CONFIG_0 + "\n\n" + CONFIG_1)]
    diff = diff_versions(old + new, "1.0", "2.0")
    assert diff["counts"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": 1}


def test_renamed_heading_with_same_anchor_is_a_change():
    old = [make_record("1.0", "ops", ["4. Operations"], "old words here")]
    new = [make_record("2.0", "ops", ["4. Operating Kafka"], "new words here")]
    diff = diff_versions(old + new, "1.0", "2.0")
    [changed] = diff["changed"]
    assert (changed["from_path"], changed["path"]) == (["4. Operations"], ["4. Operating Kafka"])
    assert "(was: 4. Operations)" in render_markdown(diff)


def test_long_diffs_are_truncated():
    old = [make_record("1.0", "a", ["A"], "\n".join(f"line {n}" for n in range(200)))]
    new = [make_record("2.0", "a", ["A"], "\n".join(f"row {n}" for n in range(200)))]
    [changed] = diff_versions(old + new, "1.0", "2.0")["changed"]
    assert len(changed["diff"].splitlines()) == 41
    assert changed["diff"].endswith("more diff lines)")


def test_markdown_and_json_renderings():
    diff = diff_versions(corpus(), "0.10", "2.0")
    markdown = render_markdown(diff)
    assert markdown.startswith("# Docs diff 0.10 -> 2.0")
    assert "1 added, 1 removed, 3 changed, 2 unchanged sections." in markdown
    assert "### 1. Getting Started > 1.2 Use Cases" in markdown and "```diff" in markdown
    assert "- 4. Operations > 4.1 Metadata (https://kafka.example.org/20/" in markdown
    assert json.loads(to_json(diff)) == diff


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match=r"version 3\.0 is not in the data \(it has 0\.9, 0\.10, 1\.0, 2\.0\)"):
        diff_versions(corpus(), "0.9", "3.0")


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="docprompts")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in corpus()))
    return path


def test_cli_diff_json_and_markdown(corpus_file, capsys):
    assert run_cli(["diff", "kafka", "--from", "0.10", "--to", "2.0", "--input", str(corpus_file),
                    "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["changed"] == 3
    assert run_cli(["diff", "connect", "--from", "1.0", "--to", "1.0", "--input", str(corpus_file)]) == 0
    assert "0 changed, 1 unchanged" in capsys.readouterr().out       # SITE filters the records


@pytest.mark.parametrize("argv, message", [
    (["diff", "kafka", "--from", "0.10", "--to", "9.9"], "version 9.9 is not in the data"),
    (["diff", "kafka", "--from", "1.0", "--to", "2.0"], "version 1.0 is not in the data"),  # connect's
    (["diff", "hdfs", "--from", "0.10", "--to", "2.0"], "no records of site 'hdfs'"),
])
def test_cli_diff_bad_input_exits_2_with_one_line(corpus_file, capsys, argv, message):
    assert run_cli(argv + ["--input", str(corpus_file)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_diff_missing_file(tmp_path, capsys):
    assert run_cli(["diff", "kafka", "--from", "1", "--to", "2", "--input", str(tmp_path / "no.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
