"""A request's cache identity: what its answer depends on as sent (path, query, Accept,
Accept-Encoding, Host, Origin), and the query normalised (parameters sorted by name).

Accept is reduced to what negotiation can act on (`AcceptKey`): the media ranges that meet
some representation the API offers, in the client's order of preference, up to the first
`*/*`. Negotiation (app.edge.negotiation.choose) takes the first range, in that order, that
meets an offer of the resource, so ranges that meet no offer anywhere never change an answer:
`Accept: */*, x/y1` and `*/*, x/y2` share one entry (issue 23: each junk Accept was a
fresh render and a new entry)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import Scope

from app.edge.negotiation import Offer, media_ranges


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


class AcceptKey:
    """The part of an Accept header that can change an answer, given every offer of the API
    (module docstring); without offers, the header itself, spaces and case folded."""

    def __init__(self, offers: Iterable[Offer] | None) -> None:
        listed = list(offers or ())
        self.known = bool(listed)
        self.meets = frozenset(o.media_type for o in listed) | frozenset(
            media for o in listed for media in o.meets
        )
        self.meets |= {o.media_type.split("/")[0] + "/*" for o in listed} | {"*/*"}

    def __call__(self, accept: str) -> str:
        if not self.known:
            return accept.replace(" ", "").lower()
        if not accept:
            return ""  # no Accept: the resource's first offer
        kept: list[str] = []
        for media in media_ranges(accept):
            if media in self.meets and media not in kept:
                kept.append(media)
                if media == "*/*":
                    break
        return ",".join(kept) or "(none)"  # nothing offered anywhere: a 406 everywhere
