"""Answers pinned to published editions, which never change: a route declares one on the
request scope (`pin_answer`) and the response cache serves it as immutable."""

from __future__ import annotations

from starlette.types import Scope

IMMUTABLE = b"public, max-age=31536000, immutable"
# The scope key a route sets when its answer is pinned to published editions (immutable).
PINNED = "nato.pinned"


def pin_answer(scope: Scope) -> None:
    """Declare the answer of this request pinned to editions, which never change: the cache
    serves it as immutable."""
    scope[PINNED] = True
