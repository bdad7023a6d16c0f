"""Requests through Redis as checked JSON (crawler/distributed/wire.py): a real scrapy Request
round-trips, with its bytes; anything a docprompts request does not hold is refused."""
from __future__ import annotations

import json
import pickle

import pytest
import scrapy
from scrapy.utils.request import request_from_dict

from crawler.distributed import wire


class Spider(scrapy.Spider):
    name = "s"

    def parse_page(self, response):
        pass

    def on_error(self, failure):
        pass


def test_a_request_round_trips_with_its_bytes():
    spider = Spider()
    request = scrapy.Request("https://docs.example.org/2.0/a.html", callback=spider.parse_page,
                             errback=spider.on_error, headers={"Referer": "https://docs.example.org/é"},
                             body=b"\xff\x00x", meta={"slug": "2.0", "depth": 3, "redirect_urls": ["http://a/"]},
                             priority=-2)
    data = wire.dumps(request.to_dict(spider=spider))
    json.loads(data)   # plain JSON on the wire
    back = request_from_dict(wire.loads(data), spider=spider)
    assert (back.url, back.body, back.meta, back.priority) == (request.url, request.body, request.meta, -2)
    assert back.headers.getlist("Referer") == request.headers.getlist("Referer")
    assert back.callback == spider.parse_page and back.errback == spider.on_error


def plain(**changes) -> bytes:
    return json.dumps({"url": "https://docs.example.org/", "callback": "parse_page", **changes}).encode()


@pytest.mark.parametrize("data, reason", [
    (pickle.dumps({"url": "https://docs.example.org/"}), "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (plain(_class="os.system"), "unknown fields ['_class']"),
    (plain(url="file:///etc/passwd"), "not an http(s) URL"),
    (plain(callback="close"), "'callback'"),
    (plain(errback="parse_page"), "'errback'"),
    (plain(method="POST"), "'method'"),
    (plain(meta={"proxy": "http://elsewhere:3128"}), "'meta'"),
    (plain(headers={"A": "not a list"}), "'headers'"),
    (plain(priority="high"), "'priority'"),
])
def test_what_a_docprompts_request_does_not_hold_is_refused(data, reason):
    with pytest.raises(wire.Refused) as refused:
        wire.loads(data)
    assert reason in str(refused.value)
