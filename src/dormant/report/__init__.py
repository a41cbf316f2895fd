"""Renderers of findings and recorded results: table, TSV, CSV, JSON, Markdown, HTML.

Each renderer takes ``Row`` values, a ``ReportMeta`` and a text stream, writes the
whole report and returns the ``Tally`` (counts by compliance). Renderers never decide
compliance and never talk to AWS; the command line chooses one and the stream.
TSV, CSV and JSON stream row by row; the others sort (non-compliant and riskiest
first) and so hold every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TextIO

from dormant.report.rows import (
    FIELDS,
    REPORT_FIELDS,
    ReportMeta,
    Row,
    Tally,
    record,
    row_from_finding,
    row_from_recorded,
    sort_rows,
)

__all__ = [
    "FIELDS",
    "FORMATS",
    "REPORT_FIELDS",
    "STREAMING_FORMATS",
    "ReportMeta",
    "Row",
    "Tally",
    "record",
    "render",
    "row_from_finding",
    "row_from_recorded",
    "sort_rows",
]

FORMATS = ("table", "tsv", "csv", "json", "markdown", "html")
STREAMING_FORMATS = frozenset({"tsv", "csv", "json"})

Renderer = Callable[[Iterable[Row], ReportMeta, TextIO], Tally]


def render(
    fmt: str, rows: Iterable[Row], meta: ReportMeta, out: TextIO, *, color: bool = False
) -> Tally:
    """Write the report in format ``fmt``; imports only the renderer it needs."""
    if fmt == "tsv":
        from dormant.report.text import render_tsv

        return render_tsv(rows, meta, out)
    if fmt == "csv":
        from dormant.report.text import render_csv

        return render_csv(rows, meta, out)
    if fmt == "json":
        from dormant.report.text import render_json

        return render_json(rows, meta, out)
    if fmt == "table":
        from dormant.report.sorted_formats import render_table

        return render_table(rows, meta, out, color=color)
    if fmt == "markdown":
        from dormant.report.sorted_formats import render_markdown

        return render_markdown(rows, meta, out)
    if fmt == "html":
        from dormant.report.html import render_html

        return render_html(rows, meta, out)
    raise ValueError(f"unknown format {fmt!r}")
