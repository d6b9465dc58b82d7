"""The editions feed as Atom (RFC 4287): one entry per edition, newest first, with what it
changed against the edition before it. Pure writing from compared editions.

Ids are tag URIs (RFC 4151) and links are relative (resolved against the feed's own URL), so
the document is the same whatever host serves it, and can be cached as any other answer.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from app.analysis.edition_changes import EditionChanges

ATOM_MEDIA_TYPE = "application/atom+xml"
ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:nato-defence-expenditure-api,2026:"
FEED_PATH = "/v1/editions.atom"
DEFINITIONS = {
    "nato_defence_expenditure": "NATO's definition of defence expenditure (before 2025)",
    "core_defence_expenditure": "core defence expenditure (the 2025 Hague definition)",
}


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, attrs)
    if text is not None:
        element.text = text
    return element


def entry_text(changes: EditionChanges) -> str:
    """The entry's content: the edition's facts, then the comparison's lines."""
    edition = changes.edition
    base = (
        f"constant prices of {edition.price_base_year}"
        if edition.price_base_year
        else "no constant-price base year stated"
    )
    head = [
        f"{edition.title}, published {edition.published_on.isoformat()}.",
        f"Definition: {DEFINITIONS.get(edition.definition, edition.definition)}; {base}.",
    ]
    return "\n".join([*head, *changes.lines()]) + "\n"


def atom_feed(editions: Sequence[EditionChanges], *, api_version: str) -> bytes:
    """The feed of `editions` (newest first)."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _sub(feed, "id", f"{TAG}editions")
    _sub(feed, "title", "NATO defence expenditure: report editions")
    _sub(
        feed,
        "subtitle",
        "Each edition of NATO's defence-expenditure figures as this API holds it, with what "
        "it changed against the edition before it.",
    )
    newest = max((c.edition.published_on for c in editions), default=dt.date(1949, 4, 4))
    _sub(feed, "updated", _timestamp(newest))
    _sub(feed, "link", rel="self", href=FEED_PATH, type=ATOM_MEDIA_TYPE)
    _sub(feed, "link", rel="alternate", href="/v1/editions", type="application/json")
    author = _sub(feed, "author")
    _sub(author, "name", "NATO defence expenditure API")
    _sub(feed, "generator", "NATO defence expenditure API", version=api_version)
    for changes in editions:
        edition = changes.edition
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{TAG}editions/{edition.id}")
        _sub(entry, "title", f"{edition.id}: {edition.title}")
        _sub(entry, "published", _timestamp(edition.published_on))
        _sub(entry, "updated", _timestamp(edition.published_on))
        _sub(entry, "link", rel="alternate", href=f"/v1/editions/{edition.id}")
        _sub(
            entry,
            "category",
            term=edition.definition,
            label=DEFINITIONS.get(edition.definition, edition.definition),
        )
        if edition.price_base_year:
            _sub(
                entry,
                "category",
                term=f"prices-{edition.price_base_year}",
                label=f"constant prices of {edition.price_base_year}",
            )
        _sub(entry, "content", entry_text(changes), type="text")
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
