"""The warm-up a second after start (``http/app.py``) and the heap it freezes."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ecwid_customers import server
from ecwid_customers.http import app
from ecwid_customers.storage.urls import DATABASE_URL_ENV


def test_the_warm_up_freezes_the_heap_only_in_the_servers_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = gc.get_freeze_count()
    app._warm_up()
    assert gc.get_freeze_count() == before  # a process embedding the app keeps its collector
    monkeypatch.setattr(app, "FREEZE_HEAP", True)
    try:
        app._warm_up()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_worker_process_is_the_servers_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(app, "FREEZE_HEAP", False)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'w.db'}")
    server.worker_app()
    assert app.FREEZE_HEAP
