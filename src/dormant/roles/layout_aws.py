"""The roles' report with AWS's finding beside dormant's decision (`--source access-analyzer`).

`ROLE_AWS_LAYOUT` is `ROLE_LAYOUT` with `AWS_FIELDS` in JSON and CSV and one "AWS agrees"
column in the table and Markdown. Standard library only; nothing here decides.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dormant.report.aws_findings import AWS_FIELDS, aws_fields
from dormant.report.aws_findings import agrees_text as agreement_text
from dormant.report.layout import Column
from dormant.roles.layout import FIELDS, ROLE_LAYOUT, Row, record

__all__ = ["AWS_FIELDS", "ROLE_AWS_LAYOUT", "agrees_text", "aws_record"]


def aws_record(row: Row, *, recorded_at: bool = False) -> dict[str, Any]:
    """``record`` with ``AWS_FIELDS`` (``dormant.report.aws_findings``)."""
    return {**record(row, recorded_at=recorded_at), **aws_fields(row.aws_finding, row.agreement)}


def agrees_text(row: Row) -> str:
    """``yes``, or ``no: why`` (the table's "AWS agrees" column)."""
    return agreement_text(row.agreement)


# `dormant scan --source access-analyzer`: the roles' report with AWS's finding beside
# dormant's decision. One more column, first, so the table's narrow screens keep it.
ROLE_AWS_LAYOUT = replace(
    ROLE_LAYOUT,
    fields=FIELDS + AWS_FIELDS,
    record=aws_record,
    columns=(Column("AWS agrees", agrees_text, short_header="AWS"), *ROLE_LAYOUT.columns),
)
