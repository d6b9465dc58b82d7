"""The development access log: batched lines equal to what structlog's console renderer prints."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import structlog

from app.edge.access_log import ReadableAccessLog
from app.edge.metrics import Record

RECORDS: list[Record] = [
    ("GET", "/v1/meta", "/v1/meta", 200, 10.0, 10.0001234, b"0123456789abcdef"),
    ("GET", "/v1/allies?q=a b", "/v1/allies", 200, 10.0, 10.5, b"trace-42"),
    ("HEAD", "/x'y\"z=1\t", "<unmatched>", 404, 10.0, 12.25, b"id"),
    ("BREW", "/é", "<unmatched>", 405, 10.0, 10.0, b"id:2"),
]
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z ")


def test_readable_lines_are_the_console_renderers(capsys: pytest.CaptureFixture[str]) -> None:
    # app.logging renders every other development line with this renderer: an access line
    # must read the same, only written a batch at a time.
    renderer = structlog.dev.ConsoleRenderer(colors=False)
    ReadableAccessLog().write(RECORDS)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(RECORDS)
    for line, (method, path, route, status, started, finished, request_id) in zip(
        lines, RECORDS, strict=True
    ):
        stamp = STAMP.match(line)
        assert stamp is not None
        expected = renderer(
            None,
            "info",
            {
                "event": "request",
                "method": method,
                "path": path,
                "route": route,
                "status": status,
                "duration_ms": round((finished - started) * 1000, 3),
                "request_id": request_id.decode(),
                "level": "info",
            },
        )
        assert line[stamp.end() :] == expected


def test_readable_lines_are_stamped_with_the_time_the_answer_was_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Lines are written up to a batch later: the stamp is the answer's, not the write's.
    sent = time.perf_counter() - 3600
    ReadableAccessLog().write([("GET", "/", "/", 200, sent, sent, b"id")])
    stamp = capsys.readouterr().out.split(" ", 1)[0]
    written = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    assert abs(written - (time.time() - 3600)) < 60


def test_readable_lines_go_out_whole_in_pipe_sized_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in production: a batch is a few writes of whole lines of at most PIPE_BUF bytes,
    # not a write per line (the cost that halved cached throughput in development).
    writes: list[str] = []
    monkeypatch.setattr("sys.stdout.write", writes.append)
    monkeypatch.setattr("sys.stdout.flush", lambda: None)
    ReadableAccessLog().write(RECORDS * 64)
    lines = "".join(writes).splitlines()
    assert len(lines) == len(RECORDS) * 64
    assert len(writes) < len(lines) / 10
    assert all(w.endswith("\n") and len(w.encode()) <= 4096 for w in writes)
