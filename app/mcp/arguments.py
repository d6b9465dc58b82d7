"""The tools' arguments: the REST parameters' types and bounds, with descriptions for a model.

Each bound is the one its REST parameter declares (app/routers/*, app/deps.py), so that a value
refused there is refused here with the same message (tests/test_mcp.py compares the details).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from app.analysis.claims import at_most_12_decimals
from app.analysis.compliance import Basis
from app.analysis.decimals import bounded_decimal
from app.analysis.editions import EDITION_PATTERN
from app.citation import CitationFormat
from app.deps import IsoDate

Edition = Annotated[
    str | None,
    Field(
        pattern=EDITION_PATTERN,
        description="Pin one edition (YYYY-MM, see list_editions), e.g. 2025-04: every figure "
        "then comes from that report alone. Leave out for the latest edition of each figure.",
    ),
]
AsOf = Annotated[
    IsoDate | None,
    Field(
        description="A date YYYY-MM-DD: for each figure, the newest edition published on or "
        "before it (what was known then). Not with `edition`.",
    ),
]
Ally = Annotated[
    str | None,
    Field(
        max_length=100,
        description="Ally code, ISO3 or ISO2 in any case (POL, pl); several comma-separated "
        "(POL,USA). Leave out for all 32 allies.",
    ),
]
OneAlly = Annotated[
    str | None, Field(max_length=3, description="Ally ISO3 or ISO2 code (USA, us).")
]
Indicator = Annotated[
    str,
    Field(
        max_length=60,
        description="Indicator id: share_gdp (defence expenditure as % of GDP), "
        "equipment_share, personnel_share, real_change, expenditure_current_usd, ... "
        "(the REST API's /v1/indicators lists them).",
    ),
]
Indicators = Annotated[
    str | None,
    Field(
        max_length=200,
        description="Indicator id(s), comma-separated (share_gdp,equipment_share); leave out "
        "for every indicator.",
    ),
]
Year = Annotated[int, Field(ge=1949, le=2100, description="Year the figures are about.")]
FigureYear = Annotated[
    int | None, Field(ge=1900, le=2100, description="Only this year (not with a range).")
]
YearFrom = Annotated[int | None, Field(ge=1900, le=2100, description="First year, inclusive.")]
YearTo = Annotated[int | None, Field(ge=1900, le=2100, description="Last year, inclusive.")]
Limit = Annotated[int, Field(ge=1, le=1000, description="Page size, 1 to 1000 (default 100).")]
Offset = Annotated[
    int,
    Field(
        ge=0,
        le=10_000_000,
        description="Index of the first item (default 0): offset + limit for the next page.",
    ),
]
Threshold = Annotated[
    Decimal | None,
    Field(
        ge=-100,
        le=100,
        description="Threshold in the indicator's unit (default 2.0 for share_gdp, 20 for "
        "equipment_share; required for the others). A value equal to it meets it. Give it as "
        'a string ("2.0") to keep it exact.',
    ),
    AfterValidator(bounded_decimal),
]
BasisArgument = Annotated[
    Basis,
    Field(
        description="`full_precision` compares the stored value; `published` rounds it to 2 "
        "decimals half up first (1.9959 -> 2.00 meets 2.0).",
    ),
]
Target = Annotated[
    Decimal,
    Field(
        gt=0,
        le=100,
        description="Target share of GDP, per cent (default 3.5, the 2025 Hague core "
        "guideline; 5 is measured against core defence expenditure alone).",
    ),
    AfterValidator(bounded_decimal),
]
By = Annotated[
    int,
    Field(
        ge=1950,
        le=2100,
        description="Deadline year (default 2035); it must come after the newest figure's year.",
    ),
]
PaceYears = Annotated[
    int,
    Field(
        ge=1,
        le=10,
        description="Years over which the current pace is measured, 1 to 10 (default 3), inside "
        "the figure's own edition.",
    ),
]
Aggregate = Annotated[
    str | None,
    Field(
        max_length=40,
        description="Instead of an ally: NATO_TOTAL, NATO_EUROPE_CANADA, NATO_EUROPE, "
        "USA_SHARE_OF_NATO or ALLIES.",
    ),
]
ClaimedValue = Annotated[
    Decimal | None,
    Field(
        ge=-1_000_000_000,
        le=1_000_000_000_000,
        allow_inf_nan=False,
        description='A value claim: the claimed figure as written, best as a string ("3.19"): '
        "its decimals set the precision of the comparison (at most 12). With `ally`.",
    ),
    AfterValidator(at_most_12_decimals),
]
ClaimedCount = Annotated[
    int | None,
    Field(ge=0, le=32, description="A count claim: the number of allies at or above `threshold`."),
]
ClaimThreshold = Annotated[
    Decimal,
    Field(ge=-100, le=100, description="Threshold of a count claim (default 2)."),
    AfterValidator(bounded_decimal),
]
CitedEdition = Annotated[
    str | None,
    Field(
        max_length=100,
        description="Edition to cite (see list_editions); leave out to cite the dataset.",
    ),
]
CiteFormat = Annotated[CitationFormat, Field(description="csl-json (default), bibtex or ris.")]
