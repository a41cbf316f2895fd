"""The roles' report: one row per role, from a fresh finding or a result Config recorded.

Every renderer works on rows through ``ROLE_LAYOUT`` (see ``dormant.report.layout``),
so a field means the same in every format. ``record`` gives the flat JSON/CSV shape
(field names below are the documented output fields). Nothing here decides compliance:
a row carries what ``dormant.roles.decide`` decided (scan) or what Config recorded (report).
Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.managed import management_of
from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance
from dormant.core.tags import DEFAULT_OWNER_TAG_KEYS, is_exempt_annotation, owner_of
from dormant.core.time import whole_days
from dormant.report.html_cells import (
    DESCRIPTION_LIMIT,
    _column_cells,
    _path_parts,
    items,
    row_data,
    stamp,
    text,
)
from dormant.report.layout import Column, Layout, compliance_rank, iso
from dormant.roles.decide import assess_risk
from dormant.roles.model import (
    Finding,
    Reason,
    Risk,
    Role,
    RoleReferences,
    provider_name,
    risk_text,
)
from dormant.roles.references import (
    CSV_TEXT,
    checked_record,
    reference_record,
    referenced_by_text,
    short_label,
)

__all__ = [
    "FIELDS",
    "MANAGED_HEADER",
    "NEVER_USED_DAYS",
    "REFERENCED_HEADER",
    "REPORT_FIELDS",
    "ROLE_LAYOUT",
    "ROLE_PAGE_HEADERS",
    "Row",
    "extra_columns",
    "managed_text",
    "record",
    "role_cells",
    "row_from_finding",
    "row_from_recorded",
    "sort_key",
    "sort_rows",
    "unused_days",
    "unused_text",
]

# The output fields of `dormant scan` (JSON keys, CSV header), in order.
FIELDS = (
    "account_id",
    "role_name",
    "role_id",
    "arn",
    "path",
    "created",
    "last_used",
    "last_used_region",
    "days_unused",
    "age_days",
    "compliance",
    "reason",
    "annotation",
    "owner",
    "managed_by",
    "hint",
    "risk_score",
    "admin",
    "trusted_services",
    "trusted_accounts",
    "trusted_federated",
    "references",
    "references_checked",
)

# `dormant report` adds when Config recorded the result.
REPORT_FIELDS = (*FIELDS, "recorded_at")

# Never used is the longest possible disuse: as a number of days it sorts past any real
# one. The one sentinel every ordering (the sorted formats, the HTML table) uses.
NEVER_USED_DAYS = 10**6

_NO_RISK = Risk()
_NONE = RoleReferences()


class Row(NamedTuple):
    """What a report shows about one role. ``role`` is None for a role IAM no longer has.

    A NamedTuple (immutable, and several times cheaper to build than a frozen dataclass)
    because a snapshot of 100,000 roles makes 100,000 of them on the way to the output.
    """

    account_id: str
    role_name: str
    role_id: str
    compliance: Compliance
    annotation: str
    role: Role | None = None
    reason: str | None = None
    days_unused: int | None = None
    age_days: int | None = None
    risk: Risk = _NO_RISK
    recorded_at: datetime | None = None
    owner: str | None = None
    managed_by: str | None = None
    hint: str | None = None
    references: RoleReferences | None = None  # None: no source was asked
    # With --source access-analyzer: AWS's finding and dormant's agreement (None otherwise).
    aws_finding: AwsFinding | None = None
    agreement: Agreement | None = None

    @property
    def name(self) -> str:
        return self.role_name

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_ROLE

    @property
    def resource_id(self) -> str:
        return self.role_id

    @property
    def arn(self) -> str | None:
        """None for a role IAM no longer has (Config only knows its id)."""
        return None if self.role is None else self.role.arn

    @property
    def admin(self) -> bool:
        return self.risk.admin

    @property
    def exempt(self) -> bool:
        if self.reason is None:  # a result Config recorded
            return is_exempt_annotation(self.compliance, self.annotation)
        return self.reason == Reason.EXEMPT

    @property
    def never_used(self) -> bool:
        return self.role is not None and self.role.last_used is None


def row_from_finding(finding: Finding) -> Row:
    role = finding.role
    # Positional: the fastest way to build a NamedTuple, once per role of a snapshot.
    return Row(
        role.account_id,
        role.name,
        role.role_id,
        finding.compliance,
        finding.annotation,
        role,
        str(finding.reason),
        finding.days_unused,
        finding.age_days,
        finding.risk,
        None,
        finding.owner,
        finding.managed_by,
        finding.hint,
        finding.references,
        finding.aws_finding,
        finding.agreement,
    )


def row_from_recorded(
    resource_id: str,
    compliance: str,
    annotation: str | None,
    recorded_at: datetime | None,
    role: Role | None,
    *,
    account_id: str,
    now: datetime,
) -> Row:
    """A result Config holds; the role's current data (if it still exists) fills the rest.

    Deleted roles keep their RoleId as their name, as Config only knows the id.
    """
    verdict = Compliance(compliance)
    # Config keeps no owner or manager: read them from the role as it is now.
    if role is None:
        return Row(
            account_id=account_id,
            role_name=resource_id,
            role_id=resource_id,
            compliance=verdict,
            annotation=annotation or "",
            recorded_at=recorded_at,
        )
    account = role.account_id or account_id
    management = management_of(
        role.name, role.path, role.tags, stack=role.stack, account_id=account
    )
    return Row(
        account_id=role.account_id or account_id,
        role_name=role.name,
        role_id=role.role_id,
        compliance=verdict,
        annotation=annotation or "",
        role=role,
        days_unused=None if role.last_used is None else whole_days(role.last_used, now),
        age_days=whole_days(role.created, now),
        risk=assess_risk(role),
        recorded_at=recorded_at,
        owner=owner_of(role.tags, DEFAULT_OWNER_TAG_KEYS),
        managed_by=None if management is None else str(management.managed_by),
        hint=None if management is None else management.hint,
    )


def record(row: Row, *, recorded_at: bool = False) -> dict[str, Any]:
    """The flat JSON/CSV shape of a row: ``FIELDS`` (``REPORT_FIELDS`` with recorded_at).

    The trusted_* values are tuples, which JSON writes as lists.
    """
    role = row.role
    risk = row.risk
    if role is None:
        arn = path = created = last_used = region = None
    else:
        arn, path, region = role.arn, role.path, role.last_used_region
        created = iso(role.created)
        last_used = None if role.last_used is None else iso(role.last_used)
    full: dict[str, Any] = {
        "account_id": row.account_id,
        "role_name": row.role_name,
        "role_id": row.role_id,
        "arn": arn,
        "path": path,
        "created": created,
        "last_used": last_used,
        "last_used_region": region,
        "days_unused": row.days_unused,
        "age_days": row.age_days,
        "compliance": row.compliance.value,
        "reason": row.reason,
        "annotation": row.annotation,
        "owner": row.owner,
        "managed_by": row.managed_by,
        "hint": row.hint,
        "risk_score": risk.score,
        "admin": risk.admin,
        "trusted_services": risk.trusted_services,
        "trusted_accounts": risk.trusted_accounts,
        "trusted_federated": risk.trusted_federated,
        "references": [
            reference_record(r) for r in (row.references or RoleReferences()).references
        ],
        "references_checked": checked_record(row.references),
    }
    if recorded_at:
        full["recorded_at"] = iso(row.recorded_at)
    return full


def unused_days(row: Row) -> int:
    """Days unused as one number to sort by: never used is ``NEVER_USED_DAYS``, unknown -1."""
    if row.days_unused is not None:
        return row.days_unused
    return NEVER_USED_DAYS if row.never_used else -1


def unused_text(row: Row) -> str:
    if row.days_unused is not None:
        return str(row.days_unused)
    return "never" if row.never_used else ""


MANAGED_HEADER = "Managed by"
REFERENCED_HEADER = "Referenced by"


def managed_text(row: Row) -> str:
    """``cloudformation: created by CloudFormation stack x: remove it from the stack``."""
    if row.managed_by is None:
        return ""
    return f"{row.managed_by}: {row.hint}" if row.hint else row.managed_by


def sort_key(row: Row) -> tuple[int, int, int, str, str]:
    """Non-compliant first; then the most dangerous, then the longest unused."""
    return (
        compliance_rank(row.compliance),
        -row.risk.score,
        -unused_days(row) if row.days_unused is not None or row.never_used else 0,
        row.account_id,
        row.role_name,
    )


def sort_rows(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=sort_key)


def role_cells(row: Row, extra: Sequence[Column] = ()) -> dict[str, Any]:
    """A role's cells; ``extra``: the layout's other columns (``extra_columns``)."""
    role = row.role
    risk = row.risk
    path = role.path if role else ""
    accounts = ["anyone (*)" if a == "*" else a for a in risk.trusted_accounts]
    lists = (
        items("accounts", accounts),
        items("federated", [provider_name(p) for p in risk.trusted_federated]),
        items("services", list(risk.trusted_services)),
        items("referenced by", [short_label(r) for r in (row.references or _NONE).references], 1),
    )
    return {
        "row": row,
        "data": row_data(row, path),
        "path_parts": _path_parts(path),
        "arn": role.arn if role else "",
        "tags": items("tags", [f"{key}={value}" for key, value in role.tags] if role else []),
        "description": text((role.description or "") if role else "", DESCRIPTION_LIMIT),
        "annotation": text(row.annotation),
        "owner": row.owner or "",
        "managed": managed_text(row),
        "compliance_rank": compliance_rank(row.compliance),
        "unused": unused_text(row),
        "unused_sort": unused_days(row),
        "last_used": stamp(iso(role.last_used) if role and role.last_used else None),
        "last_used_region": (role.last_used_region or "") if role else "",
        "created": stamp(iso(role.created) if role else None),
        "admin": risk.admin,
        "risk_lists": [group for group in lists if group.shown],
        "risk_score": risk.score,
        "recorded_at": stamp(iso(row.recorded_at)),
        "extra": _column_cells(row, extra),
    }


# The columns the roles' own table shows in its own way (owner and manager under the role's
# name, where a 1280 px page has room); any other column is plain text after them.
ROLE_PAGE_HEADERS = frozenset({"Days unused", "Risk", "Owner", MANAGED_HEADER, REFERENCED_HEADER})


def extra_columns(layout: Layout) -> tuple[Column, ...]:
    """The columns a layout adds beyond what the roles' own table shows."""
    return tuple(c for c in layout.columns if c.header not in ROLE_PAGE_HEADERS)


ROLE_LAYOUT = Layout(
    name="roles",
    noun="roles",
    fields=FIELDS,
    report_fields=("recorded_at",),
    record=record,
    html_cells=lambda row, layout: role_cells(row, extra_columns(layout)),
    html_extra_columns=extra_columns,
    chart=True,
    columns=(
        Column(
            "Days unused",
            unused_text,
            sort_value=unused_days,
            numeric=True,
            keep_whole=True,
            short_header="Unused",
        ),
        Column(
            "Risk",
            lambda row: risk_text(row.risk),
            sort_value=lambda row: row.risk.score,
            warn=True,
            note=True,
        ),
        Column("Owner", lambda row: row.owner or "", keep_whole=True, note=True),
        Column(MANAGED_HEADER, managed_text, note=True),
        Column(REFERENCED_HEADER, lambda row: referenced_by_text(row.references), note=True),
    ),
    sort_key=sort_key,
    name_header="Role",
    csv_text=CSV_TEXT,
)
