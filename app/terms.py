"""The terms of the figures and how to cite them: one text for /v1/meta and the export."""

from __future__ import annotations

from app import __license__


def how_to_cite(version: str) -> str:
    """The terms of the figures and how to cite them, as /v1/meta and the export say it."""
    return (
        f"The figures are NATO's: this API's licence ({__license__}) covers its code only, and "
        "no licence for the figures is given here. Cite NATO's publication of the figures you "
        "use (the edition: title, publisher, date) and this dataset's version "
        f"({version}). GET /v1/citation?edition=ID&format=bibtex|csl-json|ris writes that "
        "citation; without an edition it cites the dataset."
    )
