"""CSV: a header row of the layout's fields, then one streamed row per finding.

Lists are space-separated, null is empty, and nested values (objects, lists of objects)
are compact JSON, unless the layout gives them a text of their own (``Layout.csv_text``).
Cells that a spreadsheet would read as a formula are defused. Account failures go to
stderr (the command line prints them).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, Protocol, TextIO, runtime_checkable

from dormant.report.layout import Line, ReportMeta, Tally

__all__ = ["CsvWord", "csv_value", "render_csv"]

# A cell starting with one of these is a formula to spreadsheet programs; IAM role
# names and tag values may start with = + - @, so such text cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@runtime_checkable
class CsvWord(Protocol):
    """A nested value that knows its one-word CSV form (a user's credential:
    ``access_key_1:stale:95d``); a list of them is written as words, not as JSON."""

    def csv_word(self) -> str: ...


def csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list) and value and all(isinstance(v, CsvWord) for v in value):
        value = " ".join(v.csv_word() for v in value)
    elif isinstance(value, dict) or (
        isinstance(value, tuple | list) and any(isinstance(v, dict) for v in value)
    ):
        value = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, tuple | list):
        value = " ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_csv(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    tally = meta.tally()
    with_recorded = meta.kind == "report"
    record = meta.layout.record
    texts = meta.layout.csv_text
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([texts[f][0] if f in texts else f for f in meta.fields])
    for line in tally.count(lines):
        values = record(line, recorded_at=with_recorded)
        writer.writerow(
            [csv_value(texts[f][1](line) if f in texts else v) for f, v in values.items()]
        )
    return tally
