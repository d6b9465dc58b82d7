"""Accept and Accept-Encoding, parsed in one place: which format and which coding to answer."""

from __future__ import annotations

from enum import StrEnum

from app.errors import NotAcceptable


class Format(StrEnum):
    json = "json"
    csv = "csv"


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


def negotiate(accept: str | None, explicit: Format | None) -> Format:
    """`?format=` wins; else the first acceptable of JSON or CSV in Accept; else 406."""
    if explicit is not None:
        return explicit
    if not accept:
        return Format.json
    for media in media_ranges(accept):
        if media in ("application/json", "application/*", "*/*", "application/problem+json"):
            return Format.json
        if media in ("text/csv", "text/*"):
            return Format.csv
    raise NotAcceptable(
        f"Cannot answer with any of Accept: {accept[:200]}. "
        "This resource is available as application/json or text/csv "
        "(or add ?format=json / ?format=csv)."
    )
