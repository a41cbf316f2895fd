"""Read an Identity Center snapshot directory: ``dormant assignments --snapshot DIR``.

The directory holds::

    identity-center.json     {"Instance": {"InstanceArn", "IdentityStoreId"},
                              "PermissionSets": [DescribePermissionSet's record + "Tags"
                                                 + "Accounts" (provisioned to)],
                              "Assignments": [ListAccountAssignments' records + "AccountId"],
                              "Principals": [{"PrincipalType", "PrincipalId",
                                              "DisplayName", "MemberCount"}]}
    roles/<account id>.json  the JSON of 'aws iam get-account-authorization-details
                             --filter Role' in that account (only reserved roles are read)

An account with no roles file is reported as not scanned, as an account whose member role
is denied is live. Errors name the file and the record at fault. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dormant.assignments.model import Principal, ReservedRole
from dormant.assignments.records import (
    InstanceData,
    assignment_from_record,
    permission_set_from_record,
    principal_from_record,
    reserved_role_from_detail,
    role_in_account,
)
from dormant.core.errors import RoleDataError, SnapshotError

__all__ = ["INSTANCE_FILE", "ROLES_DIR", "read_instance", "read_roles"]

INSTANCE_FILE = "identity-center.json"


ROLES_DIR = "roles"


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SnapshotError(f"snapshot file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"snapshot file {path} cannot be read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"snapshot file {path} line {exc.lineno}: not JSON ({exc.msg})"
        ) from None


def _list(data: Mapping[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SnapshotError(f"snapshot file {path}: {key} is not a list")
    return value


def read_instance(directory: str | Path) -> InstanceData:
    """The instance, its permission sets, provisioning, assignments and principals."""
    path = Path(directory) / INSTANCE_FILE
    data = _load(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("Instance"), Mapping):
        raise SnapshotError(f"snapshot file {path}: expected an object with an Instance")
    instance = data["Instance"]
    arn = instance.get("InstanceArn")
    store = instance.get("IdentityStoreId")
    if not isinstance(arn, str) or not isinstance(store, str):
        raise SnapshotError(f"snapshot file {path}: Instance needs InstanceArn and IdentityStoreId")
    try:
        principals: dict[tuple[str, str], Principal] = {}
        for index, record in enumerate(_list(data, "Principals", path)):
            principal = principal_from_record(record, where=f"{path} Principals[{index}]")
            principals[(principal.principal_type.value, principal.principal_id)] = principal
        sets = []
        provisioned: dict[str, tuple[str, ...]] = {}
        for index, record in enumerate(_list(data, "PermissionSets", path)):
            where = f"{path} PermissionSets[{index}]"
            permission_set = permission_set_from_record(record, where=where)
            accounts = record.get("Accounts", [])
            if not isinstance(accounts, list) or not all(
                isinstance(a, str) and len(a) == 12 and a.isdigit() for a in accounts
            ):
                raise SnapshotError(f"{where}: Accounts is not a list of 12-digit account ids")
            sets.append(permission_set)
            provisioned[permission_set.arn] = tuple(accounts)
        assignments = tuple(
            assignment_from_record(
                record, instance_arn=arn, principals=principals, where=f"{path} Assignments[{i}]"
            )
            for i, record in enumerate(_list(data, "Assignments", path))
        )
    except SnapshotError:
        raise
    except RoleDataError as exc:
        raise SnapshotError(str(exc)) from None
    return InstanceData(arn, store, tuple(sets), provisioned, assignments)


def read_roles(directory: str | Path, account_id: str) -> list[ReservedRole]:
    """The reserved roles of one account's saved GetAccountAuthorizationDetails.

    Raises SnapshotError when the account has no file (the caller reports the account)."""
    path = Path(directory) / ROLES_DIR / f"{account_id}.json"
    data = _load(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("RoleDetailList"), list):
        raise SnapshotError(f"snapshot file {path}: expected an object with a RoleDetailList")
    roles: list[ReservedRole] = []
    for index, detail in enumerate(data["RoleDetailList"]):
        try:
            where = f"{path} RoleDetailList[{index}]"
            role = role_in_account(reserved_role_from_detail(detail, where=where), account_id)
        except SnapshotError:
            raise
        except RoleDataError as exc:
            raise SnapshotError(str(exc)) from None
        if role.permission_set_name is not None:
            roles.append(role)
    return roles
