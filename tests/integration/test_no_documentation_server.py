"""A server with no documentation at all (a fresh web server's "It works!" page) must never look
like a successful crawl: every shipped profile exits non-zero with one ``docprompts: error:`` line.

Two real servers on loopback: one that answers "It works!" at ``/`` and 404 elsewhere (a
default Apache/nginx install), one that answers the same page for every path (a catch-all)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.demo import serve_directory

from ..conftest import run_docprompts

IT_WORKS = b"<html><body><h1>It works!</h1><p>This is the default web page for this server.</p></body></html>"


class CatchAll(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(IT_WORKS)))
        self.end_headers()
        self.wfile.write(IT_WORKS)

    def log_message(self, *args):
        pass

pytestmark = pytest.mark.slow   # six crawls that each wait for a whole discovery to fail


@pytest.fixture(scope="module", params=["root-only", "catch-all"])
def server(request, tmp_path_factory):
    if request.param == "root-only":
        root = tmp_path_factory.mktemp("itworks")
        (root / "index.html").write_bytes(IT_WORKS)
        with serve_directory(root) as base_url:
            yield base_url
        return
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CatchAll)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("profile", ["kafka", "sphinx", "mkdocs"])
def test_no_documentation_is_an_error_in_one_line(server, profile, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_docprompts("crawl", profile, "--base-url", server, "--out", str(out), "--log-level", "ERROR")
    assert result.returncode in (1, 2), (result.returncode, result.stderr[-2000:])
    errors = [line for line in result.stderr.splitlines() if line.startswith("docprompts: error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not out.exists() or out.read_text() == ""   # never records made of an "It works!" page
