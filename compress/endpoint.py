"""Run a corpus's prompts against any OpenAI-compatible chat-completions server.

    docprompts compress CORPUS.jsonl --endpoint URL --model NAME --out OUT.jsonl

One asyncio loop in one process (no helper process to outlive it) sends up to ``concurrency``
requests at once through the official ``openai`` SDK, which retries connection errors, 408, 409,
429 and 5xx with exponential backoff and honours ``Retry-After`` / ``retry-after-ms``. Before
each request the rate limiter waits for room under the requests-per-minute and tokens-per-minute
limits (tokens: the prompt's plus ``max_tokens``, the most the request can use). Every answer is
checked (``compress.checks``) and journaled at once (``compress.journal``): a killed run,
started again, asks only for what it does not have.

A request that still fails after its retries is a failure of that record (named in the manifest,
exit 1; the next run asks it again). An answer that says the key, the permission or the model is
wrong would fail every request alike: the run stops at once with one line (exit 2).
"""
from __future__ import annotations

import asyncio
import collections
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from output.corpus.exports import max_tokens_for

from .journal import CompletionJournal
from .results import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, Checker, now_iso, summary_line, write_manifest

WINDOW_SECONDS = 60.0


class FatalEndpointError(Exception):
    """The server refuses every request alike (bad key, no permission, unknown model)."""


@dataclass
class EndpointSettings:
    endpoint: str
    model: str
    api_key: str | None = None
    concurrency: int = 4
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    retries: int = 5
    timeout: float = 300.0
    sampling: dict = field(default_factory=dict)     # temperature, top_p, seed, ... as given
    extra_body: dict = field(default_factory=dict)   # server-specific fields, passed through


class RateLimiter:
    """Sliding one-minute window over requests and tokens. A request larger than the whole
    token budget waits for an empty window and then goes alone (no wait could make room for it)."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None) -> None:
        self.rpm, self.tpm = requests_per_minute, tokens_per_minute
        self._sent: collections.deque[tuple[float, int]] = collections.deque()
        self._lock = asyncio.Lock()

    def _wait_needed(self, tokens: int, now: float) -> float:
        while self._sent and now - self._sent[0][0] >= WINDOW_SECONDS:
            self._sent.popleft()
        waits = [0.0]
        if self.rpm and len(self._sent) >= self.rpm:
            waits.append(self._sent[0][0] + WINDOW_SECONDS - now)
        if self.tpm and self._sent:
            used = sum(count for _, count in self._sent)
            if used + tokens > self.tpm:
                # the time at which enough of the oldest requests leave the window
                freed, needed = 0, used + tokens - self.tpm
                for sent_at, count in self._sent:
                    freed += count
                    if freed >= needed:
                        waits.append(sent_at + WINDOW_SECONDS - now)
                        break
                else:       # larger than the whole budget: wait for an empty window
                    waits.append(self._sent[-1][0] + WINDOW_SECONDS - now)
        return max(waits)

    async def acquire(self, tokens: int) -> None:
        if not self.rpm and not self.tpm:
            return
        async with self._lock:          # first come, first served
            while (wait := self._wait_needed(tokens, time.monotonic())) > 0:
                await asyncio.sleep(wait)
            self._sent.append((time.monotonic(), tokens))


def _client(settings: EndpointSettings):
    from openai import AsyncOpenAI

    # A local server needs no key; the SDK insists on some string.
    return AsyncOpenAI(base_url=settings.endpoint, api_key=settings.api_key or "no-key",
                       max_retries=settings.retries, timeout=settings.timeout)


def _fatal(error) -> bool:
    import openai

    return isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError,
                              openai.NotFoundError))


def describe_error(error: BaseException) -> str:
    import openai

    if isinstance(error, openai.APIStatusError):
        message = str(error.message).removeprefix(f"Error code: {error.status_code} - ")
        return f"HTTP {error.status_code}: {message[:300]}"
    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    if isinstance(error, openai.APIConnectionError):
        return f"connection failed: {error.__cause__ or error}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


class Progress:
    """The bar: records done, tokens in/out, failures (tqdm on stderr; off when not a tty)."""

    def __init__(self, total: int, done: int, show: bool | None) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=done, unit="rec", desc="compress",
                        disable=(not sys.stderr.isatty()) if show is None else not show)
        self.tokens_in = self.tokens_out = self.failed = 0

    def update(self, out: dict) -> None:
        if out["completion"] is None:
            self.failed += 1
        else:
            self.tokens_in += out.get("prompt_tokens", 0)
            self.tokens_out += out["completion_tokens"]
        self.bar.set_postfix_str(f"in {self.tokens_in} out {self.tokens_out} failed {self.failed}",
                                 refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


async def ask_all(records: list[dict], settings: EndpointSettings, on_answer, on_failure) -> None:
    """Send every record's prompt, ``concurrency`` at a time; report each outcome as it comes."""
    client = _client(settings)
    limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)
    queue: asyncio.Queue = asyncio.Queue()
    for record in records:
        queue.put_nowait(record)

    async def worker() -> None:
        while True:
            try:
                record = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            max_tokens = max_tokens_for(record)
            await limiter.acquire(record["prompt_tokens"] + max_tokens)
            try:
                response = await client.chat.completions.create(
                    model=settings.model, max_tokens=max_tokens,
                    messages=[{"role": "user", "content": record["prompt"]}],
                    extra_body=settings.extra_body or None, **settings.sampling)
            except Exception as error:          # the SDK's own retries are spent
                if _fatal(error):
                    raise FatalEndpointError(describe_error(error)) from None
                on_failure(record, describe_error(error))
                continue
            if not response.choices:
                on_failure(record, "the answer has no choices")
                continue
            choice = response.choices[0]
            usage = response.usage.model_dump() if response.usage else None
            # no text (a refusal, a tool call) is an empty completion, not a failed request
            on_answer(record, choice.message.content or "", choice.finish_reason, usage)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, settings.concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await client.close()


def compress_corpus(records: list[dict], out_path: str | Path, settings: EndpointSettings,
                    input_path: str, fresh: bool = False, min_kept_terms: float = 0.0,
                    progress: bool | None = None) -> tuple[int, str]:
    """Compress ``records`` into ``out_path`` (+ manifest). Returns (exit code, summary line)."""
    started, started_at = time.monotonic(), now_iso()
    checker = Checker(min_kept_terms)
    journal = CompletionJournal(out_path, records, settings.model, checker, fresh=fresh)
    todo = journal.todo()
    bar = Progress(len(records), len(records) - len(todo), progress)
    failed: list[dict] = []

    def on_answer(record, completion, finish_reason, usage) -> None:
        out = checker.output_record(record, completion, finish_reason, settings.model, usage=usage)
        journal.record_completion(out)
        bar.update(out)

    def on_failure(record, reason) -> None:
        out = checker.output_record(record, None, None, settings.model, error=reason)
        failed.append(out)
        bar.update(out)

    try:
        asyncio.run(ask_all(todo, settings, on_answer, on_failure))
    except FatalEndpointError as error:
        journal.close()
        bar.close()
        return EXIT_ERROR, (f"docprompts compress: error: {settings.endpoint} refused the request "
                            f"({error}); completed records are kept for the next run")
    finally:
        bar.close()
    outputs = journal.finish(failed)
    manifest = write_manifest(
        out_path, "compress", outputs, started, started_at, input=str(input_path),
        model=settings.model, endpoint=settings.endpoint,
        settings={"concurrency": settings.concurrency,
                  "requests_per_minute": settings.requests_per_minute,
                  "tokens_per_minute": settings.tokens_per_minute, "retries": settings.retries,
                  "timeout": settings.timeout, "sampling": settings.sampling,
                  "extra_body": settings.extra_body, "min_kept_terms": min_kept_terms},
        requests={"sent": len(todo), "resumed_from_journal": journal.resumed,
                  "reused_from_output": journal.reused_from_output})
    journal.discard()
    code = EXIT_PARTIAL if manifest["failed_requests"] else EXIT_OK
    return code, summary_line("compress", out_path, manifest)


def api_key_from(env_name: str) -> str | None:
    return os.environ.get(env_name) or None
