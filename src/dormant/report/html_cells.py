"""What the HTML page shows of one report line: its cells, and the data its filters read.

The page's search, filters, counts and sorting work on any kind's table through the
same row data (``RowData``: compliance, admin power, and the lowercase text a search
matches), written server-side into the first cell's ``data-*`` attributes and escaped
there like every other value. Long lists (trusted principals, tags) and long texts are
cut here into what the row shows and what a ``<details>`` "+N more" holds, so that a
row stays a few lines tall. Pure: no template, no I/O, nothing decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dormant.report.layout import Column, Layout, Line, compliance_rank

__all__ = [
    "SHOWN",
    "Items",
    "RowData",
    "Stamp",
    "Text",
    "generic_cells",
    "items",
    "row_data",
    "stamp",
    "text",
]

# Items of a list shown before "+N more": enough to recognise the list, few enough that
# a role trusting forty accounts keeps a row a few lines tall.
SHOWN = 3
# Longer texts show their start and keep the rest behind "more"; a description under a
# role's name gets less room than a column of its own.
TEXT_LIMIT = 160
DESCRIPTION_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Items:
    """A labelled list: ``shown`` in the row, ``more`` behind a "+N more" that expands."""

    label: str
    shown: tuple[str, ...]
    more: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Text:
    """A text cut at a word: ``head`` in the row, ``rest`` behind "more" (empty if short)."""

    head: str
    rest: str = ""


@dataclass(frozen=True, slots=True)
class Stamp:
    """An ISO 8601 instant as the page shows it on one line: ``2024-04-15`` and ``13:05``,
    the whole instant (``iso``) in its title."""

    date: str
    time: str = ""
    iso: str = ""


@dataclass(frozen=True, slots=True)
class RowData:
    """What the page's filters read from a row; ``search`` is lowercase."""

    compliance: str
    admin: bool
    search: str
    # "1" something references it, "0" no reference found, "" no source was asked.
    referenced: str = ""
    exempt: bool = False
    # "1" AWS's finding and dormant agree, "0" they disagree, "" no AWS finding was read.
    agrees: str = ""


def items(label: str, values: Sequence[str], shown: int = SHOWN) -> Items:
    # "+1 more" would take as much room as the one value it hides.
    if len(values) <= shown + 1:
        return Items(label, tuple(values))
    return Items(label, tuple(values[:shown]), tuple(values[shown:]))


def text(value: str, limit: int = TEXT_LIMIT) -> Text:
    if len(value) <= limit:
        return Text(value)
    cut = value.rfind(" ", limit // 2, limit)
    cut = cut if cut > 0 else limit
    return Text(value[:cut], value[cut:])


def stamp(value: str | None) -> Stamp:
    if not value:
        return Stamp("")
    date, _, time = value.partition("T")
    return Stamp(date, time[:5], value)


def _optional(line: object, attribute: str) -> str:
    """An attribute some kinds' lines have (a role's path, an owner); '' when absent."""
    value: object = getattr(line, attribute, None)
    return value if isinstance(value, str) else ""


def row_data(line: Line, path: str = "") -> RowData:
    """Name, path, owner and annotation: what the search box matches, lowercased."""
    parts = (line.name, path or _optional(line, "path"), _optional(line, "owner"), line.annotation)
    return RowData(
        compliance=line.compliance.value,
        admin=line.admin,
        exempt=line.exempt,
        search=" ".join(part for part in parts if part).lower(),
        referenced=_referenced(line),
        agrees=_agrees(line),
    )


def _agrees(line: object) -> str:
    """Whether a line joined with AWS's finding (``agreement``) agrees with it."""
    agreement: object = getattr(line, "agreement", None)
    if agreement is None:
        return ""
    return "1" if getattr(agreement, "agrees", False) else "0"


def _referenced(line: object) -> str:
    """Whether a line whose kind finds references (roles' ``references``) has any."""
    found: object = getattr(line, "references", None)
    if found is None or not getattr(found, "sources", ()):
        return ""
    return "1" if getattr(found, "references", ()) else "0"


def _path_parts(path: str) -> list[str]:
    """``/a/b/`` -> ``["/", "a/", "b/"]``: the template lets a line break after each slash."""
    if not path:
        return []
    parts = [part + "/" for part in path.strip("/").split("/") if part]
    return ["/", *parts]


def _column_cells(line: Any, columns: Sequence[Column]) -> list[tuple[Text, object]]:
    return [
        (text(column.text(line)), "" if column.sort_value is None else column.sort_value(line))
        for column in columns
    ]


def generic_cells(line: Line, layout: Layout) -> dict[str, Any]:
    """Cells of a kind without a table of its own: the layout's columns, as text."""
    return {
        "row": line,
        "data": row_data(line),
        "annotation": text(line.annotation),
        "compliance_rank": compliance_rank(line.compliance),
        "columns": _column_cells(line, layout.columns),
    }
