"""Analysts' readers on answers by URL, as they fetch them: polars (a HEAD, then ranged GETs)."""

from __future__ import annotations

import csv
import io

import httpx
import polars as pl
import pytest

# Text columns polars would otherwise infer as numbers ("2.00" would lose its zeros).
TEXT = {"value_text": pl.String, "notes": pl.String}


def published(live_server: str, path: str) -> list[dict[str, str]]:
    """The answer's rows as the CSV module reads them, every cell as sent."""
    body = httpx.get(f"{live_server}{path}", timeout=60).text
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("path", ["/v1/observations.csv", "/v1/observations.csv?ally=POL"])
def test_polars_reads_a_whole_csv_by_url(live_server: str, path: str) -> None:
    rows = published(live_server, path)
    frame = pl.read_csv(f"{live_server}{path}", schema_overrides=TEXT)
    assert frame.columns == list(rows[0])
    assert frame.height == len(rows)
    assert frame["value_text"].to_list() == [row["value_text"] or None for row in rows]
    assert frame.schema["year"] == pl.Int64
    assert frame.schema["value"] == pl.Float64
    assert frame.schema["is_estimate"] == pl.Boolean


def test_polars_reads_a_whole_ndjson_by_url(live_server: str) -> None:
    rows = published(live_server, "/v1/observations.csv")
    frame = pl.read_ndjson(f"{live_server}/v1/observations.ndjson")
    assert frame.height == len(rows)
    assert frame["value_text"].to_list() == [row["value_text"] or None for row in rows]
    assert frame.schema["value_text"] == pl.String


def test_polars_scans_lazily_by_url(live_server: str) -> None:
    rows = [row for row in published(live_server, "/v1/observations.csv") if row["ally"] == "POL"]
    poland = (
        pl.scan_csv(f"{live_server}/v1/observations.csv", schema_overrides=TEXT)
        .filter(pl.col("ally") == "POL")
        .collect()
    )
    assert poland["value_text"].to_list() == [row["value_text"] or None for row in rows]
    assert pl.scan_ndjson(f"{live_server}/v1/observations.ndjson").collect().height == len(
        published(live_server, "/v1/observations.csv")
    )
