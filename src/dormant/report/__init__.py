"""Renderers of findings and recorded results: table, TSV, CSV, JSON, Markdown, HTML, ASFF, OCSF.

Each renderer (one module per format) takes lines, a ``ReportMeta`` (whose ``Layout``
says which kind of finding they are) and a text stream, writes the whole report and
returns the ``Tally`` (counts by compliance). Renderers never decide compliance and
never talk to AWS; the command line chooses one and the stream. TSV, CSV and JSON
stream line by line; the others sort (the layout's order) and so hold every line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from dormant.report.layout import Column, Layout, Line, ReportMeta, Tally, iso

__all__ = [
    "FORMATS",
    "STREAMING_FORMATS",
    "Column",
    "Layout",
    "Line",
    "ReportMeta",
    "Tally",
    "iso",
    "render",
]

FORMATS = ("table", "tsv", "csv", "json", "markdown", "html", "asff", "ocsf")
STREAMING_FORMATS = frozenset({"tsv", "csv", "json", "asff", "ocsf"})


def render(
    fmt: str, lines: Iterable[Line], meta: ReportMeta, out: TextIO, *, color: bool = False
) -> Tally:
    """Write the report in format ``fmt``; imports only the renderer it needs."""
    if fmt == "tsv":
        from dormant.report.tsv import render_tsv

        return render_tsv(lines, meta, out)
    if fmt == "csv":
        from dormant.report.csv import render_csv

        return render_csv(lines, meta, out)
    if fmt == "json":
        from dormant.report.json import render_json

        return render_json(lines, meta, out)
    if fmt == "table":
        from dormant.report.table import render_table

        return render_table(lines, meta, out, color=color)
    if fmt == "markdown":
        from dormant.report.markdown import render_markdown

        return render_markdown(lines, meta, out)
    if fmt == "html":
        from dormant.report.html import render_html

        return render_html(lines, meta, out)
    if fmt == "asff":
        from dormant.report.asff import render_asff

        return render_asff(lines, meta, out)
    if fmt == "ocsf":
        from dormant.report.ocsf import render_ocsf

        return render_ocsf(lines, meta, out)
    raise ValueError(f"unknown format {fmt!r}")
