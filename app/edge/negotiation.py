"""Accept and Accept-Encoding, parsed in one place: which of a resource's offers and which
coding to answer. Generic: the offers themselves (formats, citation styles, SVG) are the
app's (app/formats/registry.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import NotAcceptable


@dataclass(frozen=True)
class Offer:
    """One representation a resource offers: its `format=` value, its media type (as a 406
    lists it) and the Accept media ranges it meets besides its own type and the wildcards."""

    value: str
    media_type: str
    meets: tuple[str, ...] = ()


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


def choose(accept: str | None, explicit: str | None, offered: Sequence[Offer]) -> Offer:
    """`?format=` wins; else the first of `offered` that Accept takes, in the client's order of
    preference (`*/*` and `type/*` take the first offered of that type); no Accept: the first
    offered. Anything else is a 406 that names what this resource offers."""
    if explicit is not None:
        for offer in offered:
            if explicit == offer.value:
                return offer
        raise not_acceptable(f"format={explicit[:40]}", offered)
    if not accept:
        return offered[0]
    for media in media_ranges(accept):
        for offer in offered:
            if media == offer.media_type or media in offer.meets or media == "*/*":
                return offer
            if media.endswith("/*") and offer.media_type.startswith(media[:-1]):
                return offer
    raise not_acceptable(f"Accept: {accept[:200]}", offered)


def not_acceptable(asked: str, offered: Sequence[Offer]) -> NotAcceptable:
    """The one 406 of the API: what was asked, and every representation this resource offers
    (media type and `format=` value), also listed in the `available` member."""
    offers = [f"{o.media_type} (format={o.value})" for o in offered]
    listing = offers[0] if len(offers) == 1 else ", ".join(offers[:-1]) + " or " + offers[-1]
    only = " only" if len(offers) == 1 else ""
    return NotAcceptable(
        f"Cannot answer with {asked}. This resource is available as {listing}{only}.",
        available=[o.media_type for o in offered],
    )
