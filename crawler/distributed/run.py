"""A distributed run as Redis holds it: its record, its keys, and the atomic steps on them.

Every key of a run starts with ``docprompts:run:<id>:`` (two runs share a Redis safely);
``docprompts:runs`` lists the active runs, which is how a worker finds work. The steps that
must not be split by a crash (pop + lease, seen + push, requeue of a dead process's leases,
"nothing left anywhere" + finished) are Lua scripts: Redis runs each one atomically.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

RUNS_KEY = "docprompts:runs"
RUNNING, FINISHED = "running", "finished"


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached (at start: exit 2; during a run: exit 1, resumable)."""


def redacted(url: str) -> str:
    """The Redis URL without its password, for messages and the manifest."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> redis.Redis:
    """A checked connection (``redis://``, ``rediss://`` for TLS, ``unix://``; a password in the
    URL or ``REDISCLI_AUTH``), or ``RedisUnavailable`` in one line."""
    try:
        options = {}
        if os.environ.get("REDISCLI_AUTH") and urlsplit(url).password is None:
            options["password"] = os.environ["REDISCLI_AUTH"]
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30,
                                      health_check_interval=15, **options)
        client.ping()
        return client
    except ValueError as error:
        raise RedisUnavailable(f"--redis {redacted(url)}: {error}") from None
    except redis.RedisError as error:
        raise RedisUnavailable(f"cannot reach Redis at {redacted(url)}: {error}") from None


@dataclass
class RunRecord:
    """What every process of a run crawls with: set once by the coordinator."""
    run_id: str
    profile: str                  # a shipped name, or a profile file's name ...
    profile_toml: str | None      # ... and its text (workers may not have the file)
    base_url: str
    spider_options: dict          # versions and budget: the DocsSpider arguments
    scrapy_settings: dict         # -s NAME=VALUE
    out: str
    state: str | None
    fingerprint: str
    crawled_at: str
    started: float                # epoch seconds, for the manifest's duration
    lease_seconds: float
    coordinator: str = field(default_factory=socket.gethostname)

    def load_profile(self):
        from crawler.site.sites import load_site

        if self.profile_toml is None:
            return load_site(self.profile)
        folder = Path(tempfile.mkdtemp(prefix="docprompts-profile-"))
        path = folder / Path(self.profile).name
        path.write_text(self.profile_toml, encoding="utf-8")
        return load_site(str(path))

    def same_crawl_as(self, other: RunRecord) -> bool:
        keys = ("profile", "profile_toml", "base_url", "spider_options", "fingerprint", "state")
        return all(getattr(self, key) == getattr(other, key) for key in keys)


def run_id_for(out: str) -> str:
    """The same command on the same machine finds its run again (a restarted coordinator)."""
    key = f"{socket.gethostname()}:{Path(out).resolve()}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


# KEYS: queue, leases, lease counter. Pop the best request and lease it, in one step.
_POP_AND_LEASE = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local field = redis.call('INCR', KEYS[3]) .. '|' .. item[2]
redis.call('HSET', KEYS[2], field, item[1])
return {item[1], field}
"""
# KEYS: seen, queue. ARGV: fingerprint ('' = do not filter), score, request.
_PUSH_UNSEEN = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# KEYS: workers, queue. ARGV: key prefix. Leases of processes whose heartbeat expired go back.
_REQUEUE_DEAD = """
local requeued = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. worker) == 0 then
    local leases = redis.call('HGETALL', ARGV[1] .. 'leases:' .. worker)
    for i = 1, #leases, 2 do
      redis.call('ZADD', KEYS[2], string.match(leases[i], '|(.*)$'), leases[i + 1])
      requeued = requeued + 1
    end
    redis.call('DEL', ARGV[1] .. 'leases:' .. worker)
    redis.call('SREM', KEYS[1], worker)
  end
end
if requeued > 0 then redis.call('INCRBY', ARGV[1] .. 'requeued', requeued) end
return requeued
"""
# KEYS: workers, queue, status. ARGV: key prefix. Finished = empty queue and no lease anywhere.
_FINISH_IF_DONE = """
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('HLEN', ARGV[1] .. 'leases:' .. worker) > 0 then return 0 end
end
redis.call('SET', KEYS[3], 'finished')
return 1
"""


class SharedRun:
    """One run's keys and operations, for one process (``worker`` names its leases)."""

    def __init__(self, client: redis.Redis, run_id: str, worker: str | None = None) -> None:
        self.client = client
        self.run_id = run_id
        self.worker = worker or worker_id()
        self.prefix = f"docprompts:run:{run_id}:"
        self.round_trips = 0          # this process's calls to Redis (the benchmark reports them)
        self.held = 0                 # leases this process holds (requests popped, not yet done)
        self._pop = client.register_script(_POP_AND_LEASE)
        self._push = client.register_script(_PUSH_UNSEEN)
        self._requeue = client.register_script(_REQUEUE_DEAD)
        self._finish = client.register_script(_FINISH_IF_DONE)

    def key(self, name: str) -> str:
        return self.prefix + name

    @property
    def leases_key(self) -> str:
        return self.key(f"leases:{self.worker}")

    # -- the record -------------------------------------------------------------------------------
    def load_record(self) -> RunRecord | None:
        self.round_trips += 1
        data = self.client.get(self.key("record"))
        return RunRecord(**json.loads(data)) if data else None

    def create(self, record: RunRecord, previous_pages: dict) -> None:
        """A new run: its record, the previous state's pages (``--state``), listed as active."""
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.key("record"), json.dumps(asdict(record)))
        pipe.set(self.key("status"), RUNNING)
        if previous_pages:
            pipe.hset(self.key("previous"), mapping={path: json.dumps(page.to_json())
                                                     for path, page in previous_pages.items()})
        pipe.sadd(RUNS_KEY, self.run_id)
        pipe.execute()
        self.round_trips += 1

    def status(self) -> str | None:
        self.round_trips += 1
        value = self.client.get(self.key("status"))
        return value.decode() if value else None

    def previous_pages(self) -> dict[str, dict]:
        self.round_trips += 1
        return {path.decode(): json.loads(data) for path, data in self.client.hgetall(self.key("previous")).items()}

    def delete(self) -> None:
        """The run is written out: its keys go (the output and manifest hold everything)."""
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        pipe = self.client.pipeline(transaction=True)
        if keys:
            pipe.delete(*keys)
        pipe.srem(RUNS_KEY, self.run_id)
        pipe.execute()

    # -- the frontier -----------------------------------------------------------------------------
    def pop_and_lease(self) -> tuple[bytes, str] | None:
        self.round_trips += 1
        found = self._pop(keys=[self.key("requests"), self.leases_key, self.key("lease_counter")])
        if not found:
            return None
        self.held += 1
        return found[0], found[1].decode()

    def push(self, fingerprint: str, score: float, data: bytes) -> bool:
        self.round_trips += 1
        return bool(self._push(keys=[self.key("seen"), self.key("requests")], args=[fingerprint, score, data]))

    def release(self, lease: str) -> None:
        self.round_trips += 1
        self.client.hdel(self.leases_key, lease)
        self.held -= 1

    def heartbeat(self, lease_seconds: float) -> int:
        """I am alive for another lease period; leases of processes that are not go back."""
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.key(f"alive:{self.worker}"), 1, px=int(lease_seconds * 1000))
        pipe.sadd(self.key("workers"), self.worker)
        self._requeue(keys=[self.key("workers"), self.key("requests")], args=[self.prefix], client=pipe)
        self.round_trips += 1
        return pipe.execute()[-1]

    def leave(self) -> None:
        """Stopping: my leases (if any are left) go back to the queue right now."""
        self.client.delete(self.key(f"alive:{self.worker}"))
        self._requeue(keys=[self.key("workers"), self.key("requests")], args=[self.prefix])
        self.round_trips += 2

    def finish_if_done(self) -> bool:
        self.round_trips += 1
        return bool(self._finish(keys=[self.key("workers"), self.key("requests"), self.key("status")],
                                 args=[self.prefix]))

    def pending(self) -> int:
        return self.client.zcard(self.key("requests"))

    # -- discovery --------------------------------------------------------------------------------
    def claim_version(self, slug: str, version: str) -> bool:
        """True for the one process that schedules this version's seeds."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.key("versions"), slug, version)
        pipe.sadd(self.key("scheduled"), slug)
        self.round_trips += 1
        return bool(pipe.execute()[1])

    def publish_discovery(self, versions: dict, aliases: dict, latest: str | None) -> None:
        pipe = self.client.pipeline(transaction=True)
        if versions:
            pipe.hset(self.key("versions"), mapping=versions)
        if aliases:
            pipe.hset(self.key("aliases"), mapping=aliases)
        if latest:
            pipe.set(self.key("latest"), latest, nx=True)
        pipe.execute()
        self.round_trips += 1

    def discovery(self) -> tuple[dict, dict, str | None, set[str]]:
        """(versions, aliases, latest slug, scheduled slugs) as every process knows them."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.key("versions"))
        pipe.hgetall(self.key("aliases"))
        pipe.get(self.key("latest"))
        pipe.smembers(self.key("scheduled"))
        versions, aliases, latest, scheduled = pipe.execute()
        self.round_trips += 1
        decode = lambda mapping: {k.decode(): v.decode() for k, v in mapping.items()}  # noqa: E731
        return (decode(versions), decode(aliases), latest.decode() if latest else None,
                {slug.decode() for slug in scheduled})

    # -- results ----------------------------------------------------------------------------------
    def ship(self, message: dict | None, lease: str | None) -> None:
        """A finished request's results and the release of its lease: one transaction, so a
        crash leaves either both (done) or neither (the request is leased: it will be redone)."""
        pipe = self.client.pipeline(transaction=True)
        if message is not None:
            message["round_trips"] = self.round_trips + 1   # since the last message, this one included
            self.round_trips = 0
            pipe.rpush(self.key("results"), zlib.compress(json.dumps(message).encode(), 1))
        else:
            self.round_trips += 1
        if lease is not None:
            pipe.hdel(self.leases_key, lease)
        pipe.execute()
        if lease is not None:
            self.held -= 1

    def results(self, batch: int = 500):
        """Every shipped message, in the order they arrived."""
        start = 0
        while True:
            chunk = self.client.lrange(self.key("results"), start, start + batch - 1)
            for data in chunk:
                yield json.loads(zlib.decompress(data))
            if len(chunk) < batch:
                return
            start += batch

    def requeued(self) -> int:
        return int(self.client.get(self.key("requeued")) or 0)


def active_runs(client: redis.Redis) -> list[str]:
    return sorted(run_id.decode() for run_id in client.smembers(RUNS_KEY))


def now() -> float:
    return time.time()
