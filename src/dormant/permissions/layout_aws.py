"""The permissions report with AWS's finding beside dormant's decision (`--source`).

`PERMISSIONS_AWS_LAYOUT` is `PERMISSIONS_LAYOUT` with `AWS_FIELDS` in JSON and CSV
(`aws_finding.services` holds AWS's unused services and actions) and one "AWS agrees" column
in the table and Markdown. Standard library only; nothing here decides.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dormant.permissions.layout import (
    PERMISSIONS_FIELDS,
    PERMISSIONS_LAYOUT,
    PermissionsLine,
    permissions_record,
)
from dormant.report.aws_findings import AWS_FIELDS, agrees_text, aws_fields
from dormant.report.layout import Column

__all__ = ["PERMISSIONS_AWS_LAYOUT", "permissions_aws_record"]


def permissions_aws_record(line: PermissionsLine, *, recorded_at: bool = False) -> dict[str, Any]:
    """``permissions_record`` with ``AWS_FIELDS`` (``dormant.report.aws_findings``)."""
    finding = line.finding
    return {
        **permissions_record(line, recorded_at=recorded_at),
        **aws_fields(finding.aws_finding, finding.agreement),
    }


PERMISSIONS_AWS_LAYOUT = replace(
    PERMISSIONS_LAYOUT,
    fields=PERMISSIONS_FIELDS + AWS_FIELDS,
    record=permissions_aws_record,
    columns=(
        Column("AWS agrees", lambda line: agrees_text(line.finding.agreement), short_header="AWS"),
        *PERMISSIONS_LAYOUT.columns,
    ),
)
