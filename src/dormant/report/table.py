"""The terminal table: coloured on a terminal, plain and trimmed in a file.

Non-compliant first and the most dangerous at the top (the layout's order), so it
needs every line before printing: fine for reading, where streaming is not the point.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dormant.core.model import Compliance
from dormant.report.layout import Line, ReportMeta, Tally, failure_where, summary_line

__all__ = ["render_table"]

_STYLES = {
    Compliance.NON_COMPLIANT: "bold red",
    Compliance.COMPLIANT: "green",
    Compliance.NOT_APPLICABLE: "dim",
}


def render_table(
    lines: Iterable[Line], meta: ReportMeta, out: TextIO, *, color: bool = False
) -> Tally:
    """A rich table; coloured and as wide as the screen only when writing to a terminal."""
    layout = meta.layout
    ordered, tally = meta.sorted_and_counted(lines)
    several = meta.multi_account or len(tally.accounts) > 1
    # Off a terminal the table is captured so that rich's padding can be trimmed: files
    # and golden copies should not end their lines with blanks.
    buffer = None if color else io.StringIO()
    console = Console(
        file=out if buffer is None else buffer,
        force_terminal=color,
        no_color=not color,
        width=None if color else 160,
        highlight=False,
        soft_wrap=False,
    )
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    if several:
        table.add_column("Account", no_wrap=True)
    # Names are what people copy into the next command: keep them whole and let the
    # prose columns wrap instead.
    table.add_column(layout.name_header, no_wrap=True)
    table.add_column("Compliance", no_wrap=True)
    for column in layout.columns:
        table.add_column(
            column.short_header or column.header,
            justify="right" if column.numeric else "left",
            no_wrap=column.keep_whole,
            overflow="fold",
        )
    table.add_column("Annotation", overflow="fold")
    for line in ordered:
        cells = [
            Text(line.name),
            Text(line.compliance.value, style=_STYLES.get(line.compliance, "")),
        ]
        for column in layout.columns:
            text = column.text(line)
            cells.append(Text(text, style="yellow" if column.warn and text else ""))
        cells.append(Text(line.annotation))
        if several:
            cells.insert(0, Text(line.account_id))
        table.add_row(*cells)
    if ordered:
        console.print(table)
    else:
        console.print(f"No {tally.noun}.")
    console.print(summary_line(tally, meta))
    for failure in meta.failures:
        console.print(
            Text(
                f"FAILED account {failure_where(failure)}: {failure.operation}: {failure.message}",
                style="bold red",
            )
        )
    if buffer is not None:
        out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
    return tally
