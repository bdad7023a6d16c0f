"""Distributed crawling: one corpus from many processes and machines, through one Redis.

    docprompts crawl kafka --redis redis://host:6379/0 --out kafka.jsonl   # the coordinator
    docprompts worker --redis redis://host:6379/0                          # on every other machine

The frontier is scrapy-redis's (a shared priority queue and duplicate filter); what this
package adds is what a corpus needs on top of it:

- ``run``: the run record in Redis (profile, budget and options: workers never take them from
  their own command line) and every key of a run under one namespace, so runs share a Redis;
- ``scheduler``: a request popped from the shared queue is *leased* to the process that took it
  (atomically, in one Lua script); a process that stops heartbeating loses its leases, which go
  back to the queue;
- ``spider``: the ``docs`` spider with its discovery state (versions, aliases, the latest
  release) shared through Redis, and each finished request shipped as one message (its records
  and what it adds to the manifest) in the same transaction that releases its lease;
- ``assembly``: the coordinator turns the messages into the same JSONL and manifest a
  single-process crawl writes (records deduplicated by id, same order, same atomic writer);
- ``coordinator`` (``crawl --redis``, ``crawl --jobs``), ``worker`` (``docprompts worker``),
  ``processes`` (their Scrapy crawlers) and ``cli`` (their options).
"""
