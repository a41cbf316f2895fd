"""The streaming formats: TSV (the blog's report lines), CSV and JSON.

Rows are written one at a time as they arrive, never collected, so a snapshot of
100,000 roles costs memory for one row. The JSON summary therefore follows the
findings (key order in a JSON object carries no meaning). Account failures go in the
JSON; TSV and CSV have no place for them, so the command line prints them on stderr.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from dormant.report.rows import ReportMeta, Row, Tally, failure_record, iso, record

__all__ = ["render_csv", "render_json", "render_tsv"]

# Records are flat and acyclic: skipping the encoder's cycle check makes each finding
# about a quarter cheaper to write, which counts at 100,000 findings.
_encode_record = json.JSONEncoder(check_circular=False).encode


def _one_line(text: str) -> str:
    # A tab or newline inside a value would split the blog's three-column lines.
    return " ".join(text.split())


def render_tsv(rows: Iterable[Row], meta: ReportMeta, out: TextIO) -> Tally:
    """``role_name<TAB>compliance<TAB>annotation``; account id first when several accounts."""
    tally = Tally()
    write = out.write
    for row in tally.count(rows):
        line = f"{row.role_name}\t{row.compliance}\t{_one_line(row.annotation)}\n"
        write(f"{row.account_id}\t{line}" if meta.multi_account else line)
    return tally


# A cell starting with one of these is a formula to spreadsheet programs; IAM role
# names and tag values may start with = + - @, so such text cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        value = " ".join(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_csv(rows: Iterable[Row], meta: ReportMeta, out: TextIO) -> Tally:
    """A header row, then one row per role; lists are space-separated, null is empty."""
    tally = Tally()
    with_recorded = meta.kind == "report"
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(meta.fields)
    for row in tally.count(rows):
        writer.writerow([_csv_value(v) for v in record(row, recorded_at=with_recorded).values()])
    return tally


def render_json(rows: Iterable[Row], meta: ReportMeta, out: TextIO) -> Tally:
    """``{"generated_at", "kind", "source", "settings", "findings", "summary", "failures"}``."""
    tally = Tally()
    with_recorded = meta.kind == "report"
    dumps = json.dumps
    head = {
        "generated_at": iso(meta.generated_at),
        "kind": meta.kind,
        "source": meta.source,
        "settings": dict(meta.settings),
    }
    out.write(dumps(head)[:-1] + ', "findings": [')
    write = out.write
    add = tally.add
    separator = "\n"
    for row in rows:
        add(row)
        write(separator + _encode_record(record(row, recorded_at=with_recorded)))
        separator = ",\n"
    tail = {
        "summary": tally.summary(meta.failures),
        "failures": [failure_record(f) for f in meta.failures],
    }
    out.write("\n], " + dumps(tail)[1:] + "\n")
    return tally
