"""The data contract of the seed files: each file's columns, how every cell parses, its key,
its references and the rules across cells. The loader validates against it; the export writes
the same files from it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from app.models import Aggregate, Ally, Base, Edition, Indicator, Observation, Quote, Source
from app.names_fr import french_name

T = TypeVar("T")


class CellError(ValueError):
    """A cell that does not parse; the message is the reason shown to the user."""


# --- cell parsers: text in, typed value out, CellError with a readable reason otherwise ----------
# Each parser is a Cell that also states the Table Schema field it accepts (type and
# constraints), so the export's datapackage.json is written from these same definitions.


@dataclass(frozen=True)
class Cell(Generic[T]):
    """A cell parser and the Table Schema (frictionless) description of what it accepts."""

    parse: Callable[[str], T]
    type: str
    constraints: dict[str, Any] = field(default_factory=dict)
    required: bool = True
    # minLength/maxLength of a fixed-length pattern, kept when the pattern cannot be
    # (table_field).
    lengths: dict[str, int] = field(default_factory=dict)

    def __call__(self, cell: str) -> T:
        return self.parse(cell)

    def table_field(self, name: str, description: str | None = None) -> dict[str, Any]:
        """The column as a Table Schema field.

        An optional column states no `pattern`: frictionless publishes a pattern to SQL as a
        CHECK (col REGEXP ...) whose function raises on NULL, so `Package.publish` failed on
        every empty cell (the loader still checks the pattern of every non-empty cell). A
        fixed length is kept as min/maxLength, which SQL checks NULL-safely."""
        described: dict[str, Any] = {"name": name, "type": self.type}
        if description:
            described["description"] = description
        if self.type == "boolean":
            described |= {"trueValues": ["true"], "falseValues": ["false"]}
        constraints = dict(self.constraints)
        if not self.required and "pattern" in constraints:
            described["description"] = (
                f"{described.get('description', '')} Pattern when present: "
                f"{constraints.pop('pattern')}."
            ).strip()
            constraints |= self.lengths
        described["constraints"] = {"required": self.required, **constraints}
        return described


Parser = Cell[Any]


def _text(cell: str) -> str:
    if cell == "":
        raise CellError("is required but empty")
    return cell


text = Cell(_text, "string")
optional_text: Cell[str | None] = Cell(lambda cell: cell or None, "string", required=False)


def pattern(regex: str, example: str, length: int | None = None) -> Cell[str]:
    compiled = re.compile(regex)

    def parse(cell: str) -> str:
        if not compiled.fullmatch(cell):
            raise CellError(f"{cell!r} is not of the form {example}")
        return cell

    lengths = {} if length is None else {"minLength": length, "maxLength": length}
    return Cell(parse, "string", {"pattern": regex}, lengths=lengths)


def one_of(*choices: str) -> Cell[str]:
    def parse(cell: str) -> str:
        if cell not in choices:
            raise CellError(f"{cell!r} is not one of {', '.join(choices)}")
        return cell

    return Cell(parse, "string", {"enum": list(choices)})


def integer(lo: int, hi: int) -> Cell[int]:
    def parse(cell: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", cell):
            raise CellError(f"{cell!r} is not a whole number")
        number = int(cell)
        if not lo <= number <= hi:
            raise CellError(f"{number} is outside {lo}..{hi}")
        return number

    return Cell(parse, "integer", {"minimum": lo, "maximum": hi})


def optional(parser: Cell[T]) -> Cell[T | None]:
    def parse(cell: str) -> T | None:
        return None if cell == "" else parser(cell)

    return Cell(parse, parser.type, parser.constraints, required=False, lengths=parser.lengths)


def _boolean(cell: str) -> bool:
    if cell == "true":
        return True
    if cell == "false":
        return False
    raise CellError(f"{cell!r} is not true or false")


boolean = Cell(_boolean, "boolean")


def _date(cell: str) -> dt.date:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            pass
    raise CellError(f"{cell!r} is not a date YYYY-MM-DD")


date = Cell(_date, "date")


def _year_list(cell: str) -> str:
    for part in cell.split(" ") if cell else []:
        YEAR(part)
    return cell


def _decimal_text(cell: str) -> str:
    """A published number: kept as its exact text; it must be a finite decimal."""
    try:
        number = Decimal(cell)
    except InvalidOperation:
        raise CellError(f"{cell!r} is not a number") from None
    if not number.is_finite() or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", cell):
        raise CellError(f"{cell!r} is not a finite decimal number")
    # The API serves values as JSON numbers (IEEE doubles): refuse a figure that a double
    # cannot carry exactly rather than serve it rounded.
    if Decimal(float(cell)) != number and Decimal(repr(float(cell))) != number:
        raise CellError(f"{cell!r} has more digits than a JSON number can carry exactly")
    return cell


# Space-separated years; may be empty.
year_list = Cell(_year_list, "string", {"pattern": "[0-9]{4}( [0-9]{4})*"}, required=False)
# The exact published text; a number to anyone reading the file by its schema.
decimal_text = Cell(_decimal_text, "number")


YEAR = integer(1949, 2100)
ISO3 = pattern(r"[A-Z]{3}", "three capital letters (ISO 3166 alpha-3)")
EDITION_ID = pattern(r"[0-9]{4}-(0[1-9]|1[0-2])", "YYYY-MM")
SLUG = pattern(r"[a-z0-9][a-z0-9-]*", "a lower-case slug (a-z, 0-9, -)")


# --- file specifications --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """One data file: its columns, how each parses, its key and its references."""

    name: str
    model: type[Base]
    columns: dict[str, Parser]
    key: tuple[str, ...]
    # column -> file whose key it must name
    references: dict[str, str] = field(default_factory=dict)
    # csv column -> model attribute where they differ
    renames: dict[str, str] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()
    # Figures only: the key the edition rule resolves on (the identity without edition and
    # source); the loader derives each row's edition-validity interval from it.
    figure_key: tuple[str, ...] = ()
    # column -> what it holds, and its unit where it has one (datapackage.json's fields)
    descriptions: dict[str, str] = field(default_factory=dict)


SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "allies.csv",
        Ally,
        {
            "iso3": ISO3,
            "iso2": pattern(r"[A-Z]{2}", "two capital letters (ISO 3166 alpha-2)"),
            "iso_numeric": pattern(r"[0-9]{3}", "three digits (ISO 3166 numeric)"),
            "name": text,
            "iso_name": text,
            "accession_year": YEAR,
            "accession_date": optional(date),
            # Empty for Iceland, which is in no expenditure table.
            "currency_iso4217": optional(
                pattern(r"[A-Z]{3}", "three capital letters (ISO 4217)", length=3)
            ),
            "nato_currency_label": optional_text,
            "in_expenditure_tables": boolean,
            "national_2pct_commitment_2024_06": optional(boolean),
            "region": one_of("europe", "north_america"),
            "notes": optional_text,
        },
        key=("iso3",),
        unique=(("iso2",),),
        descriptions={
            "iso3": "ISO 3166 alpha-3 code of the ally.",
            "iso2": "ISO 3166 alpha-2 code.",
            "iso_numeric": "ISO 3166 numeric code, 3 digits with leading zeros kept.",
            "name": "NATO's short English name.",
            "iso_name": "Name in the ISO 3166 list used.",
            "accession_year": "Year (calendar year) the ally joined NATO.",
            "accession_date": "Day the ally joined, where a source gave it (ISO date).",
            "currency_iso4217": "ISO 4217 code of the national currency (three capital "
            "letters); empty for Iceland.",
            "nato_currency_label": "The national currency as NATO's tables name it.",
            "in_expenditure_tables": "false only for Iceland, which has no armed forces and "
            "no expenditure figures.",
            "national_2pct_commitment_2024_06": "Marked * in the June 2024 tables: a national "
            "law or political agreement to spend 2% of GDP.",
            "region": "europe or north_america.",
            "notes": "Remarks on the ally's metadata.",
        },
    ),
    FileSpec(
        "editions.csv",
        Edition,
        {
            "id": EDITION_ID,
            "title": text,
            "publisher": text,
            "published_on": date,
            "data_cutoff_on": optional(date),
            "kind": one_of("expenditure_report", "annual_report", "press_statement"),
            "constant_price_base_year": optional(YEAR),
            "estimate_years": year_list,
            "official_tables_available": boolean,
            "expenditure_definition": one_of(
                "nato_defence_expenditure", "core_defence_expenditure"
            ),
            "notes": optional_text,
        },
        key=("id",),
        unique=(("published_on",),),
        descriptions={
            "id": "Edition id: YYYY-MM of publication.",
            "title": "Title of the publication.",
            "publisher": "Who published the edition.",
            "published_on": "Publication date (ISO date).",
            "data_cutoff_on": "Data cut-off date, where published (ISO date).",
            "kind": "expenditure_report, annual_report or press_statement.",
            "constant_price_base_year": "Base year of the edition's constant prices (never "
            "compare constant-price figures across base years).",
            "estimate_years": "Years the edition marks as estimates, space-separated calendar "
            "years (four digits each); empty when none.",
            "official_tables_available": "true only when the per-ally figures come from "
            "NATO's own file.",
            "expenditure_definition": "nato_defence_expenditure (up to 2025-08) or "
            "core_defence_expenditure (2026-07, the 2025 Hague definition).",
            "notes": "Provenance of the edition's figures.",
        },
    ),
    FileSpec(
        "sources.csv",
        Source,
        {
            "id": SLUG,
            "title": text,
            "url": optional_text,
            "publisher": text,
            "kind": text,
            "trust": one_of("high", "medium-high", "medium", "medium-low", "low"),
            "notes": optional_text,
        },
        key=("id",),
        descriptions={
            "id": "Source id, as in each figure's source_id.",
            "title": "Descriptive title.",
            "url": "URL as cited; empty where only a stored copy was read.",
            "publisher": "Publisher or outlet.",
            "kind": "Kind of source (official_nato_file, official_nato_web, news_report, ...).",
            "trust": "Researcher's rating: high, medium-high, medium, medium-low or low.",
            "notes": "What was taken, and caveats.",
        },
    ),
    FileSpec(
        "indicators.csv",
        Indicator,
        {
            "id": pattern(r"[a-z0-9_]+", "a snake_case identifier"),
            "name": text,
            "unit": text,
            "description": text,
            "notes": optional_text,
        },
        key=("id",),
        descriptions={
            "id": "Indicator id (snake_case), as in each figure's indicator.",
            "name": "Name of the indicator.",
            "unit": "Canonical unit; each figure's own unit is authoritative.",
            "description": "What the indicator measures.",
            "notes": "Price base and coverage by edition.",
        },
    ),
    FileSpec(
        "observations.csv",
        Observation,
        {
            "indicator": text,
            "ally_iso3": ISO3,
            "year": YEAR,
            "value": decimal_text,
            "edition": EDITION_ID,
            "is_estimate": boolean,
            "source_id": text,
            "unit": text,
            "notes": optional_text,
        },
        key=("indicator", "ally_iso3", "year", "edition", "source_id"),
        references={
            "indicator": "indicators.csv",
            "ally_iso3": "allies.csv",
            "edition": "editions.csv",
            "source_id": "sources.csv",
        },
        renames={"indicator": "indicator_id", "edition": "edition_id"},
        figure_key=("indicator", "ally_iso3", "year"),
        descriptions={
            "indicator": "Indicator id (indicators.csv).",
            "ally_iso3": "ISO 3166 alpha-3 code of the ally (allies.csv).",
            "year": "Calendar year the figure is about.",
            "value": "The figure exactly as published (the text keeps trailing zeros), in "
            "the row's unit.",
            "edition": "Edition the figure comes from (editions.csv).",
            "is_estimate": "true when the edition marks this year as an estimate.",
            "source_id": "Where the figure was read (sources.csv).",
            "unit": "Unit of this figure as published: % of GDP, million US dollars or "
            "national currency (current or constant prices, with the price base year), "
            "thousands of personnel, US dollars per capita, ...",
            "notes": "Remarks specific to this figure.",
        },
    ),
    FileSpec(
        "aggregates.csv",
        Aggregate,
        {
            "aggregate": one_of(
                "NATO_TOTAL", "NATO_EUROPE_CANADA", "NATO_EUROPE", "USA_SHARE_OF_NATO", "ALLIES"
            ),
            "indicator": text,
            "year": YEAR,
            "value": optional(decimal_text),
            "qualifier": optional_text,
            "unit": text,
            "edition": EDITION_ID,
            "is_estimate": boolean,
            "source_id": text,
            "notes": optional_text,
        },
        key=("aggregate", "indicator", "year", "edition", "source_id"),
        references={
            "indicator": "indicators.csv",
            "edition": "editions.csv",
            "source_id": "sources.csv",
        },
        renames={"indicator": "indicator_id", "edition": "edition_id"},
        figure_key=("aggregate", "indicator", "year"),
        descriptions={
            "aggregate": "The group: NATO_TOTAL, NATO_EUROPE_CANADA, NATO_EUROPE, "
            "USA_SHARE_OF_NATO or ALLIES.",
            "indicator": "Indicator id (indicators.csv).",
            "year": "Calendar year the figure is about.",
            "value": "The figure exactly as published, in the row's unit; empty when NATO "
            "gave words instead (see qualifier).",
            "qualifier": "NATO's wording when the figure is not a number.",
            "unit": "Unit of this figure as published.",
            "edition": "Edition the figure comes from (editions.csv).",
            "is_estimate": "true when the edition marks this year as an estimate.",
            "source_id": "Where the figure was read (sources.csv).",
            "notes": "Remarks specific to this figure.",
        },
    ),
    FileSpec(
        "quotes.csv",
        Quote,
        {
            "id": SLUG,
            "speaker": text,
            "role": text,
            "said_on": date,
            "text": text,
            "language": pattern(r"[a-z]{2}", "two lower-case letters (ISO 639-1)"),
            "source_id": text,
            "context": optional_text,
            "verification": text,
        },
        key=("id",),
        references={"source_id": "sources.csv"},
        descriptions={
            "id": "Quote id (a lower-case slug).",
            "speaker": "Who said it.",
            "role": "The speaker's role when speaking.",
            "said_on": "Date it was said (ISO date).",
            "text": "The quote, verbatim.",
            "language": "Language of the text (ISO 639-1, two lower-case letters).",
            "source_id": "Where it was read (sources.csv).",
            "context": "What it was said about.",
            "verification": "How the quote was checked.",
        },
    ),
)

DATA_FILES = tuple(spec.name for spec in SPECS)


def resource_name(file_name: str) -> str:
    """The Data Package resource name of a data file (allies.csv -> allies)."""
    return file_name.removesuffix(".csv")


def table_schema(spec: FileSpec) -> dict[str, Any]:
    """The file's Table Schema (frictionless): its fields with types and constraints, its
    primary key and its foreign keys, all read from the spec that the loader validates with."""
    fields = [
        cell.table_field(name, spec.descriptions.get(name)) for name, cell in spec.columns.items()
    ]
    for columns in spec.unique:
        # Table Schema v1 has only single-column uniqueness; every spec's unique is one column.
        [column] = columns
        fields[list(spec.columns).index(column)]["constraints"]["unique"] = True
    schema: dict[str, Any] = {"fields": fields, "primaryKey": list(spec.key)}
    keys = {other.name: other.key for other in SPECS}
    if spec.references:
        schema["foreignKeys"] = [
            {
                "fields": [column],
                "reference": {"resource": resource_name(target), "fields": list(keys[target])},
            }
            for column, target in spec.references.items()
        ]
    return schema


def row_rules(name: str, row: dict[str, Any]) -> str | None:
    """Rules that involve more than one cell."""
    if name == "aggregates.csv" and row["value"] is None and not row["qualifier"]:
        return "column value: empty, and no qualifier says why (an empty value needs wording)"
    accession = row.get("accession_date") if name == "allies.csv" else None
    if accession is not None and accession.year != row["accession_year"]:
        return "column accession_date: its year differs from accession_year"
    if name == "allies.csv" and french_name(row["iso3"]) is None:
        return (
            f"column iso3: ISO 3166 has no French name for {row['iso3']}; add NATO's French "
            "name to NATO_FRENCH_NAMES in app/names_fr.py"
        )
    return None
