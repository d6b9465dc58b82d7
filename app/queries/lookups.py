"""Natural keys: turn what a client typed (ISO2/ISO3 in any case, ids) into known keys."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, Unprocessable
from app.models import Source
from app.queries.keys import keys


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> str:
    """' Did you mean: A, B?' for the close matches of `word`, or ''."""
    matches = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.5)
    return f" Did you mean: {', '.join(matches)}?" if matches else ""


def ally_codes(session: Session) -> dict[str, str]:
    """Every accepted spelling (ISO3, ISO2, upper-cased) -> ISO3 (read once per dataset
    version, app.queries.keys: do not change it)."""
    return keys(session).ally_codes


def _ally_message(session: Session, code: str) -> str:
    names = {name.upper(): iso3 for iso3, name in keys(session).ally_names.items()}
    codes = ally_codes(session)
    by_name = difflib.get_close_matches(code.upper(), list(names), n=3, cutoff=0.6)
    hint = suggest(code.upper(), sorted(set(codes.values())))
    if by_name:
        hint = f" Did you mean: {', '.join(names[n] for n in by_name)}?"
    return f"No ally {code!r} (use an ISO 3166 alpha-3 or alpha-2 code, e.g. POL or PL).{hint}"


def get_ally_iso3(session: Session, code: str) -> str:
    """The ISO3 of an ally path parameter, or 404 with close matches."""
    iso3 = ally_codes(session).get(code.strip().upper())
    if iso3 is None:
        raise NotFound(_ally_message(session, code))
    return iso3


def ally_filter(session: Session, codes: list[str] | None, parameter: str = "ally") -> list[str]:
    """ISO3 codes of an `ally` query filter (repeatable, or comma-separated); 422 if unknown."""
    if not codes:
        return []
    known = ally_codes(session)
    out: list[str] = []
    for raw in _split(codes):
        iso3 = known.get(raw.upper())
        if iso3 is None:
            raise Unprocessable(
                f"{parameter}: {_ally_message(session, raw)}",
                errors=[{"parameter": parameter, "in": "query", "message": "unknown ally"}],
            )
        if iso3 not in out:
            out.append(iso3)
    return out


def indicator_filter(
    session: Session, ids: list[str] | None, parameter: str = "indicator"
) -> list[str]:
    """Indicator ids of a query filter (repeatable, or comma-separated); 422 if unknown."""
    if not ids:
        return []
    known = keys(session).indicator_ids
    out: list[str] = []
    for raw in _split(ids):
        if raw not in known:
            raise Unprocessable(
                f"{parameter}: {raw!r} is not an indicator.{suggest(raw, known)} "
                "See /v1/indicators.",
                errors=[{"parameter": parameter, "in": "query", "message": "unknown indicator"}],
            )
        if raw not in out:
            out.append(raw)
    return out


def check_indicator(session: Session, indicator_id: str) -> None:
    known = keys(session).indicator_ids
    if indicator_id not in known:
        raise NotFound(
            f"No indicator {indicator_id!r}.{suggest(indicator_id, known)} See /v1/indicators."
        )


def check_source(session: Session, source_id: str) -> None:
    if session.get(Source, source_id) is None:
        known = list(session.scalars(select(Source.id)))
        raise NotFound(f"No source {source_id!r}.{suggest(source_id, known)} See /v1/sources.")


def single_ally(session: Session, code: str, parameter: str = "ally") -> str:
    """The ISO3 of a query parameter that names exactly one ally; 422 otherwise."""
    codes = ally_filter(session, [code], parameter)
    if len(codes) != 1:
        raise Unprocessable(
            f"{parameter}: {code[:40]!r} does not name one ally; give one ISO code, e.g. USA.",
            errors=[{"parameter": parameter, "in": "query", "message": "one ally"}],
        )
    return codes[0]


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_ally_names(session: Session) -> dict[str, str]:
    """Every ally's name by ISO3, in code order."""
    return dict(keys(session).ally_names)


def select_accessions(session: Session) -> dict[str, dt.date]:
    """When each ally joined NATO: the day where known, else 1 January of the year."""
    return dict(keys(session).accessions)
