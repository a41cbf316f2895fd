"""One row per role, whatever produced it: a fresh finding or a result AWS Config recorded.

Every renderer works on ``Row`` values, so a field means the same in every format.
``record`` gives the flat JSON/CSV shape (field names below are the documented output
fields). Nothing here decides compliance: a row carries what ``dormant.rules`` decided
(scan) or what Config recorded (report). Standard library only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from dormant.model import AccountFailure, Compliance, Finding, Risk, Role
from dormant.rules import assess_risk, whole_days

__all__ = [
    "FIELDS",
    "REPORT_FIELDS",
    "ReportMeta",
    "Row",
    "Tally",
    "iso",
    "record",
    "row_from_finding",
    "row_from_recorded",
    "sort_rows",
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
    "risk_score",
    "admin",
    "trusted_services",
    "trusted_accounts",
    "trusted_federated",
)
# `dormant report` adds when Config recorded the result.
REPORT_FIELDS = (*FIELDS, "recorded_at")

_COMPLIANCE_ORDER = {
    Compliance.NON_COMPLIANT.value: 0,
    Compliance.COMPLIANT.value: 1,
    Compliance.NOT_APPLICABLE.value: 2,
}
_NO_RISK = Risk()
_NON_COMPLIANT = Compliance.NON_COMPLIANT.value


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, e.g. ``2024-04-15T13:05:21Z``."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:  # parsed timestamps already are UTC: skip the conversion
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


class Row(NamedTuple):
    """What a report shows about one role. ``role`` is None for a role IAM no longer has.

    A NamedTuple (immutable, and several times cheaper to build than a frozen dataclass)
    because a snapshot of 100,000 roles makes 100,000 of them on the way to the output.
    """

    account_id: str
    role_name: str
    role_id: str
    compliance: str
    annotation: str
    role: Role | None = None
    reason: str | None = None
    days_unused: int | None = None
    age_days: int | None = None
    risk: Risk = _NO_RISK
    recorded_at: datetime | None = None

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
        str(finding.compliance),
        finding.annotation,
        role,
        str(finding.reason),
        finding.days_unused,
        finding.age_days,
        finding.risk,
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
    if role is None:
        return Row(
            account_id=account_id,
            role_name=resource_id,
            role_id=resource_id,
            compliance=compliance,
            annotation=annotation or "",
            recorded_at=recorded_at,
        )
    return Row(
        account_id=role.account_id or account_id,
        role_name=role.name,
        role_id=role.role_id,
        compliance=compliance,
        annotation=annotation or "",
        role=role,
        days_unused=None if role.last_used is None else whole_days(role.last_used, now),
        age_days=whole_days(role.created, now),
        risk=assess_risk(role),
        recorded_at=recorded_at,
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
        "compliance": row.compliance,
        "reason": row.reason,
        "annotation": row.annotation,
        "risk_score": risk.score,
        "admin": risk.admin,
        "trusted_services": risk.trusted_services,
        "trusted_accounts": risk.trusted_accounts,
        "trusted_federated": risk.trusted_federated,
    }
    if recorded_at:
        full["recorded_at"] = iso(row.recorded_at)
    return full


def _unused_key(row: Row) -> int:
    # Never used is the longest possible disuse: it sorts before any number of days.
    if row.days_unused is None:
        return -(10**9) if row.never_used else 0
    return -row.days_unused


def sort_key(row: Row) -> tuple[int, int, int, str, str]:
    """Non-compliant first; then the most dangerous, then the longest unused."""
    return (
        _COMPLIANCE_ORDER.get(row.compliance, 3),
        -row.risk.score,
        _unused_key(row),
        row.account_id,
        row.role_name,
    )


def sort_rows(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=sort_key)


@dataclass
class Tally:
    """Counts rows as they stream past, for the summary written after them."""

    by_compliance: Counter[str] = field(default_factory=Counter)
    accounts: set[str] = field(default_factory=set)
    admin_non_compliant: int = 0

    def count(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self.add(row)
            yield row

    def add(self, row: Row) -> None:
        self.by_compliance[row.compliance] += 1
        self.accounts.add(row.account_id)
        if row.risk.admin and row.compliance == _NON_COMPLIANT:
            self.admin_non_compliant += 1

    @property
    def roles(self) -> int:
        return sum(self.by_compliance.values())

    def summary(self, failures: Sequence[AccountFailure] = ()) -> dict[str, Any]:
        return {
            "roles": self.roles,
            "compliant": self.by_compliance.get(Compliance.COMPLIANT.value, 0),
            "non_compliant": self.by_compliance.get(Compliance.NON_COMPLIANT.value, 0),
            "not_applicable": self.by_compliance.get(Compliance.NOT_APPLICABLE.value, 0),
            "non_compliant_admin": self.admin_non_compliant,
            "accounts": len(self.accounts - {""}),
            "failed_accounts": len({f.account_id for f in failures}),
        }


@dataclass(frozen=True)
class ReportMeta:
    """What surrounds the rows: when, how, from where, and which accounts failed.

    ``kind`` is ``scan`` or ``report``; ``settings`` is JSON-ready; ``multi_account``
    adds the account column to the TSV and groups the HTML report.
    """

    kind: str
    generated_at: datetime
    source: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    failures: Sequence[AccountFailure] = ()
    multi_account: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return REPORT_FIELDS if self.kind == "report" else FIELDS

    @property
    def title(self) -> str:
        return "dormant report" if self.kind == "report" else "dormant scan"


def failure_record(failure: AccountFailure) -> dict[str, str]:
    return {
        "account_id": failure.account_id,
        "operation": failure.operation,
        "message": failure.message,
    }
