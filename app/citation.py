"""A citation of an edition or of the dataset, written as CSL-JSON, BibTeX or RIS.

CSL-JSON is plain JSON (orjson) and RIS is written by rispy. BibTeX is written here: pybtex's
writer LaTeX-encodes every field, URLs included (its issue #130), and bibtexparser writes
values unescaped, so either way the escaping below would be needed; it is ten lines.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson
import rispy

from app.edge.negotiation import Offer, choose
from app.queries.citation import API_NAME, Cited


class CitationFormat(StrEnum):
    csl_json = "csl-json"
    bibtex = "bibtex"
    ris = "ris"


MEDIA_TYPES = {
    CitationFormat.csl_json: "application/vnd.citationstyles.csl+json",
    CitationFormat.bibtex: "application/x-bibtex; charset=utf-8",
    CitationFormat.ris: "application/x-research-info-systems; charset=utf-8",
}
# What each style offers to negotiation: a JSON reader takes CSL-JSON, the first offered.
OFFERS = [
    Offer(
        fmt.value,
        media.split(";")[0],
        ("application/json",) if fmt is CitationFormat.csl_json else (),
    )
    for fmt, media in MEDIA_TYPES.items()
]
EXTENSIONS = {
    CitationFormat.csl_json: "json",
    CitationFormat.bibtex: "bib",
    CitationFormat.ris: "ris",
}

# Per kind of publication: CSL type, BibTeX entry type, RIS type.
TYPES = {
    "expenditure_report": ("report", "techreport", "RPRT"),
    "annual_report": ("report", "techreport", "RPRT"),
    "press_statement": ("speech", "misc", "GEN"),
    "dataset": ("dataset", "misc", "DATA"),
}


def negotiate(accept: str | None, explicit: CitationFormat | None) -> CitationFormat:
    """`?format=` wins; else the first style Accept takes (app/edge/negotiation.py); CSL-JSON
    (JSON) by default."""
    if explicit is not None:
        return explicit
    return CitationFormat(choose(accept, None, OFFERS).value)


def cite_key(cited: Cited) -> str:
    """A stable key: nato-2024-06 for an edition, the version's first 12 digits for the data."""
    if cited.edition is None:
        return f"nato-defence-expenditure-{cited.dataset_version[:12]}"
    return f"nato-{cited.edition}"


def _url(cited: Cited, base_url: str) -> str:
    """The official URL where there is one; else this API's page for the edition or data."""
    if cited.url:
        return cited.url
    return f"{base_url}/v1/editions/{cited.edition}" if cited.edition else f"{base_url}/"


def _note(cited: Cited, base_url: str) -> str:
    if cited.edition is None:
        return (
            f"The figures are NATO's, from the editions {', '.join(cited.editions)}; cite the "
            f"edition you use: {base_url}/v1/citation?edition=ID"
        )
    return (
        f"Figures of this edition as loaded in the {API_NAME}, dataset version "
        f"{cited.dataset_version}: {base_url}/v1/observations?edition={cited.edition}"
    )


def _csl_json(cited: Cited, base_url: str) -> bytes:
    item: dict[str, Any] = {
        "id": cite_key(cited),
        "type": TYPES[cited.kind][0],
        "title": cited.title,
        # The figures are NATO's: NATO is the author of every edition and of the figures.
        "author": [{"literal": "NATO"}],
        "publisher": cited.publisher,
        "issued": {"date-parts": [[cited.issued.year, cited.issued.month, cited.issued.day]]},
        "URL": _url(cited, base_url),
        "note": _note(cited, base_url),
    }
    if cited.edition is None:
        item["version"] = cited.dataset_version
    return orjson.dumps([item], option=orjson.OPT_INDENT_2) + b"\n"


_LATEX_SPECIALS = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "#": r"\#",
        "^": r"\^{}",
        "_": r"\_",
        "%": r"\%",
        "~": r"\~{}",
    }
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def latex(text: str) -> str:
    """Plain text as a BibTeX field value: LaTeX's special characters escaped."""
    return text.translate(_LATEX_SPECIALS)


def _bibtex(cited: Cited, base_url: str) -> bytes:
    entry_type = TYPES[cited.kind][1]
    fields: list[tuple[str, str]] = [
        ("author", "{NATO}"),
        # Double braces keep the title's capitals as published.
        ("title", "{" + latex(cited.title) + "}"),
        ("institution" if entry_type == "techreport" else "publisher", latex(cited.publisher)),
        ("year", str(cited.issued.year)),
        ("date", cited.issued.isoformat()),
    ]
    if cited.edition is None:
        fields.append(("version", cited.dataset_version))
    # A URL goes verbatim: the url package (biblatex, hyperref) reads it as typed.
    fields += [("url", _url(cited, base_url)), ("note", latex(_note(cited, base_url)))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    month = _MONTHS[cited.issued.month - 1]
    return f"@{entry_type}{{{cite_key(cited)},\n{body},\n  month = {month}\n}}\n".encode()


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]
    """RIS as specified: no "1." line before TY (rispy's default), CRLF line ends."""

    NEWLINE = "\r\n"

    def set_header(self, count: int) -> str:
        return ""


def _ris(cited: Cited, base_url: str) -> bytes:
    entry: dict[str, Any] = {
        "type_of_reference": TYPES[cited.kind][2],
        "id": cite_key(cited),
        "authors": ["NATO"],
        "title": cited.title,
        "publisher": cited.publisher,
        "year": str(cited.issued.year),
        "date": cited.issued.strftime("%Y/%m/%d"),
        "urls": [_url(cited, base_url)],
        "notes": [_note(cited, base_url)],
    }
    if cited.edition is None:
        entry["edition"] = cited.dataset_version  # RIS ET: the version of a dataset
    # One value per line: a line break inside a value would end the tag.
    flat = {
        key: [_one_line(v) for v in value] if isinstance(value, list) else _one_line(value)
        for key, value in entry.items()
    }
    return str(rispy.dumps([flat], implementation=_RisWriter)).encode()


def _one_line(text: str) -> str:
    return " ".join(text.split())


_RENDER = {
    CitationFormat.csl_json: _csl_json,
    CitationFormat.bibtex: _bibtex,
    CitationFormat.ris: _ris,
}


def render(cited: Cited, fmt: CitationFormat, *, base_url: str) -> tuple[bytes, str, str]:
    """(body, media type, file name) of the citation in `fmt`; `base_url` is this API's root
    (no trailing slash), for the URLs of the dataset and of editions without an official one."""
    filename = f"{cite_key(cited)}.{EXTENSIONS[fmt]}"
    return _RENDER[fmt](cited, base_url.rstrip("/")), MEDIA_TYPES[fmt], filename
