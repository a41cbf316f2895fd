"""TSV: the blog's report lines, ``name<TAB>compliance<TAB>annotation``, streamed.

A line joined with AWS's finding (``--source access-analyzer|securityhub``) gets a fourth
column, whether AWS and dormant agree: ``yes`` or ``no: why``.

Lines are written one at a time as they arrive, never collected, so a snapshot of
100,000 roles costs memory for one line. Account failures have no place here: the
command line prints them on stderr.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from dormant.report.layout import Line, ReportMeta, Tally

__all__ = ["one_line", "render_tsv"]


def one_line(text: str) -> str:
    # A tab or newline inside a value would split the blog's three-column lines.
    return " ".join(text.split())


def render_tsv(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    """``name<TAB>compliance<TAB>annotation``; account id first when several accounts."""
    tally = meta.tally()
    write = out.write
    for line in tally.count(lines):
        text = f"{line.name}\t{line.compliance.value}\t{one_line(line.annotation)}"
        agreement = getattr(line, "agreement", None)
        if agreement is not None:
            text += f"\t{one_line(agreement.text)}"
        text += "\n"
        write(f"{line.account_id}\t{text}" if meta.multi_account else text)
    return tally
