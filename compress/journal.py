"""The journal of a compression run: what is already done, so a killed run asks only for the rest.

The journal is the crawl's own atomic writer (``output.jsonl.AtomicJsonlWriter``): each output
record is appended to ``<OUT>.part`` and handed to the OS the moment its completion arrives, so
a run killed at any moment (SIGKILL included) loses at most the requests in flight. ``finish``
writes OUT whole, in the corpus's order, each record once, verified, and renames it into place.

A completion is reused when its key (record id + sha256 of the prompt + model) is wanted by the
corpus being compressed: from the ``.part`` of a killed run, then from a finished OUT (after a
re-crawl, only the changed prompts are asked again). A reused completion is checked again by
today's checks. Failed requests are never journaled as done: the next run asks them again.
"""
from __future__ import annotations

from pathlib import Path

from output.jsonl import AtomicJsonlWriter, BadJsonl, read_jsonl

from .results import Checker, journal_key, key_of


class CompletionJournal:
    def __init__(self, out_path: str | Path, records: list[dict], model: str, checker: Checker,
                 fresh: bool = False) -> None:
        self.model = model
        self.checker = checker
        self.position = {record["id"]: number for number, record in enumerate(records)}
        self.wanted = {journal_key(record["id"], record["prompt"], model): record for record in records}
        self.done: dict[str, dict] = {}
        self.writer = AtomicJsonlWriter(out_path, resume=not fresh)
        for offset, length, stored in self.writer.recovered:
            if self._reusable(stored):
                rechecked = checker.recheck(stored)
                if rechecked == stored:
                    self.writer.add_existing(self._sort_key(stored), offset, length)
                else:
                    self.writer.write(rechecked, self._sort_key(rechecked))
                self.done[key_of(stored)] = rechecked
        self.resumed = len(self.done)
        if not fresh:
            for stored in self._finished_output(Path(out_path)):
                if self._reusable(stored):
                    self._keep(checker.recheck(stored))
        self.reused_from_output = len(self.done) - self.resumed
        self.writer.flush()

    def _reusable(self, stored: dict) -> bool:
        try:
            return stored.get("completion") is not None and key_of(stored) in self.wanted \
                and key_of(stored) not in self.done
        except (KeyError, TypeError, AttributeError):
            return False        # a line of something else: never trusted as a result

    @staticmethod
    def _finished_output(path: Path) -> list[dict]:
        if not path.is_file():
            return []
        try:
            return read_jsonl(path)
        except (BadJsonl, UnicodeDecodeError, OSError):
            return []           # not ours to reuse; it is replaced when this run finishes

    def _sort_key(self, out: dict) -> tuple:
        return (self.position[out["id"]],)

    def _keep(self, out: dict) -> None:
        self.writer.write(out, self._sort_key(out))
        self.done[key_of(out)] = out

    def todo(self) -> list[dict]:
        """The records still to ask for, in corpus order."""
        return [record for key, record in self.wanted.items() if key not in self.done]

    def record_completion(self, out: dict) -> None:
        """Journal one completed record now: it survives a kill from this moment on."""
        self._keep(out)
        self.writer.flush()

    def finish(self, failed: list[dict]) -> list[dict]:
        """Write OUT: every completed record plus the failed ones (once each, corpus order).
        Returns the output records in that order. The ``.part`` stays until ``discard``."""
        for out in failed:
            self.writer.write(out, self._sort_key(out))
        self.writer.finish()
        outputs = list(self.done.values()) + failed
        return sorted(outputs, key=self._sort_key)

    def close(self) -> None:
        self.writer.close()

    def discard(self) -> None:
        self.writer.discard_journal()
