"""Response models of /v1/revisions and /v1/revisions/changes, copied from analysis results."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.analysis import revisions as r
from app.analysis.decimals import decimal_text, number_or_none, text_or_none
from app.schemas import Schema
from app.schemas.compliance import ComplianceRule


class RevisionItem(Schema):
    edition: str = Field(examples=["2025-04"])
    published_on: dt.date
    expenditure_definition: str = Field(examples=["nato_defence_expenditure"])
    definition_changed: bool = Field(
        description="This edition measures expenditure under another definition than the "
        "previous item's edition (2026-07: core defence expenditure)."
    )
    value: float | None = Field(examples=[3.19])
    value_text: str | None = Field(examples=["3.19"])
    value_published: str | None = Field(
        description="Value rounded to 2 decimals half up, as NATO prints it.", examples=["3.19"]
    )
    qualifier: str | None = Field(description="Aggregates only (e.g. around).", examples=[None])
    unit: str = Field(examples=["% of GDP"])
    source: str = Field(examples=["knews-2025-04-25"])
    is_estimate: bool
    change: float | None = Field(
        description="Value minus the previous edition's value (exact); null for the first "
        "edition, when either edition has two sources for this figure, or for a constant-price "
        "indicator across two price bases (`change_reason`).",
        examples=[-0.1890207262385565],
    )
    change_text: str | None = Field(examples=["-0.1890207262385565"])
    change_published: str | None = Field(
        description="Change between the 2-decimal printed values.", examples=["-0.19"]
    )
    sources_in_edition: int = Field(
        description="Rows this edition has for the figure (2: two sources disagree or agree; "
        "both are listed).",
        examples=[1],
    )
    constant_price_base_year: int | None = Field(
        description="This edition's constant-price base year (null: not stated).",
        examples=[2021],
    )
    price_base_changed: bool = Field(
        description="This edition's constant-price base year differs from the previous "
        "item's edition's (2015 to 2021 from 2025-04 on; an edition that states none counts "
        "as different). A constant-price figure then gets no `change`: see `change_reason`."
    )
    change_reason: str | None = Field(
        description="Why there is no `change` although both editions have the figure (a "
        "constant-price indicator across two price bases).",
        examples=[None],
    )

    @classmethod
    def from_revision(cls, revision: r.Revision) -> RevisionItem:
        return cls(
            edition=revision.edition,
            published_on=revision.published_on,
            expenditure_definition=revision.definition,
            definition_changed=revision.definition_changed,
            constant_price_base_year=revision.price_base_year,
            price_base_changed=revision.price_base_changed,
            value=number_or_none(revision.value),
            value_text=revision.value,
            value_published=text_or_none(revision.value_published),
            qualifier=revision.qualifier,
            unit=revision.unit,
            source=revision.source,
            is_estimate=revision.is_estimate,
            change=number_or_none(revision.change),
            change_text=text_or_none(revision.change),
            change_published=text_or_none(revision.change_published),
            sources_in_edition=revision.sources_in_edition,
            change_reason=revision.change_reason,
        )


class RevisionsRead(Schema):
    ally: str | None = Field(examples=["USA"])
    aggregate: str | None = Field(examples=[None])
    name: str | None = Field(examples=["United States"])
    indicator: str = Field(examples=["share_gdp"])
    year: int = Field(examples=[2024])
    items: list[RevisionItem]
    total: int

    @classmethod
    def from_chain(cls, chain: r.RevisionChain) -> RevisionsRead:
        return cls(
            ally=chain.ally,
            aggregate=chain.aggregate,
            name=chain.name,
            indicator=chain.indicator,
            year=chain.year,
            items=[RevisionItem.from_revision(item) for item in chain.items],
            total=len(chain.items),
        )


class ChangeItem(Schema):
    ally: str = Field(examples=["ALB"])
    name: str = Field(examples=["Albania"])
    indicator: str = Field(examples=["share_gdp"])
    year: int = Field(examples=[2024])
    from_value: float
    from_value_text: str = Field(examples=["2.04"])
    from_source: str
    to_value: float
    to_value_text: str = Field(examples=["1.35"])
    to_source: str
    change: float = Field(description="to minus from, exact.", examples=[-0.69])
    change_text: str = Field(examples=["-0.69"])

    @classmethod
    def from_change(cls, change: r.Change) -> ChangeItem:
        return cls(
            ally=change.ally,
            name=change.name,
            indicator=change.indicator,
            year=change.year,
            from_value=float(change.from_value),
            from_value_text=change.from_value,
            from_source=change.from_source,
            to_value=float(change.to_value),
            to_value_text=change.to_value,
            to_source=change.to_source,
            change=float(change.change),
            change_text=decimal_text(change.change),
        )


class FlipItem(Schema):
    ally: str = Field(examples=["MNE"])
    name: str = Field(examples=["Montenegro"])
    year: int = Field(examples=[2024])
    from_value_text: str
    to_value_text: str
    from_meets: bool
    to_meets: bool

    @classmethod
    def from_flip(cls, flip: r.Flip) -> FlipItem:
        return cls(
            ally=flip.ally,
            name=flip.name,
            year=flip.year,
            from_value_text=flip.from_value,
            to_value_text=flip.to_value,
            from_meets=flip.from_meets,
            to_meets=flip.to_meets,
        )


class NotComparedItem(Schema):
    indicator: str = Field(description="A constant-price indicator.", examples=["usd_constant"])
    figures: int = Field(description="Figures present in both editions.", examples=[31])
    reason: str = Field(description="Why they are not differenced.")

    @classmethod
    def from_not_compared(cls, item: r.NotCompared) -> NotComparedItem:
        return cls(indicator=item.indicator, figures=item.figures, reason=item.reason)


class ChangesRead(Schema):
    from_edition: str = Field(examples=["2024-06"])
    to_edition: str = Field(examples=["2025-04"])
    definition_changed: bool = Field(
        description="The two editions define expenditure differently: a change mixes the "
        "definition change with revisions."
    )
    from_definition: str
    to_definition: str
    price_base_changed: bool = Field(
        description="The two editions state different constant-price base years (or one "
        "states none): constant-price indicators are then not differenced (`not_compared`)."
    )
    from_price_base_year: int | None = Field(
        description="from_edition's constant-price base year (null: not stated).", examples=[2015]
    )
    to_price_base_year: int | None = Field(
        description="to_edition's constant-price base year (null: not stated).", examples=[2021]
    )
    not_compared: list[NotComparedItem] = Field(
        description="Per constant-price indicator: figures present in both editions that are "
        "not differenced across the two price bases, and why (as /v1/totals refuses the mix)."
    )
    compliance_rule: ComplianceRule | None = Field(
        description="The threshold `flips` were tested against (null: no threshold applies)."
    )
    flips: list[FlipItem] = Field(
        description="Allies whose status against the threshold differs between the editions."
    )
    items: list[ChangeItem]
    total: int
    limit: int
    offset: int
    next: str | None
    prev: str | None

    @classmethod
    def from_changes(
        cls,
        result: r.ChangeSet,
        *,
        limit: int | None,
        offset: int,
        links: dict[str, str | None],
    ) -> ChangesRead:
        """One page (`offset`, `limit`) of the changes, or all of them (`limit` None), with
        every flip."""
        stop = None if limit is None else offset + limit
        return cls(
            from_edition=result.from_edition,
            to_edition=result.to_edition,
            definition_changed=result.definition_changed,
            from_definition=result.from_definition,
            to_definition=result.to_definition,
            price_base_changed=result.price_base_changed,
            from_price_base_year=result.from_price_base_year,
            to_price_base_year=result.to_price_base_year,
            not_compared=[NotComparedItem.from_not_compared(n) for n in result.not_compared],
            compliance_rule=ComplianceRule.from_rule(result.rule) if result.rule else None,
            flips=[FlipItem.from_flip(f) for f in result.flips],
            items=[ChangeItem.from_change(c) for c in result.changes[offset:stop]],
            total=len(result.changes),
            limit=len(result.changes) if limit is None else limit,
            offset=offset,
            **links,
        )
