"""Pydantic response models: the shared ones here (pages, problems, health, meta); one module
per resource area beside this file (e.g. schemas/observations.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.analysis.editions import EditionRule

T = TypeVar("T")


def _no_default(schema: dict[str, Any]) -> None:
    # The value is absent when there is none: never sent as a default.
    schema.pop("default", None)


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ParameterProblem(Schema):
    """One request parameter that was refused, and why."""

    parameter: str = Field(
        description="The parameter's name (`request` when no single one is at fault).",
        examples=["year"],
    )
    in_: str = Field(alias="in", description="Where it was: `query` or `path`.", examples=["query"])
    message: str = Field(
        description="Why it was refused.",
        examples=["Input should be greater than or equal to 1900"],
    )
    input: str | int | float | bool = Field(
        default="",
        description="The value as sent, when it is a single value (invalid values only).",
        examples=["1800"],
        json_schema_extra=_no_default,
    )


class Problem(Schema):
    """RFC 9457 problem details: the one error shape of this API."""

    type: str = Field(description="URI reference of the problem type.", examples=["about:blank"])
    title: str = Field(description="Short summary of the problem type.", examples=["Not found"])
    status: int = Field(description="HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong and how to fix it.",
        examples=["No ally 'XXX'. Did you mean: AUS?"],
    )
    instance: str = Field(description="Path of the request.", examples=["/v1/allies/XXX"])
    errors: list[ParameterProblem] = Field(
        default_factory=list,
        description="On a 400 or 422 about parameters: each one refused, and why.",
    )


class ListOf(Schema, Generic[T]):
    """A complete (unpaginated) collection."""

    items: list[T] = Field(description="The items.")
    total: int = Field(description="Number of items.", examples=[32])


class Page(Schema, Generic[T]):
    """One page of a collection; follow `next` (or the Link header) for the rest."""

    items: list[T] = Field(description="The items of this page.")
    total: int = Field(description="Number of items matching the filters, over all pages.")
    limit: int = Field(description="Page size used.", examples=[100])
    offset: int = Field(description="Index of this page's first item.", examples=[0])
    next: str | None = Field(description="URL of the next page, null on the last page.")
    prev: str | None = Field(description="URL of the previous page, null on the first page.")


class EditionRuleRead(Schema):
    """Which edition each figure of the response comes from (see the API description)."""

    mode: str = Field(
        description="`edition` (one pinned edition), `as_of` (newest edition published on or "
        "before a date, per figure) or `latest` (newest edition that has the figure).",
        examples=["latest"],
    )
    edition: str | None = Field(description="The pinned edition, if any.", examples=[None])
    as_of: dt.date | None = Field(description="The as_of date, if any.", examples=[None])
    description: str = Field(
        description="The rule in words.",
        examples=["for each figure, the newest edition that has it (latest)"],
    )

    @classmethod
    def from_rule(cls, rule: EditionRule) -> EditionRuleRead:
        return cls.model_validate(rule.as_dict())


class Health(Schema):
    status: str = Field(description="`ok` when the process is alive.", examples=["ok"])


class Ready(Schema):
    status: str = Field(description="`ready` when the database answers and is seeded.")
    dataset_version: str = Field(description="SHA-256 of the seed data files loaded.")
    loaded_at: dt.datetime = Field(description="When the seed was loaded (UTC).")


class EditionSummary(Schema):
    id: str = Field(description="Edition id (YYYY-MM of publication).", examples=["2024-06"])
    title: str
    published_on: dt.date
    expenditure_definition: str


class SourceSummary(Schema):
    id: str = Field(examples=["nato-def-exp-2024-xlsx"])
    title: str
    trust: str


class Meta(Schema):
    dataset_version: str = Field(description="SHA-256 of the seed data files loaded.")
    loaded_at: dt.datetime = Field(description="When the seed was loaded (UTC).")
    api_version: str = Field(examples=["1.0.0"])
    row_counts: dict[str, int] = Field(
        description="Rows per table.", examples=[{"observations": 14472, "allies": 32}]
    )
    file_sha256: dict[str, str] = Field(description="SHA-256 of each seed data file.")
    code_license: str = Field(
        description="SPDX identifier of the licence of this API's code. It does not apply to "
        "the figures, which are NATO's: see `how_to_cite`.",
        examples=["MIT"],
    )
    how_to_cite: str = Field(
        description="How the figures may be cited: NATO's publication (the edition) and this "
        "dataset's version; /v1/citation writes it in CSL-JSON, BibTeX or RIS."
    )
    editions: list[EditionSummary]
    sources: list[SourceSummary]
