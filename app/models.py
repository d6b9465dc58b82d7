"""Typed SQLAlchemy tables: the published figures and their provenance, as loaded from seed/data.

Also the loaded dataset's version query (`dataset_version`), here because both the app and
the seed (which must not import FastAPI) ask it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# Stable constraint names, so that Alembic batch mode on SQLite and PostgreSQL agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Ally(Base):
    __tablename__ = "allies"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    iso_numeric: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    iso_name: Mapped[str] = mapped_column(String(200))
    accession_year: Mapped[int] = mapped_column(Integer)
    accession_date: Mapped[dt.date | None] = mapped_column(Date)
    currency_iso4217: Mapped[str | None] = mapped_column(String(3))
    nato_currency_label: Mapped[str | None] = mapped_column(String(100))
    in_expenditure_tables: Mapped[bool] = mapped_column(Boolean)
    national_2pct_commitment_2024_06: Mapped[bool | None] = mapped_column(Boolean)
    region: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)


class Edition(Base):
    __tablename__ = "editions"

    id: Mapped[str] = mapped_column(String(7), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[dt.date] = mapped_column(Date, unique=True)
    data_cutoff_on: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    constant_price_base_year: Mapped[int | None] = mapped_column(Integer)
    # Space-separated years, as in editions.csv (e.g. "2023 2024").
    estimate_years: Mapped[str] = mapped_column(String(100))
    official_tables_available: Mapped[bool] = mapped_column(Boolean)
    expenditure_definition: Mapped[str] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60))
    trust: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Observation(Base):
    """One published per-ally figure: (indicator, ally, year, edition, source) is its identity.

    `value` is the figure's text exactly as published ("2.00" keeps its zeros); `value_num`
    is the same number as a double, for filtering and sorting in SQL. The loader checks that
    the double converts back to exactly the published decimal.

    `published_on` and `superseded_on` are the row's edition-validity interval (see
    app/queries/editions_rule.py), derived by the loader from the data.
    """

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("indicator_id", "ally_iso3", "year", "edition_id", "source_id"),
        Index("ix_observations_ally_indicator_edition", "ally_iso3", "indicator_id", "edition_id"),
        Index("ix_observations_indicator_year_edition", "indicator_id", "year", "edition_id"),
        # The edition rule's "latest" (superseded_on IS NULL) and a pinned edition, per
        # indicator in year order; they carry what the totals sum (migration 0003), so that
        # query never reads the table.
        Index(
            "ix_observations_latest_covering",
            "indicator_id",
            "superseded_on",
            "year",
            "ally_iso3",
            "value",
            "edition_id",
            "source_id",
        ),
        Index(
            "ix_observations_edition_covering",
            "indicator_id",
            "edition_id",
            "year",
            "ally_iso3",
            "value",
            "source_id",
        ),
        # as_of: figures in force on a date (published by then, not superseded by then).
        Index("ix_observations_as_of_covering", "indicator_id", "published_on", "superseded_on"),
        # Per ally and indicator, in force, newest first: the allies' latest share of GDP.
        Index(
            "ix_observations_ally_latest",
            "ally_iso3",
            "indicator_id",
            "superseded_on",
            "published_on",
            "year",
        ),
        # Which editions publish an indicator, figures per edition and per source (catalogue).
        Index("ix_observations_edition_indicator", "edition_id", "indicator_id"),
        Index("ix_observations_source", "source_id"),  # figures per source (catalogue)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    ally_iso3: Mapped[str] = mapped_column(ForeignKey("allies.iso3"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(40))
    value_num: Mapped[float] = mapped_column(Double)
    edition_id: Mapped[str] = mapped_column(ForeignKey("editions.id"))
    is_estimate: Mapped[bool] = mapped_column(Boolean)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    unit: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # The edition-validity interval, filled by the loader (NULL only between the migration
    # that added them and the next seed, which then reloads): the publication date of the
    # row's edition, and that of the next newer edition with the same figure key (NULL: no
    # newer edition has it, the row is the latest).
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    superseded_on: Mapped[dt.date | None] = mapped_column(Date)


class Aggregate(Base):
    """One published group figure (NATO_TOTAL, NATO_EUROPE_CANADA, ...), value possibly textual."""

    __tablename__ = "aggregates"
    __table_args__ = (
        UniqueConstraint("aggregate", "indicator_id", "year", "edition_id", "source_id"),
        Index("ix_aggregates_indicator_year_edition", "indicator_id", "year", "edition_id"),
        Index("ix_aggregates_indicator_superseded_year", "indicator_id", "superseded_on", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aggregate: Mapped[str] = mapped_column(String(40))
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[str | None] = mapped_column(String(40))
    value_num: Mapped[float | None] = mapped_column(Double)
    qualifier: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(Text)
    edition_id: Mapped[str] = mapped_column(ForeignKey("editions.id"))
    is_estimate: Mapped[bool] = mapped_column(Boolean)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    # The edition-validity interval, as for Observation.
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    superseded_on: Mapped[dt.date | None] = mapped_column(Date)


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    speaker: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(Text)
    said_on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    context: Mapped[str | None] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(String(100))
    # Case- and accent-folded copy of speaker, text and context, for portable LIKE search.
    search_text: Mapped[str] = mapped_column(Text)


class DatasetVersion(Base):
    """The loaded dataset: a hash of the data files, when it was loaded, and per-file hashes."""

    __tablename__ = "dataset_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    files: Mapped[dict[str, Any]] = mapped_column(JSON)


def newest_dataset(*columns: Any) -> Select[Any]:
    """SELECT `columns` of the newest load (the loader keeps one row; the newest would win)."""
    return select(*columns).order_by(DatasetVersion.id.desc()).limit(1)


def dataset_version(db: Connection | Session) -> str | None:
    """The loaded dataset's version, None before the first seed: the one query that start-up,
    the response cache's probe and the loader ask."""
    return db.execute(newest_dataset(DatasetVersion.version)).scalar_one_or_none()
