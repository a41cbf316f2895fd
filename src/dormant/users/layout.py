"""The users' report: one line per IAM user, from a fresh finding or a result Config recorded.

Every renderer works on these lines through ``USER_LAYOUT`` (see ``dormant.report.layout``),
so TSV keeps the blog's three columns (user name, compliance, annotation) and JSON/CSV
carry ``USER_FIELDS``; ``credentials`` is a list of objects in JSON
(``CREDENTIAL_FIELDS``) and ``kind:state:days`` words in CSV. Nothing here decides
compliance. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.model import RESOURCE_TYPE_USER, Compliance
from dormant.core.tags import is_exempt_annotation
from dormant.report.layout import Column, Layout, compliance_rank, iso
from dormant.users.model import CredentialStatus, User, UserFinding, UserReason

if TYPE_CHECKING:
    from dormant.engine.rule import RecordedResult


__all__ = [
    "CREDENTIAL_FIELDS",
    "USER_FIELDS",
    "USER_LAYOUT",
    "UserLine",
    "credential_record",
    "recorded_user_lines",
    "user_line_from_finding",
    "user_line_from_recorded",
    "user_record",
]

# `dormant users` output fields (JSON keys, CSV header), in order.
USER_FIELDS = (
    "account_id",
    "user_name",
    "user_id",
    "arn",
    "path",
    "created",
    "compliance",
    "reason",
    "annotation",
    "owner",
    "credentials",
)


CREDENTIAL_FIELDS = (
    "kind",
    "active",
    "created",
    "last_used",
    "last_used_region",
    "last_used_service",
    "days_unused",
    "stale",
)


class UserLine(NamedTuple):
    """What a report shows about one user. ``user`` is None for a user IAM no longer has."""

    account_id: str
    name: str
    compliance: Compliance
    annotation: str
    user: User | None = None
    reason: str | None = None
    credentials: tuple[CredentialStatus, ...] = ()
    user_id: str | None = None
    recorded_at: datetime | None = None
    owner: str | None = None
    # With --source access-analyzer (``dormant.users.layout_aws``), else None.
    aws_finding: AwsFinding | None = None
    aws_credential: str | None = None
    agreement: Agreement | None = None

    @property
    def admin(self) -> bool:
        return False

    @property
    def exempt(self) -> bool:
        if self.reason is None:  # a result Config recorded
            return is_exempt_annotation(self.compliance, self.annotation)
        return self.reason == UserReason.EXEMPT

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_USER

    @property
    def resource_id(self) -> str:
        return self.user_id or (self.user.arn if self.user is not None else self.name)

    @property
    def arn(self) -> str | None:
        return None if self.user is None else self.user.arn


def user_line_from_finding(finding: UserFinding) -> UserLine:
    user = finding.user
    return UserLine(
        account_id=user.account_id,
        name=user.name,
        compliance=finding.compliance,
        annotation=finding.annotation,
        user=user,
        reason=str(finding.reason),
        credentials=finding.credentials,
        user_id=user.user_id,
        owner=finding.owner,
        aws_finding=finding.aws_finding,
        aws_credential=None if finding.aws_credential is None else finding.aws_credential.value,
        agreement=finding.agreement,
    )


def user_line_from_recorded(
    resource_id: str,
    compliance: str,
    annotation: str | None,
    recorded_at: datetime | None,
    user: User | None,
    *,
    account_id: str,
) -> UserLine:
    """A result Config holds for a UserId; the user's name when IAM still has the user."""
    return UserLine(
        account_id=(user.account_id if user is not None else "") or account_id,
        name=resource_id if user is None else user.name,
        compliance=Compliance(compliance),
        annotation=annotation or "",
        user=user,
        user_id=resource_id,
        recorded_at=recorded_at,
    )


def recorded_user_lines(
    results: Sequence[RecordedResult],
    details: Callable[[], Iterable[Mapping[str, Any]]],
    *,
    account_id: str,
) -> list[UserLine]:
    """The users' results a rule recorded, named from the account's user details (read
    once, and only when there is a result to name). A user deleted since keeps its UserId
    as its name, since that is all Config knows."""
    from dormant.users.records import user_from_detail

    wanted = [r for r in results if r.resource_type == RESOURCE_TYPE_USER]
    users: dict[str, User] = {}
    if wanted:
        for detail in details():
            user = user_from_detail(detail, where=f"account {account_id}")
            users[user.user_id or ""] = user
    return [
        user_line_from_recorded(
            r.resource_id,
            r.compliance,
            r.annotation,
            r.recorded_at,
            users.get(r.resource_id),
            account_id=account_id,
        )
        for r in wanted
    ]


class _CredentialRecord(dict[str, Any]):
    """A credential's JSON object, which CSV (one cell for the list) writes as one word."""

    def csv_word(self) -> str:
        state = "stale" if self["stale"] else "active" if self["active"] else "inactive"
        days = "" if self["days_unused"] is None else f":{self['days_unused']}d"
        return f"{self['kind']}:{state}{days}"


def credential_record(status: CredentialStatus) -> dict[str, Any]:
    credential = status.credential
    return _CredentialRecord(
        kind=credential.kind.value,
        active=credential.active,
        created=iso(credential.created),
        last_used=iso(credential.last_used),
        last_used_region=credential.last_used_region,
        last_used_service=credential.last_used_service,
        days_unused=status.days_unused,
        stale=status.stale,
    )


def user_record(line: UserLine, *, recorded_at: bool = False) -> dict[str, Any]:
    user = line.user
    full: dict[str, Any] = {
        "account_id": line.account_id,
        "user_name": line.name,
        "user_id": line.user_id,
        "arn": None if user is None else user.arn,
        "path": None if user is None else user.path,
        "created": None if user is None else iso(user.created),
        "compliance": line.compliance.value,
        "reason": line.reason,
        "annotation": line.annotation,
        "owner": line.owner,
        "credentials": [credential_record(s) for s in line.credentials],
    }
    if recorded_at:
        full["recorded_at"] = iso(line.recorded_at)
    return full


def _longest_unused(line: UserLine) -> int:
    """Days the longest-unused active credential has gone unused; -1 when none."""
    days = [s.days_unused for s in line.credentials if s.credential.active]
    return max((d for d in days if d is not None), default=-1)


def _credentials_text(line: UserLine) -> str:
    """``password 120d stale, access key 1 3d, access key 2 inactive``."""
    parts: list[str] = []
    for status in line.credentials:
        label = status.kind.label.lower()
        if not status.credential.active:
            parts.append(f"{label} inactive")
            continue
        days = "" if status.days_unused is None else f" {status.days_unused}d"
        never = " never used" if status.credential.last_used is None else ""
        parts.append(f"{label}{days}{never}{' STALE' if status.stale else ''}")
    return ", ".join(parts)


def sort_key(line: UserLine) -> tuple[int, int, str, str]:
    """Non-compliant first; then the longest unused, then account and name."""
    return (compliance_rank(line.compliance), -_longest_unused(line), line.account_id, line.name)


USER_LAYOUT = Layout(
    name="users",
    noun="users",
    fields=USER_FIELDS,
    report_fields=("recorded_at",),
    record=user_record,
    columns=(
        Column(
            "Days unused",
            lambda line: "" if _longest_unused(line) < 0 else str(_longest_unused(line)),
            sort_value=_longest_unused,
            numeric=True,
            keep_whole=True,
            short_header="Unused",
        ),
        Column("Credentials", _credentials_text, warn=False, note=True),
    ),
    sort_key=sort_key,
    name_header="User",
    counts_admin=False,
)
