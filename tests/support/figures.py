"""Figures tests report for docs/reliability.md (``make reliability`` collects them).

When ``ECWID_FIGURES`` names a file, :func:`record` appends one JSON line to it; otherwise it
does nothing, so ordinary test runs are unaffected.
"""

from __future__ import annotations

import json
import os
import threading

_lock = threading.Lock()


def record(kind: str, **values: object) -> None:
    path = os.environ.get("ECWID_FIGURES")
    if not path:
        return
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": kind, **values}) + "\n")
