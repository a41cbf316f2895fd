"""The terminal table: coloured on a terminal, plain and trimmed in a file.

Non-compliant first and the most dangerous at the top (the layout's order), so it
needs every line before printing: fine for reading, where streaming is not the point.
The table fits its width (``dormant.report.table_fit`` plans the columns: names and
compliance words always show, the notes fold or drop, at most three lines a row);
this module only styles the plan with rich.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dormant.core.model import Compliance
from dormant.report.layout import Line, ReportMeta, Tally, failure_where, summary_line
from dormant.report.table_fit import ANNOTATION, FitColumn, TablePlan, plan_table

__all__ = ["fitted_table", "render_table", "rich_table", "table_console"]

# The width of a table written to a file or a pipe, where no terminal says how wide.
_FILE_WIDTH = 160

_STYLES = {
    Compliance.NON_COMPLIANT: "bold red",
    Compliance.COMPLIANT: "green",
    Compliance.NOT_APPLICABLE: "dim",
}


@contextmanager
def table_console(out: TextIO, *, color: bool, width: int | None = None) -> Iterator[Console]:
    """A console of ``width`` columns (default: the terminal's; 160 off a terminal, so that
    a file is the same wherever it is written), coloured only on a terminal."""
    # Off a terminal the output is captured so that rich's padding can be trimmed: files
    # and golden copies should not end their lines with blanks.
    buffer = None if color else io.StringIO()
    console = Console(
        file=out if buffer is None else buffer,
        force_terminal=color,
        no_color=not color,
        width=width if width is not None else (None if color else _FILE_WIDTH),
        highlight=False,
        soft_wrap=False,
    )
    yield console
    if buffer is not None:
        out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))


def rich_table(
    plan: TablePlan, styles: Sequence[Mapping[str, str]], *, right: Collection[str] = ()
) -> Table:
    """The plan as a rich table; ``styles[row][header]`` colours a cell, ``right`` headers
    are right-aligned."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, header in enumerate(plan.headers):
        table.add_column(
            plan.header_lines(index),
            width=plan.widths[index],
            justify="right" if header in right else "left",
            no_wrap=True,
            overflow="ellipsis",
        )
    for style, cells in zip(styles, plan.rows, strict=True):
        table.add_row(
            *(
                Text(cell.text, style=style.get(header, ""))
                for header, cell in zip(plan.headers, cells, strict=True)
            )
        )
    return table


def render_table(
    lines: Iterable[Line],
    meta: ReportMeta,
    out: TextIO,
    *,
    color: bool = False,
    width: int | None = None,
) -> Tally:
    """A rich table that fits ``width`` (see ``table_console``)."""
    ordered, tally = meta.sorted_and_counted(lines)
    with table_console(out, color=color, width=width) as console:
        several = meta.multi_account or len(tally.accounts) > 1
        if ordered:
            table, footer = fitted_table(ordered, meta, console.width, several=several)
            console.print(table)
            if footer:
                console.print(Text(footer, style="dim"))
        else:
            console.print(f"No {tally.noun}.")
        console.print(Text(summary_line(tally, meta)))
        for failure in meta.failures:
            console.print(
                Text(
                    f"FAILED account {failure_where(failure)}: {failure.operation}: "
                    f"{failure.message}",
                    style="bold red",
                )
            )
    return tally


def fitted_table(
    ordered: Sequence[Line], meta: ReportMeta, width: int, *, several: bool = False
) -> tuple[Table, str | None]:
    """The rich table of ``ordered`` lines planned for ``width`` columns, and its footer."""
    layout = meta.layout
    columns = [
        FitColumn(
            "Compliance",
            tuple(line.compliance.value for line in ordered),
            fixed=True,
            essential=True,
        )
    ]
    warned = set()
    for column in layout.columns:
        header = column.short_header or column.header
        if column.warn:
            warned.add(header)
        columns.append(
            FitColumn(
                header,
                tuple(column.text(line) for line in ordered),
                fixed=column.numeric and column.keep_whole,
                note=column.note,
                label=column.header,
            )
        )
    lead = [FitColumn("Account", tuple(line.account_id for line in ordered), fixed=True)]
    plan = plan_table(
        FitColumn(layout.name_header, tuple(line.name for line in ordered)),
        columns,
        FitColumn(ANNOTATION, tuple(line.annotation for line in ordered)),
        width,
        lead=lead if several else (),
    )
    numeric = {c.short_header or c.header for c in layout.columns if c.numeric}
    styles = []
    for line, cells in zip(ordered, plan.rows, strict=True):
        style = {"Compliance": _STYLES.get(line.compliance, "")}
        for header, cell in zip(plan.headers, cells, strict=True):
            if header in warned and cell.text:
                style[header] = "yellow"
        styles.append(style)
    return rich_table(plan, styles, right=numeric), plan.footer()
