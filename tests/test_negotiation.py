"""Accept and Accept-Encoding parsing: the order of preference, q-values, and the coding chosen."""

from __future__ import annotations

import pytest

from app.edge.negotiation import choose_coding, media_ranges
from app.errors import NotAcceptable
from app.formats import Format, negotiate
from app.formats.xlsx import XLSX_TYPE


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("", []),
        ("text/csv", ["text/csv"]),
        ("text/csv;q=0.5, application/json", ["application/json", "text/csv"]),
        ("image/svg+xml; q=0.9, */*;q=0.1, TEXT/HTML", ["text/html", "image/svg+xml", "*/*"]),
        ("a/b;q=0.5, c/d;q=0.5", ["a/b", "c/d"]),
        ("application/json;q=0, text/csv", ["text/csv"]),
        ("application/json;q=bad, text/csv;level=1", ["text/csv"]),
        (" , ;q=1, text/*", ["text/*"]),
    ],
)
def test_media_ranges_most_preferred_first_refused_dropped(header: str, ranges: list[str]) -> None:
    assert media_ranges(header) == ranges


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("", "identity"),
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("*", "br"),
        ("identity", "identity"),
        ("x-gzip", "gzip"),
        ("GZIP;q=bad", "identity"),
    ],
)
def test_choose_coding_takes_the_best_coding_the_client_accepts(header: str, coding: str) -> None:
    assert choose_coding(header) == coding


@pytest.mark.parametrize(
    ("accept", "explicit", "chosen"),
    [
        (None, None, Format.json),
        ("text/csv;q=0.9, application/json;q=0.8", None, Format.csv),
        ("text/*", None, Format.csv),
        ("application/problem+json", None, Format.json),
        ("image/png", Format.csv, Format.csv),
    ],
)
def test_negotiate_prefers_format_then_accept(
    accept: str | None, explicit: Format | None, chosen: Format
) -> None:
    assert negotiate(accept, explicit) is chosen


def test_negotiate_refuses_an_accept_it_cannot_meet() -> None:
    with pytest.raises(NotAcceptable) as refused:
        negotiate("image/png, text/csv;q=0", None)
    assert refused.value.detail == (
        "Cannot answer with Accept: image/png, text/csv;q=0. This resource is available as "
        "application/json (format=json), text/csv (format=csv), application/x-ndjson "
        "(format=ndjson) or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
        "(format=xlsx)."
    )
    assert refused.value.extra == {
        "available": ["application/json", "text/csv", "application/x-ndjson", XLSX_TYPE]
    }
