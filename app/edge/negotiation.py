"""Accept and Accept-Encoding, parsed in one place: which format and which coding to answer."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from app.errors import NotAcceptable


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


MEDIA_TYPES = {
    Format.json: "application/json",
    Format.csv: "text/csv",
    Format.ndjson: "application/x-ndjson",
}
# Media ranges of Accept that each format meets, wildcards aside (a problem+json reader
# takes the JSON of a success).
_MEETS = {
    Format.json: ("application/json", "application/problem+json"),
    Format.csv: ("text/csv",),
    Format.ndjson: ("application/x-ndjson",),
}
ALL_FORMATS = tuple(Format)


def _weighted(header: str) -> list[tuple[str, float]]:
    """The (token, q) pairs of an Accept-style header, in the order sent, tokens lowercased;
    a malformed q counts as 0 (RFC 9110 12.4.2)."""
    pairs: list[tuple[str, float]] = []
    for part in header.split(","):
        pieces = part.split(";")
        token = pieces[0].strip().lower()
        if not token:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        pairs.append((token, q))
    return pairs


def media_ranges(accept: str) -> list[str]:
    """Media ranges of an Accept header, most preferred first (q=0 dropped; ties keep the
    order sent)."""
    ranked = [(-q, index, media) for index, (media, q) in enumerate(_weighted(accept)) if q > 0]
    return [media for _, _, media in sorted(ranked)]


def choose_coding(accept_encoding: str) -> str:
    """br, gzip or identity: the best coding the client accepts (RFC 9110 12.5.3)."""
    weights = dict(_weighted(accept_encoding))
    star = weights.get("*", 0.0)
    br = weights.get("br", star)
    gz = weights.get("gzip", weights.get("x-gzip", star))
    if br > 0 and br >= gz:
        return "br"
    if gz > 0:
        return "gzip"
    return "identity"


def negotiate(
    accept: str | None, explicit: str | None, offered: Sequence[Format] = ALL_FORMATS
) -> Format:
    """`?format=` wins; else the first of `offered` that Accept takes, in the client's order of
    preference (`*/*` and `type/*` take the first offered of that type); no Accept: the first
    offered. Anything else is a 406 that names what this resource offers."""
    if explicit is not None:
        for fmt in offered:
            if explicit == fmt.value:
                return fmt
        raise not_acceptable(f"format={explicit[:40]}", offered)
    if not accept:
        return offered[0]
    for media in media_ranges(accept):
        for fmt in offered:
            if media in _MEETS[fmt] or media == "*/*":
                return fmt
            if media.endswith("/*") and MEDIA_TYPES[fmt].startswith(media[:-1]):
                return fmt
    raise not_acceptable(f"Accept: {accept[:200]}", offered)


def not_acceptable(asked: str, offered: Sequence[Format | str]) -> NotAcceptable:
    """The one 406 of the API: what was asked, and every representation this resource offers
    (media type and `format=` value), also listed in the `available` member."""
    offers = [
        f"{MEDIA_TYPES[o]} (format={o.value})" if isinstance(o, Format) else o for o in offered
    ]
    listing = offers[0] if len(offers) == 1 else ", ".join(offers[:-1]) + " or " + offers[-1]
    only = " only" if len(offers) == 1 else ""
    return NotAcceptable(
        f"Cannot answer with {asked}. This resource is available as {listing}{only}.",
        available=[MEDIA_TYPES[o] if isinstance(o, Format) else o.split(" ")[0] for o in offered],
    )
