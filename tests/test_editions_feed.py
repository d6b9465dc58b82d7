"""/v1/editions.atom: an Atom feed (RFC 4287) of the editions, newest first, each with what it
changed against the edition before it; read with feedparser, an independent parser."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import feedparser
import pytest
from fastapi.testclient import TestClient

from app.analysis.edition_changes import EditionFigures, common_figures, compare, shares_of
from tests.conftest import data_rows


@pytest.fixture(scope="module")
def feed(client: TestClient) -> feedparser.FeedParserDict:
    response = client.get("/v1/editions.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def printed(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_one_entry_per_edition_newest_first(feed: feedparser.FeedParserDict) -> None:
    editions = sorted(data_rows("editions.csv"), key=lambda e: e["published_on"], reverse=True)
    assert [e.title for e in feed.entries] == [f"{e['id']}: {e['title']}" for e in editions]
    for entry, edition in zip(feed.entries, editions, strict=True):
        published = dt.date(*entry.published_parsed[:3])
        assert published.isoformat() == edition["published_on"]
        terms = [tag.term for tag in entry.tags]
        assert terms[0] == edition["expenditure_definition"]
        base = edition["constant_price_base_year"]
        assert terms[1:] == ([f"prices-{base}"] if base else [])
        assert entry.id.endswith(f"editions/{edition['id']}")
        assert entry.link.endswith(f"/v1/editions/{edition['id']}")
    assert feed.feed.updated.startswith(editions[0]["published_on"])
    assert feed.feed.author == "NATO defence expenditure API"


def test_an_entry_says_who_crossed_2_and_3_5_percent(feed: feedparser.FeedParserDict) -> None:
    latest = feed.entries[0]
    assert latest.title.startswith("2026-07")
    shares = {
        (r["ally_iso3"], int(r["year"])): printed(r["value"])
        for r in data_rows("observations.csv")
        if r["indicator"] == "share_gdp" and r["edition"] == "2026-07"
    }
    year = max(y for _, y in shares)
    now = {a: v for (a, y), v in shares.items() if y == year}
    text = latest.content[0].value
    for threshold in (Decimal(2), Decimal("3.5")):
        at = sorted(a for a, v in now.items() if v >= threshold)
        assert f"at or above {threshold}% in {year}: {len(at)} of {len(now)} allies" in text
        up = sorted(a for a in at if shares[(a, year - 1)] < threshold)
        assert f"crossing against {year - 1}: up {' '.join(up) or '-'};" in text
    assert "definition changed" in text
    assert "largest share_gdp revision:" in text


def test_an_entry_counts_the_pathway_statuses_as_v1_pathways_does(
    client: TestClient, feed: feedparser.FeedParserDict
) -> None:
    for entry in feed.entries[:2]:
        edition = entry.title.split(":")[0]
        summary = client.get(f"/v1/pathways?edition={edition}").json()["summary"]
        counts = ", ".join(
            f"{s} {summary[s]}" for s in ("met", "on_track", "off_track", "insufficient_data")
        )
        assert f"(pace of 3 years, this edition's figures): {counts}" in entry.content[0].value


def test_constant_prices_of_two_base_years_are_left_out(feed: feedparser.FeedParserDict) -> None:
    entry = next(e for e in feed.entries if e.title.startswith("2025-04"))
    assert "(constant-price figures left out: another base year)" in entry.content[0].value


def test_an_edition_without_per_ally_figures_says_so(feed: feedparser.FeedParserDict) -> None:
    entry = next(e for e in feed.entries if e.title.startswith("2025-02"))
    assert "no per-ally figures in this edition" in entry.content[0].value


def test_the_feed_refuses_what_it_cannot_answer(client: TestClient) -> None:
    response = client.get("/v1/editions.atom", headers={"Accept": "application/json"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/editions.atom?format=json").status_code == 422
    assert client.get("/v1/editions.atom?format=atom").status_code == 200


def _edition(
    id_: str, figures: dict[tuple[str, str, int], str], base: int = 2021
) -> EditionFigures:
    return EditionFigures(
        id_, id_, dt.date(int(id_[:4]), 6, 1), "nato_defence_expenditure", base, shares_of(figures)
    )


def test_the_comparison_on_hand_made_editions() -> None:
    old_figures = {
        ("share_gdp", "AAA", 2029): "1.99",
        ("share_gdp", "BBB", 2029): "3.6",
        ("usd_constant", "AAA", 2029): "100",
    }
    new_figures = {
        ("share_gdp", "AAA", 2026): "1.2",
        ("share_gdp", "AAA", 2029): "2.1",
        ("share_gdp", "BBB", 2029): "3.4",
        ("share_gdp", "BBB", 2026): "3.0",
        ("usd_constant", "AAA", 2029): "120",
    }
    old = _edition("2030-06", old_figures, base=2015)
    new = _edition("2031-06", new_figures)
    lines = compare(
        new,
        old,
        common=common_figures(new_figures, old_figures),
        constant_indicators=frozenset({"usd_constant"}),
    ).lines()
    assert lines == [
        "against 2030-06 (2030-06): 2 of 2 common per-ally figures revised "
        "(constant-price figures left out: another base year)",
        "  largest share_gdp revision: BBB 2029 3.6 -> 3.4 (-0.20 pp)",
        "  largest share_gdp revision: AAA 2029 1.99 -> 2.1 (+0.11 pp)",
        "at or above 2% in 2029: 2 of 2 allies",
        "  crossing against 2030-06's 2029: up AAA; down -",
        "at or above 3.5% in 2029: 0 of 2 allies",
        "  crossing against 2030-06's 2029: up -; down BBB",
        "pathways to 3.5% by 2035 (pace of 3 years, this edition's figures): met 0, "
        "on_track 2, off_track 0, insufficient_data 0",
    ]


def test_the_feed_and_the_import_leave_out_the_same_constant_price_indicators() -> None:
    from app.analysis.revisions import constant_price_indicators
    from seed.workbook.rules import CONSTANT_PRICES

    units = {r["id"]: r["unit"] for r in data_rows("indicators.csv")}
    assert constant_price_indicators(units) == CONSTANT_PRICES
