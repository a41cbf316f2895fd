"""The assignments' report: one line per permission set in one account.

Every renderer works on these lines through ``ASSIGNMENT_LAYOUT`` (``dormant.report.layout``):
TSV keeps three columns (permission set, compliance, annotation), JSON/CSV carry
``ASSIGNMENT_FIELDS`` with ``principals`` as a list of objects in JSON and ``type:name``
words in CSV, and the HTML page groups the lines by permission set (a row per account).
Nothing here decides compliance. Standard library only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dormant.assignments.model import (
    RESOURCE_TYPE_PERMISSION_SET,
    AssignmentFinding,
    AssignmentReason,
    Principal,
)
from dormant.assignments.records import principal_record
from dormant.core.model import Compliance
from dormant.report.layout import Column, Layout, compliance_rank, iso

__all__ = [
    "ASSIGNMENT_FIELDS",
    "ASSIGNMENT_LAYOUT",
    "AssignmentLine",
    "assignment_line",
    "assignment_record_of_line",
]

# `dormant assignments` output fields (JSON keys, CSV header), in order.
ASSIGNMENT_FIELDS = (
    "account_id",
    "permission_set_name",
    "permission_set_arn",
    "instance_arn",
    "compliance",
    "reason",
    "annotation",
    "owner",
    "days_unused",
    "role_name",
    "role_arn",
    "role_created",
    "last_used",
    "last_used_region",
    "principals",
)


class AssignmentLine(NamedTuple):
    """What a report shows about one permission set in one account."""

    account_id: str
    name: str
    compliance: Compliance
    annotation: str
    finding: AssignmentFinding

    @property
    def admin(self) -> bool:
        return False

    @property
    def exempt(self) -> bool:
        return self.finding.reason is AssignmentReason.EXEMPT

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_PERMISSION_SET

    @property
    def resource_id(self) -> str:
        return self.finding.resource_id

    @property
    def arn(self) -> str | None:
        return self.finding.arn or None


def assignment_line(finding: AssignmentFinding) -> AssignmentLine:
    return AssignmentLine(
        account_id=finding.account_id,
        name=finding.resource_name,
        compliance=finding.compliance,
        annotation=finding.annotation,
        finding=finding,
    )


class _PrincipalRecord(dict[str, Any]):
    """A principal's JSON object, which CSV (one cell for the list) writes as one word."""

    def csv_word(self) -> str:
        return f"{self['PrincipalType'].lower()}:{self['DisplayName'] or self['PrincipalId']}"


def _principal(principal: Principal) -> dict[str, Any]:
    return _PrincipalRecord(principal_record(principal))


def assignment_record_of_line(line: AssignmentLine, *, recorded_at: bool = False) -> dict[str, Any]:
    finding = line.finding
    subject = finding.subject
    role = subject.role
    return {
        "account_id": line.account_id,
        "permission_set_name": line.name,
        "permission_set_arn": None
        if subject.permission_set is None
        else subject.permission_set.arn,
        "instance_arn": subject.instance_arn,
        "compliance": line.compliance.value,
        "reason": finding.reason.value,
        "annotation": line.annotation,
        "owner": finding.owner,
        "days_unused": finding.days_unused,
        "role_name": None if role is None else role.name,
        "role_arn": None if role is None else role.arn,
        "role_created": None if role is None else iso(role.created),
        "last_used": None if role is None else iso(role.last_used),
        "last_used_region": None if role is None else role.last_used_region,
        "principals": [_principal(p) for p in subject.principals],
    }


def _days(line: AssignmentLine) -> int:
    return -1 if line.finding.days_unused is None else line.finding.days_unused


def _principals(line: AssignmentLine) -> str:
    return ", ".join(sorted(p.label for p in line.finding.subject.principals))


def sort_key(line: AssignmentLine) -> tuple[int, int, str, str]:
    """Non-compliant first; then the longest unused, then account and permission set."""
    return (compliance_rank(line.compliance), -_days(line), line.account_id, line.name)


ASSIGNMENT_LAYOUT = Layout(
    name="assignments",
    noun="permission sets",
    fields=ASSIGNMENT_FIELDS,
    record=assignment_record_of_line,
    columns=(
        Column(
            "Days unused",
            lambda line: "" if _days(line) < 0 else str(_days(line)),
            sort_value=_days,
            numeric=True,
            keep_whole=True,
            short_header="Unused",
        ),
        Column("Assigned to", _principals, warn=False),
    ),
    sort_key=sort_key,
    name_header="Permission set",
    counts_admin=False,
    # One section per permission set, a row per account it is assigned in: what the team
    # that runs Identity Center changes is the set's assignments, account by account.
    html_group_by=lambda line: line.name,
    html_row_name=lambda line: line.account_id,
    html_row_header="Account",
)
