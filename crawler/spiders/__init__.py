"""Scrapy spiders: thin glue over the pure page pipeline (crawler.page.process)."""
