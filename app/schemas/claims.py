"""Response models of /v1/claims/check, copied from the claim verdicts."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.analysis import claims as k
from app.schemas import Schema


class ClaimVerdict(Schema):
    """What one edition says about the claim."""

    # The fields are analysis.claims.Verdict's, copied by name (no mapper).
    edition: str = Field(examples=["2025-04"])
    published_on: dt.date
    expenditure_definition: str
    verdict: str = Field(
        description="`match`, `mismatch` or `not_covered` (the edition has no figure, or too "
        "few allies to decide a count).",
        examples=["match"],
    )
    value: float | None = Field(
        description="The edition's figure (value claims) or computed count (count claims).",
        examples=[3.19],
    )
    value_text: str | None = Field(examples=["3.19"])
    compared_text: str | None = Field(
        description="Value claims: the figure rounded half up to the claim's decimals.",
        examples=["3.19"],
    )
    source: str | None = Field(examples=["knews-2025-04-25"])
    covered_allies: int | None = Field(
        description="Count claims: allies with a figure in this edition."
    )
    published_count: str | None = Field(
        description="Count claims: the count this edition's sources published, if any.",
        examples=["22"],
    )


class ClaimRead(Schema):
    claim: str = Field(examples=["USA share_gdp 2024 = 3.19"])
    rule: str = Field(
        description="How a match is decided.",
        examples=["the figure rounded half up to the claim's 2 decimals equals the claim"],
    )
    supported_by: list[str] = Field(examples=[["2025-04"]])
    contradicted_by: list[str] = Field(examples=[["2024-06", "2025-08", "2026-07"]])
    not_covered_by: list[str] = Field(examples=[["2024-02", "2024-03", "2025-02"]])
    items: list[ClaimVerdict]
    total: int

    @classmethod
    def from_result(cls, result: k.ClaimResult) -> ClaimRead:
        return cls(
            claim=result.claim,
            rule=result.rule,
            supported_by=result.editions_with("match"),
            contradicted_by=result.editions_with("mismatch"),
            not_covered_by=result.editions_with("not_covered"),
            items=[ClaimVerdict.model_validate(v) for v in result.verdicts],
            total=len(result.verdicts),
        )
