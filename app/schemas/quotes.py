"""Response models of /v1/quotes and /v1/speakers."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.schemas import Schema


class QuoteRead(Schema):
    id: str = Field(examples=["jens-stoltenberg-2024-06-17-twenty-three-allies-are-going-to"])
    speaker: str = Field(examples=["Jens Stoltenberg"])
    role: str = Field(examples=["NATO Secretary General"])
    said_on: dt.date = Field(examples=["2024-06-17"])
    text: str = Field(
        description="Verbatim.",
        examples=["Twenty-three allies are going to spend 2% of GDP or more on defence this year"],
    )
    language: str = Field(description="ISO 639-1.", examples=["en"])
    source: str = Field(examples=["artifexnews-21297"])
    context: str | None
    verification: str = Field(examples=["quoted_by_secondary_source"])


class SpeakerRead(Schema):
    speaker: str = Field(examples=["Mark Rutte"])
    quotes: int = Field(description="Number of quotes.", examples=[10])
    first_said_on: dt.date
    last_said_on: dt.date
