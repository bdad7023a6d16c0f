"""What travels through Redis is data, never code.

scrapy-redis pickles requests by default: whoever can write to the queue can make every process
that pops a request run code (unpickling calls whatever the payload names). Here requests are
JSON (scrapy-redis's ``SCHEDULER_SERIALIZER`` contract: a module with ``loads`` and ``dumps``),
and what comes back is checked before Scrapy sees it: ``request_from_dict`` would import any
``_class`` named in the dict and bind any spider method named as a callback. A message that
does not pass is ``Refused`` with the reason, and the scheduler names it in the manifest.

Also checked: only http(s) URLs (a ``file://`` request would read the worker's own files into
the corpus), GET or HEAD, no ``proxy``/``bindaddress`` in meta (traffic sent elsewhere).
"""
from __future__ import annotations

import json

from crawler.site.regex import LinearRegex

FIELDS = {"url", "callback", "errback", "headers", "body", "cookies", "meta", "encoding", "flags",
          "cb_kwargs", "dont_filter", "method", "priority"}
METHODS = {"GET", "HEAD"}
UNSAFE_META = {"proxy", "_auth_proxy", "bindaddress"}
_CALLBACK = LinearRegex(r"^parse(_[a-z_]+)?$")
_ERRBACK = LinearRegex(r"^on_error$")


class Refused(ValueError):
    """A message from Redis that is not a docprompts request (the reason says why)."""


def dumps(request: dict) -> bytes:
    """``Request.to_dict`` as JSON (headers and body as latin-1 text: bytes round-trip)."""
    if "_class" in request:
        raise TypeError(f"only scrapy.Request travels through Redis, not {request['_class']}")
    data = {**request,
            "headers": {key.decode("latin-1"): [value.decode("latin-1") for value in values]
                        for key, values in request["headers"].items()},
            "body": request["body"].decode("latin-1")}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def loads(data: bytes) -> dict:
    """A checked request dict for ``request_from_dict``, or ``Refused``."""
    try:
        request = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise Refused("not JSON (a pickled or foreign payload?)") from None
    if not isinstance(request, dict):
        raise Refused("not a JSON object")
    unknown = set(request) - FIELDS
    if unknown:
        raise Refused(f"unknown fields {sorted(unknown)}")
    url = request.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise Refused(f"not an http(s) URL: {str(url)[:100]!r}")
    _check(request.get("callback") is None or _named(_CALLBACK, request["callback"]), "callback")
    _check(request.get("errback") is None or _named(_ERRBACK, request["errback"]), "errback")
    _check(request.get("method", "GET") in METHODS, "method")
    headers = request.get("headers", {})
    _check(isinstance(headers, dict) and all(isinstance(values, list) and all(isinstance(v, str) for v in values)
                                             for values in headers.values()), "headers")
    body = request.get("body", "")
    _check(isinstance(body, str), "body")
    meta = request.get("meta", {})
    _check(isinstance(meta, dict) and not UNSAFE_META & set(meta), "meta")
    for name, kind in (("cookies", dict), ("cb_kwargs", dict), ("flags", list), ("dont_filter", bool),
                       ("priority", int), ("encoding", str)):
        _check(name not in request or isinstance(request[name], kind), name)
    return {**request, "body": body.encode("latin-1"),
            "headers": {key.encode("latin-1"): [value.encode("latin-1") for value in values]
                        for key, values in headers.items()}}


def _named(pattern, name) -> bool:
    return isinstance(name, str) and pattern.search(name) is not None


def _check(ok: bool, name: str) -> None:
    if not ok:
        raise Refused(f"field {name!r} is not what a docprompts request holds")


def describe(data: bytes) -> str:
    """A refused message for the manifest: its length and first bytes, printable."""
    return f"{len(data)} bytes starting {bytes(data[:40])!r}"
