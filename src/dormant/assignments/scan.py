"""Join what Identity Center says with the reserved roles of one account, and decide.

``account_subjects`` pairs each permission set provisioned to (or assigned in) an account
with the reserved role of its name there, by name alone (``AWSReservedSSO_<name>_<hex>``):
a role that matches no permission set, a set with no role, or a set with two roles of its
name is kept as such and reported by the decision, never guessed. Pure: no AWS here; the
live adapter and the snapshot reader bring the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from dormant.assignments.decide import evaluate_assignments
from dormant.assignments.model import (
    AccountPermissionSet,
    AssignmentFinding,
    Principal,
    ReservedRole,
)
from dormant.assignments.records import InstanceData
from dormant.core.settings import Settings

__all__ = ["account_subjects", "decide_account"]


def account_subjects(
    data: InstanceData, account_id: str, roles: Iterable[ReservedRole]
) -> list[AccountPermissionSet]:
    """Every (account, permission set) pair of ``account_id``, and each unmatched role."""
    by_name: dict[str, list[ReservedRole]] = defaultdict(list)
    for role in roles:
        name = role.permission_set_name
        if name is not None:
            by_name[name].append(role)
    principals: dict[str, list[Principal]] = defaultdict(list)
    for assignment in data.assignments:
        if assignment.account_id == account_id:
            principals[assignment.permission_set_arn].append(assignment.principal)
    wanted = {arn for arn, accounts in data.provisioned.items() if account_id in accounts}
    wanted.update(principals)
    subjects: list[AccountPermissionSet] = []
    known_names: set[str] = set()
    for permission_set in data.permission_sets:
        if permission_set.arn not in wanted:
            continue
        known_names.add(permission_set.name)
        matches = by_name.get(permission_set.name, [])
        subjects.append(
            AccountPermissionSet(
                account_id=account_id,
                instance_arn=data.instance_arn,
                permission_set_name=permission_set.name,
                permission_set=permission_set,
                principals=tuple(principals.get(permission_set.arn, ())),
                role=matches[0] if len(matches) == 1 else None,
                role_matches=len(matches),
                identity_store_id=data.identity_store_id,
            )
        )
    for name, matches in sorted(by_name.items()):
        if name in known_names:
            continue
        for role in matches:
            subjects.append(
                AccountPermissionSet(
                    account_id=account_id,
                    instance_arn=data.instance_arn,
                    permission_set_name=name,
                    permission_set=None,
                    role=role,
                    identity_store_id=data.identity_store_id,
                )
            )
    subjects.sort(key=lambda s: (s.permission_set_name, s.role.name if s.role else ""))
    return subjects


def decide_account(
    data: InstanceData,
    account_id: str,
    roles: Iterable[ReservedRole],
    settings: Settings,
    now: datetime,
) -> list[AssignmentFinding]:
    """The findings of one account: the join, then the one decision."""
    return list(evaluate_assignments(account_subjects(data, account_id, roles), settings, now))
