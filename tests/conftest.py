"""Shared fixtures: run the real CLI (real Scrapy engine) in a subprocess against local servers."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DOCPROMPTS_SHARED", PROJECT.parent / "shared"))


def run_docprompts(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """``docprompts ARGS`` as a user runs it (a fresh process: Twisted's reactor runs once)."""
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


def read_records(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def read_manifest(path: Path) -> dict:
    return json.loads(Path(str(path) + ".manifest.json").read_text())


def free_port() -> str:
    """A loopback port nobody listens on (for servers started by a script that takes a port):
    several checkouts may run the same test at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])
