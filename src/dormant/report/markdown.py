"""Markdown: the report as a document (summary, settings, one table, failures).

Sorted like the table (the layout's order). Every cell is escaped: pipes cannot
break the table, and HTML in names or annotations is shown, not rendered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from dormant.core.model import Compliance
from dormant.report.layout import Line, ReportMeta, Tally, failure_where, iso, summary_line

__all__ = ["md_cell", "render_markdown"]


def md_cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, HTML neutralised, one line."""
    text = " ".join(text.split())
    for char, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, escaped)
    return text


def render_markdown(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    layout = meta.layout
    ordered, tally = meta.sorted_and_counted(lines)
    several = meta.multi_account or len(tally.accounts) > 1
    text = [
        f"# {meta.title}",
        "",
        f"{md_cell(meta.source)}, generated {iso(meta.generated_at)}.",
        "",
        f"**{md_cell(summary_line(tally, meta))}**",
        "",
    ]
    if meta.settings:
        settings = ", ".join(f"{key} `{json.dumps(value)}`" for key, value in meta.settings.items())
        text += [f"Settings: {md_cell(settings)}", ""]
    header = [layout.name_header, "Compliance", *(c.header for c in layout.columns), "Annotation"]
    numeric = {c.header for c in layout.columns if c.numeric}
    if several:
        header.insert(0, "Account")
    text.append("| " + " | ".join(header) + " |")
    text.append("|" + "|".join("---:" if h in numeric else "---" for h in header) + "|")
    for line in ordered:
        verdict = line.compliance.value
        cells = [
            f"`{md_cell(line.name)}`",
            f"**{verdict}**" if line.compliance == Compliance.NON_COMPLIANT else verdict,
            *(md_cell(column.text(line)) for column in layout.columns),
            md_cell(line.annotation),
        ]
        if several:
            cells.insert(0, line.account_id)
        text.append("| " + " | ".join(cells) + " |")
    if meta.failures:
        text += ["", "## Accounts that could not be scanned", ""]
        text += ["| Account | Call | Error |", "|---|---|---|"]
        text += [
            f"| {md_cell(failure_where(f))} | {md_cell(f.operation)} | {md_cell(f.message)} |"
            for f in meta.failures
        ]
    out.write("\n".join(text) + "\n")
    return tally
