"""The hostile site's plugin: misbehaves in the page workers when a page's release link says so.

``label_to_version`` runs in the worker for every release link of a page; its label is the
command: ``raise`` (an exception), ``kill`` (SIGKILL of the worker, as the OOM killer does),
``kill-once`` (only the first time: a marker file in ``$HOSTILE_MARKERS``), ``sleep`` (longer
than any page time limit the tests set).
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def label_to_version(label: str, slug: str) -> str:
    command = label.strip()
    if command == "raise":
        raise RuntimeError("the plugin failed on this page")
    if command == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if command == "kill-once":
        marker = Path(os.environ["HOSTILE_MARKERS"]) / f"killed-{slug}"
        if not marker.exists():
            marker.write_text("once")
            os.kill(os.getpid(), signal.SIGKILL)
    if command == "sleep":
        time.sleep(float(os.environ.get("HOSTILE_SLEEP", "60")))
    return slug
