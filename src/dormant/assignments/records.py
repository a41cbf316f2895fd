"""Identity Center's records (as sso-admin, identitystore and IAM return them) into values.

The live adapter (``dormant.assignments.aws``) and the offline snapshot reader
(``dormant.assignments.snapshot``) both come through these functions, so an instance reads
the same either way. ``InstanceData`` is everything read from the management (or delegated
administrator) account; the reserved roles are read per account. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dormant.assignments.model import (
    Assignment,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
)
from dormant.core.errors import RoleDataError
from dormant.core.time import parse_timestamp

__all__ = [
    "InstanceData",
    "assignment_from_record",
    "assignment_record",
    "permission_set_from_record",
    "principal_from_record",
    "principal_record",
    "reserved_role_from_detail",
    "role_in_account",
]


@dataclass(frozen=True, slots=True)
class InstanceData:
    """One Identity Center instance as read: its permission sets, the accounts each is
    provisioned to, the assignments and their principals (named when the store knows them).
    """

    instance_arn: str
    identity_store_id: str
    permission_sets: tuple[PermissionSet, ...] = ()
    provisioned: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # set ARN -> accounts
    assignments: tuple[Assignment, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every account a permission set is provisioned to or assigned in, sorted."""
        found = {a for accounts in self.provisioned.values() for a in accounts}
        found.update(a.account_id for a in self.assignments)
        return tuple(sorted(found))


def _text(record: Mapping[str, Any], key: str, what: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise RoleDataError(f"{what} has no {key}")
    return value


def _where(where: str) -> str:
    return f" in {where}" if where else ""


def _tags(value: object, what: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise RoleDataError(f"{what} has Tags that are not a list")
    tags: list[tuple[str, str]] = []
    for tag in value:
        if not isinstance(tag, Mapping) or not isinstance(tag.get("Key"), str):
            raise RoleDataError(f"{what} has a tag without a Key: {tag!r:.60}")
        tags.append((str(tag["Key"]), str(tag.get("Value", ""))))
    return tuple(tags)


def permission_set_from_record(record: object, *, where: str = "") -> PermissionSet:
    """DescribePermissionSet's ``PermissionSet`` (plus ``Tags``) -> PermissionSet."""
    if not isinstance(record, Mapping):
        raise RoleDataError(f"permission set{_where(where)} is not a JSON object: {record!r:.60}")
    label = record.get("Name") or record.get("PermissionSetArn") or "<unnamed>"
    what = f"permission set {label}{_where(where)}"
    arn = _text(record, "PermissionSetArn", what)
    name = _text(record, "Name", what)
    created_raw = record.get("CreatedDate")
    try:
        created = None if created_raw in (None, "") else parse_timestamp(created_raw)
    except ValueError as exc:
        raise RoleDataError(f"{what} has a bad CreatedDate: {exc}") from None
    description = record.get("Description")
    return PermissionSet(
        arn=arn,
        name=name,
        created=created,
        description=str(description) if description else None,
        tags=_tags(record.get("Tags"), what),
    )


def principal_from_record(record: object, *, where: str = "") -> Principal:
    """``{PrincipalType, PrincipalId, DisplayName?, MemberCount?}`` -> Principal."""
    if not isinstance(record, Mapping):
        raise RoleDataError(f"principal{_where(where)} is not a JSON object: {record!r:.60}")
    what = f"principal {record.get('PrincipalId') or '<unnamed>'}{_where(where)}"
    kind = _text(record, "PrincipalType", what)
    try:
        principal_type = PrincipalType(kind)
    except ValueError:
        raise RoleDataError(f"{what} has PrincipalType {kind!r}, not USER or GROUP") from None
    members = record.get("MemberCount")
    if members is not None and (isinstance(members, bool) or not isinstance(members, int)):
        raise RoleDataError(f"{what} has a MemberCount that is not a whole number")
    name = record.get("DisplayName")
    return Principal(
        principal_type,
        _text(record, "PrincipalId", what),
        str(name) if name else None,
        members,
    )


def principal_record(principal: Principal) -> dict[str, Any]:
    return {
        "PrincipalType": principal.principal_type.value,
        "PrincipalId": principal.principal_id,
        "DisplayName": principal.name,
        "MemberCount": principal.members,
    }


def assignment_from_record(
    record: object,
    *,
    instance_arn: str,
    principals: Mapping[tuple[str, str], Principal],
    where: str = "",
) -> Assignment:
    """ListAccountAssignments' ``AccountAssignment`` (``AccountId``, ``PermissionSetArn``,
    ``PrincipalType``, ``PrincipalId``) -> Assignment, its principal named from ``principals``."""
    if not isinstance(record, Mapping):
        raise RoleDataError(f"assignment{_where(where)} is not a JSON object: {record!r:.60}")
    what = f"assignment{_where(where)}"
    bare = principal_from_record(record, where=where)
    principal = principals.get((bare.principal_type.value, bare.principal_id), bare)
    account = _text(record, "AccountId", what)
    if not (len(account) == 12 and account.isdigit()):
        raise RoleDataError(f"{what} has AccountId {account!r}, not 12 digits")
    return Assignment(
        instance_arn=instance_arn,
        account_id=account,
        permission_set_arn=_text(record, "PermissionSetArn", what),
        principal=principal,
    )


def assignment_record(assignment: Assignment) -> dict[str, Any]:
    """What a backup keeps of one assignment: ids to re-create it, names for people."""
    return {
        "InstanceArn": assignment.instance_arn,
        "AccountId": assignment.account_id,
        "PermissionSetArn": assignment.permission_set_arn,
        **principal_record(assignment.principal),
    }


def reserved_role_from_detail(detail: object, *, where: str = "") -> ReservedRole:
    """One RoleDetail of GetAccountAuthorizationDetails -> ReservedRole (the fields it needs)."""
    if not isinstance(detail, Mapping):
        raise RoleDataError(f"role entry{_where(where)} is not a JSON object: {detail!r:.60}")
    label = detail.get("RoleName") or detail.get("Arn") or "<unnamed>"
    what = f"role {label}{_where(where)}"
    used = detail.get("RoleLastUsed") or {}
    try:
        created = parse_timestamp(detail.get("CreateDate"), what="CreateDate")
        used_raw = used.get("LastUsedDate") if isinstance(used, Mapping) else None
        last_used = (
            None
            if used_raw in (None, "")
            else parse_timestamp(used_raw, what="RoleLastUsed.LastUsedDate")
        )
    except ValueError as exc:
        raise RoleDataError(f"{what} has a bad value: {exc}") from None
    region = used.get("Region") if isinstance(used, Mapping) else None
    return ReservedRole(
        name=_text(detail, "RoleName", what),
        arn=_text(detail, "Arn", what),
        role_id=_text(detail, "RoleId", what),
        path=_text(detail, "Path", what),
        created=created,
        last_used=last_used,
        last_used_region=str(region) if region else None,
    )


def role_in_account(role: ReservedRole, account_id: str, *, where: str = "") -> ReservedRole:
    """The role, if its ARN names ``account_id``: a role of another account filed under this
    one would send someone to unassign the wrong account (RoleDataError)."""
    parts = role.arn.split(":")
    if len(parts) < 5 or parts[4] != account_id:
        raise RoleDataError(f"role {role.arn}{_where(where)} is not in account {account_id}")
    return role
