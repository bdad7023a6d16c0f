"""Records of one original docs-like section (written for these tests), with a real prompt and
exact token counts, and completions planted against it."""
from __future__ import annotations

from compress.prompt import render_prompt
from compress.tokenizer import TokenCounter
from output.records import record_id, sha256_text

SECTION = """### 4.2 Retention settings

Each broker deletes old log segments in the background. The setting `log.retention.hours`
decides how long a segment is kept; it defaults to 168 hours, which is seven days. When
`log.retention.bytes` is also set, whichever limit is reached first wins.

To change the retention of one topic without restarting the broker, run:

```bash
> bin/kafka-configs.sh --bootstrap-server localhost:9092 --alter --entity-type topics --entity-name orders --add-config retention.ms=86400000
```

The cleaner thread checks segments every 300000 milliseconds, as set by
`log.retention.check.interval.ms`. A topic with `cleanup.policy=compact` keeps the latest
record for each key instead of deleting by age, and the file `config/server.properties`
holds the broker-wide defaults. Three replicas must acknowledge a write when
`min.insync.replicas` is 3.
"""

# Sentences lifted from the section, shortened: what an extractive compression looks like.
FAITHFUL = (
    "Brokers delete old log segments in the background. `log.retention.hours` sets how long a "
    "segment is kept (default 168 hours, seven days); with `log.retention.bytes` also set, the "
    "first limit reached wins. Change one topic's retention without a restart: "
    "`bin/kafka-configs.sh --bootstrap-server localhost:9092 --alter --entity-type topics "
    "--entity-name orders --add-config retention.ms=86400000`. The cleaner checks segments every "
    "300000 ms (`log.retention.check.interval.ms`). `cleanup.policy=compact` keeps the latest "
    "record per key instead of deleting by age; `config/server.properties` holds broker-wide "
    "defaults. Three replicas acknowledge a write when `min.insync.replicas` is 3."
)
INVENTED = FAITHFUL + (" For faster cleanup run `kafka-purge --now` or set "
                       "`log.purge.turbo=true` in `config/cleaner.yaml` (Kafka-X engine, port 9093).")

COUNT = TokenCounter("cl100k_base")


def section_record(text: str = SECTION, target: int | None = None, version: str = "3.9",
                   anchor: str = "retention") -> dict:
    """A record as the crawl writes it; the target defaults to just below FAITHFUL's length,
    so the faithful compression lands between the target and 1.5 x the target."""
    target = target or COUNT(FAITHFUL) - 10
    url = f"https://kafka.example.org/{version.replace('.', '')}/documentation.html#{anchor}"
    prompt = render_prompt(text, target, "apache_kafka", url)
    return {
        "id": record_id("kafka", version.replace(".", ""), "documentation.html", anchor, 0, 0),
        "source": "apache_kafka", "site": "kafka", "version": version,
        "version_slug": version.replace(".", ""), "is_latest": True, "is_prerelease": False,
        "url": url, "fetched_url": url, "title": "4.2 Retention settings",
        "path": ["4. Operations", "4.2 Retention settings"], "anchors": [anchor],
        "chunk_index": 0, "chunk_count": 1, "text": text, "text_tokens": COUNT(text),
        "target_tokens": target, "max_input_tokens": 800, "encoding": "cl100k_base",
        "prompt": prompt, "prompt_tokens": COUNT(prompt), "content_sha256": sha256_text(text),
        "crawled_at": "2026-01-01T00:00:00+00:00"}
