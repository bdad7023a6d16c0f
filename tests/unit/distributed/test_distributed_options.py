"""Distributed runs, the parts without a Redis: URLs in messages, the --jobs file, run ids."""
from __future__ import annotations

import argparse

import pytest

from crawler.cli import build_parser
from crawler.distributed.coordinator import job_arguments
from crawler.distributed.run import redacted, run_id_for
from crawler.options import ConfigError


def crawl_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["crawl", *argv])


def test_a_password_never_shows_in_messages():
    assert redacted("redis://:hunter2@10.0.0.1:6379/0") == "redis://:***@10.0.0.1:6379/0"
    assert redacted("rediss://app:hunter2@redis.internal/1?ssl_cert_reqs=required") == \
        "rediss://app:***@redis.internal/1?ssl_cert_reqs=required"
    assert redacted("redis://10.0.0.1:6379/0") == "redis://10.0.0.1:6379/0"


def test_jobs_file_gives_one_crawl_per_line_with_the_shared_options(tmp_path):
    jobs = tmp_path / "jobs.txt"
    jobs.write_text("# nightly\nkafka --base-url http://127.0.0.1:1 --out a.jsonl\n\n"
                    "sphinx --base-url 'http://127.0.0.1:2' --out b.jsonl --target-tokens 60\n")
    parsed = job_arguments(crawl_args("--redis", "redis://h/0", "--jobs", str(jobs), "--lease-seconds", "7"))
    assert [(job.site, job.out, job.target_tokens) for job in parsed] == \
        [("kafka", "a.jsonl", 100), ("sphinx", "b.jsonl", 60)]
    assert {(job.redis, job.lease_seconds) for job in parsed} == {("redis://h/0", 7.0)}


@pytest.mark.parametrize("content, message", [
    ("kafka --out a.jsonl\nkafka --out a.jsonl\n", "each with its own --out"),
    ("kafka --no-such-option\n", "line 1: not valid crawl options"),
    ("# nothing\n", "give one or more crawls"),
])
def test_a_bad_jobs_file_is_one_clear_error(tmp_path, content, message):
    jobs = tmp_path / "jobs.txt"
    jobs.write_text(content)
    with pytest.raises(ConfigError, match=message):
        job_arguments(crawl_args("--redis", "redis://h/0", "--jobs", str(jobs)))


def test_jobs_need_redis(tmp_path):
    with pytest.raises(ConfigError, match="--jobs needs --redis"):
        job_arguments(crawl_args("--jobs", str(tmp_path / "jobs.txt")))


def test_the_same_output_path_finds_the_same_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_id_for("out/kafka.jsonl") == run_id_for(str(tmp_path / "out" / "kafka.jsonl"))
    assert run_id_for("out/kafka.jsonl") != run_id_for("out/sphinx.jsonl")
