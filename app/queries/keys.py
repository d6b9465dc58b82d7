"""What every request of one dataset version shares, read once per version (issue 22).

The natural keys a request checks its parameters against (ISO3/ISO2 codes, indicator and
edition ids), the allies' names and accession dates and each edition's expenditure definition
change only when the seed runs, and the seed writes a new dataset version. So they are read
once per engine and version, and each request only reads the version, in its own read
transaction: the keys it uses are those of the very snapshot its figures come from (a
re-seed between two requests is seen by the second at once, never half). Before the first
seed (no version) nothing is kept.

Pure Core statements on the tables (no ORM entity, compiled once by SQLAlchemy's cache): on
this small data, the ORM's statement handling cost more than the SELECTs themselves.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from app.models import Ally, DatasetVersion, Edition, Indicator

_allies = Ally.__table__.c
_editions = Edition.__table__.c
_VERSION = (
    select(DatasetVersion.__table__.c.version)
    .order_by(DatasetVersion.__table__.c.id.desc())
    .limit(1)
)
# In the table's own order, as the per-request reads had them (dicts keep it).
_ALLIES = select(_allies.iso3, _allies.iso2, _allies.accession_year, _allies.accession_date)
_ALLY_NAMES = select(_allies.iso3, _allies.name).order_by(_allies.iso3)
_INDICATORS = select(Indicator.__table__.c.id)
_EDITIONS = select(_editions.id, _editions.expenditure_definition).order_by(_editions.published_on)


@dataclass(frozen=True)
class Keys:
    """One dataset version's keys. Read-only: callers copy what they change."""

    version: str
    ally_codes: dict[str, str]  # every accepted spelling (ISO3, ISO2, upper-cased) -> ISO3
    ally_names: dict[str, str]  # ISO3 -> name, in code order
    accessions: dict[str, dt.date]  # ISO3 -> the day it joined (1 January when unknown)
    indicator_ids: tuple[str, ...]
    edition_ids: tuple[str, ...]  # oldest first
    definitions: dict[str, str]  # edition id -> expenditure definition


_KEPT: weakref.WeakKeyDictionary[Engine, Keys] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def keys(session: Session) -> Keys:
    """The keys of the dataset version `session` reads (its read transaction begins here
    when it has not yet). Read once per read transaction: one snapshot, one version."""
    memo = session.info.get(_INFO)
    transaction = session.get_transaction()
    if memo is not None and transaction is not None and memo[0] is transaction:
        return cast(Keys, memo[1])
    found = _keys(session)
    session.info[_INFO] = (session.get_transaction(), found)
    return found


_INFO = "app.queries.keys"


def _keys(session: Session) -> Keys:
    conn = session.connection()
    version = conn.execute(_VERSION).scalar_one_or_none()
    engine = conn.engine
    kept = _KEPT.get(engine)
    if kept is not None and kept.version == version:
        return kept
    found = _read(conn, version or "")
    if version is not None:
        with _LOCK:
            _KEPT[engine] = found
    return found


def _read(conn: Connection, version: str) -> Keys:
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    accessions: dict[str, dt.date] = {}
    for iso3, iso2, year, date in conn.execute(_ALLIES):
        codes[iso3] = iso3
        codes[iso2] = iso3
        accessions[iso3] = date or dt.date(year, 1, 1)
    for iso3, name in conn.execute(_ALLY_NAMES):
        names[iso3] = name
    editions = conn.execute(_EDITIONS).all()
    return Keys(
        version=version,
        ally_codes=codes,
        ally_names=names,
        accessions=accessions,
        indicator_ids=tuple(conn.execute(_INDICATORS).scalars()),
        edition_ids=tuple(edition for edition, _ in editions),
        definitions={edition: definition for edition, definition in editions},  # noqa: C416
    )
