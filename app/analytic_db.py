"""The SQLite download as an analytic database: the API's collections as tables (the CSV's
column names, `value` REAL beside `value_text` TEXT), views for the common questions, and
`metadata` and `README` tables; no migration or internal table.

Tables: `observations` (every per-ally figure of every edition, the items of
/v1/observations?edition=ID for each edition), `aggregates` (NATO's published group figures),
`allies`, `indicators`, `editions`, `sources`, `quotes` (the items of their collections).
Views: `latest_observations` (for each indicator, ally and year, the figures of the newest
edition that has one: the API's default edition rule) and `compliance_inputs` (the latest
share of GDP of each ally and year, with what a 2% check needs to know about it). Columns are
typed from the item models: integers INTEGER, numbers REAL, booleans INTEGER 0/1, dates ISO
TEXT, lists space-separated TEXT (as in the CSV); missing is NULL, never 0.

Deterministic: the same data gives the same bytes (the metadata's `generated_at` is the
dataset's load time), so replicas agree on its ETag.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import __license__, __version__
from app.analysis.editions import EditionRule
from app.models import Aggregate, Edition
from app.queries.allies import select_allies
from app.queries.catalog import select_editions, select_indicators, select_sources
from app.queries.citation import DATASET_TITLE
from app.queries.meta import select_dataset, select_edition_summaries
from app.queries.observations import select_observations
from app.queries.quotes import QuoteFilters, select_quotes
from app.schemas import Schema
from app.schemas.allies import AllyRead
from app.schemas.catalog import EditionRead, IndicatorRead, SourceRead
from app.schemas.observations import ObservationRead
from app.schemas.quotes import QuoteRead
from app.terms import how_to_cite

LICENCE = (
    "The figures are NATO's and their publishers' (each row names its source); no licence for "
    f"them is given here. The API's code is under the {__license__} licence."
)


class AggregateRead(Schema):
    """One published group figure (NATO_TOTAL, NATO_EUROPE_CANADA, ...), as in the zip."""

    aggregate: str = Field(description="The group: NATO_TOTAL, NATO_EUROPE_CANADA, ...")
    indicator: str = Field(description="Indicator id (see the indicators table).")
    year: int = Field(description="Year the figure is about.")
    value: float | None = Field(description="The figure as a number; NULL when not numeric.")
    value_text: str | None = Field(description="The figure's text exactly as published.")
    qualifier: str | None = Field(description="NATO's wording when the figure is not a number.")
    unit: str = Field(description="Unit of the figure as published.")
    edition: str = Field(description="Edition the figure comes from.")
    is_estimate: bool = Field(description="1 when the edition marks the year as an estimate.")
    source: str = Field(description="Id of the source the figure was read from.")
    notes: str | None = Field(description="Remarks specific to this figure.")
    edition_published_on: dt.date | None = Field(description="Publication date of the edition.")


@dataclass(frozen=True)
class Table:
    name: str
    model: type[BaseModel]
    rows: Callable[[Session], Iterable[Any]]
    about: str
    indexes: Sequence[Sequence[str]] = ()


def _observations(session: Session) -> Iterable[Any]:
    for edition in session.scalars(select(Edition.id).order_by(Edition.published_on)):
        rows, _ = select_observations(session, rule=EditionRule(edition=edition), limit=None)
        yield from rows


def _aggregates(session: Session) -> Iterable[Any]:
    a = Aggregate
    return session.execute(
        select(
            a.aggregate,
            a.indicator_id.label("indicator"),
            a.year,
            a.value_num.label("value"),
            a.value.label("value_text"),
            a.qualifier,
            a.unit,
            a.edition_id.label("edition"),
            a.is_estimate,
            a.source_id.label("source"),
            a.notes,
            a.published_on.label("edition_published_on"),
        ).order_by(a.id)
    )


TABLES = (
    Table(
        "observations",
        ObservationRead,
        _observations,
        "Every per-ally figure of every edition, as /v1/observations?edition=ID answers it for "
        "each edition. `value` is the figure as a number, `value_text` its exact published "
        "text (keeps trailing zeros; use it for exact decimal arithmetic).",
        (("indicator", "ally", "year"), ("edition",), ("ally", "indicator")),
    ),
    Table(
        "aggregates",
        AggregateRead,
        _aggregates,
        "NATO's published group figures (NATO_TOTAL, NATO_EUROPE_CANADA, ...), edition by "
        "edition; `value` is NULL where the text is not a number (see `qualifier`).",
        (("indicator", "aggregate", "year"),),
    ),
    Table("allies", AllyRead, select_allies, "The allies, as /v1/allies answers them."),
    Table("indicators", IndicatorRead, select_indicators, "What each figure measures, its unit."),
    Table("editions", EditionRead, select_editions, "NATO's report editions (/v1/editions)."),
    Table("sources", SourceRead, select_sources, "Where each figure was read from (/v1/sources)."),
    Table(
        "quotes",
        QuoteRead,
        lambda session: select_quotes(session, filters=QuoteFilters(), limit=None, offset=0)[0],
        "Attributed quotes, verbatim, with their sources (/v1/quotes).",
    ),
)

VIEWS = {
    "latest_observations": (
        "For each indicator, ally and year, the figure(s) of the newest edition that has one: "
        "the API's default edition rule (/v1/observations without edition or as_of).",
        """
        SELECT o.* FROM observations AS o
        WHERE NOT EXISTS (
            SELECT 1 FROM observations AS newer
            WHERE newer.indicator = o.indicator AND newer.ally = o.ally
              AND newer.year = o.year
              AND newer.edition_published_on > o.edition_published_on)
        """,
    ),
    "compliance_inputs": (
        "What a 2%-of-GDP check reads, for each ally and year: the latest published share of "
        "GDP (value and exact text), its edition, source, estimate flag and the edition's "
        "definition of expenditure. Compare `value_text` as a decimal; the API's "
        "/v1/compliance states the rule (a value equal to the threshold meets it).",
        """
        SELECT ally, ally_name, year, value AS share_gdp, value_text AS share_gdp_text,
               unit, edition, edition_published_on, is_estimate, source,
               expenditure_definition
        FROM latest_observations WHERE indicator = 'share_gdp'
        """,
    ),
}

README = (
    "The NATO defence expenditure dataset as one SQLite database, for SQL. Tables are the "
    "API's collections, with the column names of its CSV answers; `value` is REAL and "
    "`value_text` the exact published text beside it. Every figure keeps its edition and "
    "source; NULL is unknown, never 0 (Iceland has no figures). The July 2026 edition "
    "measures core defence expenditure (`expenditure_definition`): check it before comparing "
    "across editions. See the `metadata` table for the version and how to cite."
)


def build(session: Session) -> tuple[str, bytes]:
    """(dataset version, the database's bytes)."""
    dataset = select_dataset(session)
    target = sqlite3.connect(":memory:")
    try:
        readme: list[tuple[str, str | None, str]] = [("database", None, README)]
        for table in TABLES:
            _create(target, session, table)
            readme.append((table.name, None, table.about))
            readme += [
                (table.name, name, field.description or "")
                for name, field in table.model.model_fields.items()
            ]
        for name, (about, sql) in VIEWS.items():
            target.execute(f"CREATE VIEW {name} AS {sql.strip()}")
            readme.append((name, None, about))
        editions = [
            {"id": e.id, "title": e.title, "published_on": e.published_on.isoformat()}
            for e in select_edition_summaries(session)
        ]
        metadata = {
            "title": DATASET_TITLE,
            "dataset_version": dataset.version,
            "generated_at": dataset.loaded_at.isoformat(),
            "api_version": __version__,
            "editions": orjson.dumps(editions).decode(),
            "how_to_cite": how_to_cite(dataset.version),
            "licence": LICENCE,
        }
        target.execute("CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        target.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        readme.append(("metadata", None, "The dataset's version, editions, how to cite."))
        target.execute(
            'CREATE TABLE "README" (object TEXT NOT NULL, "column" TEXT, description TEXT)'
        )
        target.executemany('INSERT INTO "README" VALUES (?, ?, ?)', readme)
        target.commit()
        target.execute("VACUUM")
        return dataset.version, target.serialize()
    finally:
        target.close()


def _create(target: sqlite3.Connection, session: Session, table: Table) -> None:
    fields = table.model.model_fields
    columns = ", ".join(f'"{name}" {sql_type(f.annotation)}' for name, f in fields.items())
    target.execute(f"CREATE TABLE {table.name} ({columns})")
    marks = ", ".join("?" for _ in fields)
    names = list(fields)
    items = (table.model.model_validate(row) for row in table.rows(session))
    # Names and marks are this module's constants, never input.
    target.executemany(
        f"INSERT INTO {table.name} VALUES ({marks})",  # noqa: S608
        ([_sql_value(getattr(item, name)) for name in names] for item in items),
    )
    for number, index in enumerate(table.indexes):
        listed = ", ".join(f'"{column}"' for column in index)
        target.execute(f"CREATE INDEX ix_{table.name}_{number} ON {table.name} ({listed})")


def sql_type(annotation: Any) -> str:
    """The SQLite column type of an item field's annotation (Optional unwrapped)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)][:1]
    if annotation is bool:
        return "INTEGER"
    if annotation is int:
        return "INTEGER"
    if annotation in (float, Decimal):
        return "REAL"
    return "TEXT"


def _sql_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value  # bool is an int: 0/1
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(_sql_value(v)) for v in value)
    if isinstance(value, BaseModel):
        return orjson.dumps(value.model_dump(mode="json")).decode()
    if isinstance(value, dict):
        return orjson.dumps(value, default=str).decode()
    return str(value)
