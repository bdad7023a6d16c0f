"""The bundled sample site (``crawler/demo_site``), served on loopback for the offline demo."""
from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

DEMO_SITE = Path(str(resources.files("crawler") / "demo_site"))


class _QuietHandler(SimpleHTTPRequestHandler):
    """A static host as docs are served: no request log, no directory listings (a folder
    without index.html is a 404, not a generated page)."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def list_directory(self, path):
        self.send_error(404, "Not Found")
        return None


@contextlib.contextmanager
def serve_directory(root: Path, host: str = "127.0.0.1", port: int = 0):
    """Serve ``root`` over HTTP in a background thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def serve_demo_site():
    return serve_directory(DEMO_SITE)
