"""Large answers are hashed and compressed off the event loop (issue 23: four clients asking
for the SQLite file in brotli raised /healthz's p50 from 18 to 265 ms). Speed is measured in
bench/attacks_edge.py (brotli_sqlite_x4); here, where the work runs."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.edge import representation
from app.edge.cache import OFFLOAD_BYTES
from app.main import create_asgi


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_large_body_is_compressed_in_a_worker_thread(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, coding: str
) -> None:
    calls: list[tuple[int, bool, str]] = []
    compress = representation.compress

    def spy(body: bytes, chosen: str) -> bytes:
        calls.append((len(body), _on_event_loop(), threading.current_thread().name))
        return compress(body, chosen)

    monkeypatch.setattr(representation, "compress", spy)
    with TestClient(create_asgi(settings)) as client:
        response = client.get("/v1/export/sqlite", headers={"Accept-Encoding": coding})
        again = client.get("/v1/export/sqlite", headers={"Accept-Encoding": coding})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == coding
    assert again.content == response.content
    # Once per representation (the second is a hit), never on the event loop's thread.
    ((size, on_loop, thread),) = calls
    assert size >= OFFLOAD_BYTES
    assert not on_loop
    assert thread.startswith("compress")


def test_a_small_body_is_compressed_in_place(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    compress = representation.compress

    def spy(body: bytes, chosen: str) -> bytes:
        calls.append(_on_event_loop())
        return compress(body, chosen)

    monkeypatch.setattr(representation, "compress", spy)
    with TestClient(create_asgi(settings)) as client:
        response = client.get("/v1/allies", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    # 21 KB: a few milliseconds, not worth a thread hop.
    assert calls == [True]
