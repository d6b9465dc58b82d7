"""The dataset version the response cache keys on, re-read at most every few seconds in a
worker thread: the cache's one signal that a re-seed changed the data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import anyio.to_thread


class VersionProbe:
    """The dataset version, re-read at most every `interval` seconds (0: on every call).

    One read at a time: while it runs, callers get the version known before it, or, when
    none is known yet (the first read after start), wait for it; so the requests of a
    burst at start-up are cached like any other (issue 12: they bypassed the cache).
    With `interval` 0 each call reads for itself: a read begun before a re-seed committed
    must not answer a request that arrived after it (that request then joined a render of
    the old dataset, a stale answer right after a re-seed)."""

    def __init__(self, read: Callable[[], str | None], interval: float) -> None:
        self._read = read
        self._interval = interval
        self.version: str | None = None
        self.next_check = 0.0
        self._reading: asyncio.Future[str | None] | None = None

    async def current(self) -> str | None:
        """The version to serve now, re-read when due."""
        if self._interval <= 0:
            return await anyio.to_thread.run_sync(self._safe_read)
        if self._reading is not None:
            if self.version is not None:
                return self.version
            return await asyncio.shield(self._reading)
        if time.perf_counter() < self.next_check:
            return self.version
        return await self.refresh()

    async def refresh(self) -> str | None:
        """Re-read the version in a worker thread (the event loop never waits on the DB)."""
        reading = self._reading = asyncio.get_running_loop().create_future()
        try:
            self.version = await anyio.to_thread.run_sync(self._safe_read)
        finally:
            self._reading = None
            self.next_check = time.perf_counter() + self._interval
            reading.set_result(self.version)
        return self.version

    def _safe_read(self) -> str | None:
        try:
            return self._read()
        except Exception:
            # Unreadable (database down, not migrated): pass requests through to the
            # application, which answers 503 in the API's one error shape.
            return None
