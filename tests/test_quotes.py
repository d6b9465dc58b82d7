"""/v1/quotes, /v1/quotes/{id} and /v1/speakers."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows

TWENTY_THREE = "jens-stoltenberg-2024-06-17-twenty-three-allies-are-going-to"


def quote_row(quote_id: str) -> dict[str, str]:
    return next(r for r in data_rows("quotes.csv") if r["id"] == quote_id)


def test_search_a_word_of_a_quote(client: TestClient) -> None:
    response = client.get("/v1/quotes", params={"q": "TWENTY-THREE"})
    assert response.status_code == 200
    body = response.json()
    row = quote_row(TWENTY_THREE)
    assert body["items"] == [
        {
            "id": TWENTY_THREE,
            "speaker": row["speaker"],
            "role": row["role"],
            "said_on": row["said_on"],
            "text": row["text"],
            "language": "en",
            "source": row["source_id"],
            "context": row["context"] or None,
            "verification": row["verification"],
        }
    ]
    assert body["total"] == 1


def test_search_is_accent_insensitive(client: TestClient) -> None:
    body = client.get("/v1/quotes", params={"q": "espana invirtio"}).json()
    assert [i["language"] for i in body["items"]] == ["es"]
    assert "España invirtió" in body["items"][0]["text"]


def test_every_word_must_match(client: TestClient) -> None:
    both = client.get("/v1/quotes", params={"q": "ukraine prevail"}).json()
    assert [i["id"] for i in both["items"]] == [
        "jens-stoltenberg-2024-03-14-ukraine-must-prevail-as-an-independent"
    ]


def test_like_wildcards_are_literal(client: TestClient) -> None:
    # Unescaped, "_" would match every quote.
    rows = data_rows("quotes.csv")
    underscores = sum("_" in r["speaker"] + r["text"] + r["context"] for r in rows)
    assert underscores < len(rows)
    assert client.get("/v1/quotes", params={"q": "_"}).json()["total"] == underscores
    body = client.get("/v1/quotes", params={"q": "2%"}).json()
    assert body["total"] == sum("2%" in r["text"] + r["context"] for r in data_rows("quotes.csv"))


def test_filters(client: TestClient) -> None:
    rows = data_rows("quotes.csv")
    body = client.get("/v1/quotes", params={"speaker": "mark rutte"}).json()
    assert body["total"] == sum(r["speaker"] == "Mark Rutte" for r in rows)
    body = client.get("/v1/quotes", params={"from": "2025-02-12", "to": "2025-02-12"}).json()
    assert body["total"] == sum(r["said_on"] == "2025-02-12" for r in rows)
    body = client.get("/v1/quotes", params={"verification": "official_nato_page_read"}).json()
    assert body["total"] == sum(r["verification"] == "official_nato_page_read" for r in rows)
    dates = [i["said_on"] for i in client.get("/v1/quotes").json()["items"]]
    assert dates == sorted(dates, reverse=True)


def test_pagination(client: TestClient) -> None:
    response = client.get("/v1/quotes", params={"limit": 5, "offset": 5})
    body = response.json()
    assert body["total"] == len(data_rows("quotes.csv"))
    assert len(body["items"]) == 5
    assert body["next"] == "/v1/quotes?limit=5&offset=10"
    assert body["prev"] == "/v1/quotes?limit=5&offset=0"
    assert 'rel="next"' in response.headers["link"]


def test_csv(client: TestClient) -> None:
    response = client.get(
        "/v1/quotes", params={"q": "twenty-three"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = response.text.split("\r\n")
    assert lines[0] == "id,speaker,role,said_on,text,language,source,context,verification"
    assert lines[1].startswith(f"{TWENTY_THREE},Jens Stoltenberg,")


def test_get_one_quote(client: TestClient) -> None:
    body = client.get(f"/v1/quotes/{TWENTY_THREE}").json()
    assert body["text"] == quote_row(TWENTY_THREE)["text"]


def test_unknown_quote_is_404_with_suggestion(client: TestClient) -> None:
    response = client.get("/v1/quotes/jens-stoltenberg-2024-06-17-twenty-three-allies")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "/problems/not-found"
    assert TWENTY_THREE in body["detail"]


def test_speakers_with_counts(client: TestClient) -> None:
    body = client.get("/v1/speakers").json()
    counts = Counter(r["speaker"] for r in data_rows("quotes.csv"))
    assert {i["speaker"]: i["quotes"] for i in body["items"]} == dict(counts)
    assert body["total"] == len(counts)
    assert body["items"][0]["speaker"] == counts.most_common(1)[0][0]
    csv = client.get("/v1/speakers", params={"format": "csv"}).text
    assert csv.startswith("speaker,quotes,first_said_on,last_said_on\r\n")


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"verification": "verified"}, 422, "unprocessable"),
        ({"from": "2025-03-01", "to": "2025-01-01"}, 422, "unprocessable"),
        ({"from": "yesterday"}, 422, "invalid-parameters"),
        ({"limit": 0}, 422, "invalid-parameters"),
        ({"search": "nato"}, 400, "unknown-parameter"),
    ],
)
def test_errors(client: TestClient, params: dict[str, object], status: int, slug: str) -> None:
    response = client.get("/v1/quotes", params=params)
    assert response.status_code == status
    assert response.json()["type"] == f"/problems/{slug}"


def test_one_quote_is_json_only(client: TestClient) -> None:
    response = client.get(f"/v1/quotes/{TWENTY_THREE}", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert response.json()["type"] == "/problems/not-acceptable"
