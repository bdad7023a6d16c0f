"""Serve a tests/sites/ build the way Read the Docs hosts it with its add-ons.

Read the Docs' servers add, to every HTML page of a version, the ``<meta>`` tags its add-ons
script reads (``readthedocs-project-slug``, ``readthedocs-version-slug``,
``readthedocs-resolver-filename``, ``readthedocs-http-status``), and answer
``/_/addons/?api-version=1&project-slug=P&version-slug=V`` with JSON listing the project's
active versions. The build holds that JSON as ``_addons.json`` (written by build_sites.py in the
shape of the real API's response); ``versions.current`` is set here to the version asked for.
With ``addons=False`` the endpoint answers 404, as a host without the API does.
"""
from __future__ import annotations

import contextlib
import functools
import json
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_VERSION_PATH = re.compile(r"^/en/([^/]+)/")


class ReadTheDocsHandler(SimpleHTTPRequestHandler):
    project = "tidewater"
    addons = True

    def log_message(self, *args) -> None:   # quiet in tests
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.rstrip("/") == "/_/addons":
            return self.answer_addons(parse_qs(parts.query))
        match = _VERSION_PATH.match(parts.path)
        local = Path(self.translate_path(parts.path))
        if match and local.is_dir():
            local = local / "index.html"
        if not (match and local.suffix == ".html" and local.is_file()):
            return super().do_GET()
        tags = (f'<meta name="readthedocs-project-slug" content="{self.project}" />'
                f'<meta name="readthedocs-version-slug" content="{match.group(1)}" />'
                f'<meta name="readthedocs-resolver-filename" content="/{parts.path[match.end():]}" />'
                f'<meta name="readthedocs-http-status" content="200" />')
        html = local.read_text(encoding="utf-8").replace("<head>", "<head>" + tags, 1)
        self.send_body(200, "text/html; charset=utf-8", html.encode("utf-8"))

    def answer_addons(self, query: dict) -> None:
        stored = Path(self.directory) / "_addons.json"
        if not self.addons or not stored.is_file():
            return self.send_body(404, "application/json", b'{"detail": "Not found."}')
        if query.get("api-version") != ["1"] or not query.get("project-slug") or not query.get("version-slug"):
            return self.send_body(400, "application/json", b'{"error": "api-version, project-slug and '
                                                           b'version-slug are required"}')
        data = json.loads(stored.read_text(encoding="utf-8"))
        current = [v for v in data["versions"]["active"] if v["slug"] == query["version-slug"][0]]
        if query["project-slug"] != [self.project] or not current:
            return self.send_body(404, "application/json", b'{"detail": "Not found."}')
        data["versions"]["current"] = current[0]
        self.send_body(200, "application/json", json.dumps(data).encode("utf-8"))

    def send_body(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve_like_readthedocs(root: Path, addons: bool = True):
    """Yields the base URL of ``root`` served as Read the Docs serves a project."""
    handler = functools.partial(type("Handler", (ReadTheDocsHandler,), {"addons": addons}),
                                directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
