"""A fault-injection documentation site (``server.py``) and its crawl profile (``profile.toml``)."""
