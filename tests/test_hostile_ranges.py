"""Hostile Range and If-Range headers (issue 23): parsing never raises. A Range position of
4,300+ digits (more than int() converts) and an If-Range date in the year 99999999999 were
500s with a traceback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.test_hardening import assert_problem

HUGE = "9" * 4400  # more digits than int() converts (sys.get_int_max_str_digits: 4300)


def _stored(client: TestClient, url: str) -> bytes:
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    return response.content


def test_a_range_with_thousands_of_digits_is_a_416_or_the_whole_answer(
    client: TestClient,
) -> None:
    url = "/v1/allies"
    whole = _stored(client, url)
    plain = {"Accept-Encoding": "identity"}
    past_the_end = client.get(url, headers={**plain, "Range": f"bytes={HUGE}-"})
    assert_problem(past_the_end, 416, "/problems/range-not-satisfiable")
    assert past_the_end.headers["content-range"] == f"bytes */{len(whole)}"
    to_the_end = client.get(url, headers={**plain, "Range": f"bytes=0-{HUGE}"})
    assert to_the_end.status_code == 206
    assert to_the_end.content == whole
    suffix = client.get(url, headers={**plain, "Range": f"bytes=-{HUGE}"})
    assert suffix.status_code == 206
    assert suffix.content == whole
    assert suffix.headers["content-range"] == f"bytes 0-{len(whole) - 1}/{len(whole)}"


@pytest.mark.parametrize(
    "if_range",
    [
        "Mon, 07 Dec 99999999999 12:00:00 GMT",
        "Mon, 07 Dec 2026 12:00:00 +99999999",
        "Fri, 31 Dec 9999 23:59:59 -2359",
        "Sat, 01 Jan 0001 00:00:00 +2359",
        "Mon, 07 Dec 2026 99:99:99 GMT",
        "Mon, 07 Dec " + HUGE + " 12:00:00 GMT",
    ],
)
def test_an_absurd_if_range_date_is_ignored(client: TestClient, if_range: str) -> None:
    url = "/v1/allies"
    whole = _stored(client, url)
    headers = {"Accept-Encoding": "identity", "Range": "bytes=0-9", "If-Range": if_range}
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.content == whole


@pytest.mark.parametrize(
    "since", ["Mon, 07 Dec 99999999999 12:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359"]
)
def test_an_absurd_if_modified_since_is_ignored(client: TestClient, since: str) -> None:
    url = "/v1/allies"
    whole = _stored(client, url)
    response = client.get(url, headers={"Accept-Encoding": "identity", "If-Modified-Since": since})
    assert response.status_code in (200, 304)
    if response.status_code == 200:
        assert response.content == whole
