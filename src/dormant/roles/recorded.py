"""What a Config rule recorded, joined with the account's current roles for a report.

Reads the rule's results through a ``ComplianceHistory`` and names each RoleId from
one read of the account's roles (a ``RoleSource``: one paged
GetAccountAuthorizationDetails, never a GetRole per role). A role deleted since keeps
its RoleId as its name, since that is all Config knows. Nothing here re-decides
compliance, and nothing here imports boto3: ``dormant report`` and ``dormant demo``
hand in the adapters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dormant.core.model import RESOURCE_TYPE_ROLE
from dormant.engine.rule import ComplianceHistory
from dormant.roles.layout import Row, row_from_recorded
from dormant.roles.model import Role
from dormant.roles.scan import RoleSource

__all__ = ["DEFAULT_RULE_NAME", "recorded_rows"]

DEFAULT_RULE_NAME = "iam-role-last-used"


def recorded_rows(
    history: ComplianceHistory,
    source: RoleSource,
    *,
    rule_name: str,
    compliance_types: Sequence[str],
    account_id: str,
    now: datetime,
) -> list[Row]:
    """The rule's recorded results for roles as rows, in Config's order.

    The roles are read only when Config holds at least one result to name.
    """
    results = [
        r
        for r in history.recorded(rule_name, tuple(compliance_types))
        if r.resource_type == RESOURCE_TYPE_ROLE
    ]
    roles: dict[str, Role] = {}
    if results:
        roles = {role.role_id: role for role in source.roles()}
    return [
        row_from_recorded(
            r.resource_id,
            r.compliance,
            r.annotation,
            r.recorded_at,
            roles.get(r.resource_id),
            account_id=account_id,
            now=now,
        )
        for r in results
    ]
