"""``scrapy crawl kafka``: the ``docs`` spider with the shipped ``kafka`` profile.

Kafka's legacy layout (every release up to 2025) and its Hugo/Docsy layout are both in the
profile (``crawler/site/sites/kafka.toml``); the page itself tells which one it is.
"""
from __future__ import annotations

from crawler.options import ConfigError, parse_base_url, parse_version_filter
from crawler.spiders.docs import DocsSpider

__all__ = ["ConfigError", "KafkaSpider", "parse_base_url", "parse_version_filter"]


class KafkaSpider(DocsSpider):
    name = "kafka"
    default_profile = "kafka"
