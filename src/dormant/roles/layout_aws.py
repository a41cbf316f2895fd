"""The roles' report with AWS's finding beside dormant's decision (`--source access-analyzer`).

`ROLE_AWS_LAYOUT` is `ROLE_LAYOUT` with `AWS_FIELDS` in JSON and CSV and one "AWS agrees"
column in the table and Markdown. Standard library only; nothing here decides.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dormant.report.layout import Column, iso
from dormant.roles.layout import FIELDS, ROLE_LAYOUT, Row, record

__all__ = ["AWS_FIELDS", "ROLE_AWS_LAYOUT", "agrees_text", "aws_record"]

# What `dormant scan --source access-analyzer` adds: AWS's finding, and whether dormant agrees.
AWS_FIELDS = ("aws_finding", "agrees", "disagreement")


def aws_record(row: Row, *, recorded_at: bool = False) -> dict[str, Any]:
    """``record`` with ``AWS_FIELDS``: AWS's finding (timestamps ISO 8601 UTC), ``agrees``
    (true only where both say unused and dormant may act) and ``disagreement`` (why not)."""
    full = record(row, recorded_at=recorded_at)
    aws = row.aws_finding
    full["aws_finding"] = (
        None
        if aws is None
        else {
            "source": aws.source,
            "id": aws.id,
            "type": aws.type,
            "status": aws.status,
            "analyzed_at": iso(aws.analyzed_at),
            "last_accessed": None if aws.last_accessed is None else iso(aws.last_accessed),
            "resource_arn": aws.resource_arn,
            "account_id": aws.account_id,
            "window_days": aws.window_days,
            "analyzer_arn": aws.analyzer_arn,
        }
    )
    full["agrees"] = None if row.agreement is None else row.agreement.agrees
    full["disagreement"] = None if row.agreement is None else row.agreement.why
    return full


def agrees_text(row: Row) -> str:
    """``yes``, or ``no: why`` (the table's "AWS agrees" column)."""
    return "" if row.agreement is None else row.agreement.text


# `dormant scan --source access-analyzer`: the roles' report with AWS's finding beside
# dormant's decision. One more column, first, so the table's narrow screens keep it.
ROLE_AWS_LAYOUT = replace(
    ROLE_LAYOUT,
    fields=FIELDS + AWS_FIELDS,
    record=aws_record,
    columns=(Column("AWS agrees", agrees_text, short_header="AWS"), *ROLE_LAYOUT.columns),
)
