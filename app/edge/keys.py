"""A request's cache identity: what its answer depends on as sent (path, query, Accept,
Accept-Encoding, Host, Origin), and the query normalised (parameters sorted by name)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import Scope


@dataclass(frozen=True, slots=True)
class Key:
    """A request's cache identity (`id`) and what a miss needs to render it."""

    id: str
    query: tuple[tuple[str, str], ...]
    coding: str


RawKey = tuple[str, bytes, bytes, bytes, bytes, bytes]


def raw_key(scope: Scope, headers: dict[bytes, bytes]) -> RawKey:
    """What a request's answer depends on, as sent: path, query, Accept, Accept-Encoding,
    Host, Origin. Normalised (and memoised) into a Key by ResponseCache._key."""
    return (
        scope["path"],
        scope["query_string"],
        headers.get(b"accept", b""),
        headers.get(b"accept-encoding", b""),
        headers.get(b"host", b""),
        headers.get(b"origin", b""),
    )


def normalize_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Parameters sorted by name; a repeated parameter keeps its values' order (stable sort)."""
    if not raw:
        return ()
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return tuple(sorted(pairs, key=lambda pair: pair[0]))
