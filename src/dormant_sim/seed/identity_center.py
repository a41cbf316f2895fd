"""Build an Identity Center organization: permission sets, users, groups, assignments.

`IdentityCenterSeed` works through the API with seeding clients the simulation neither
records nor checks, in the management account; each assignment is settled at once (as if
AWS had finished) and its reserved role in the member account can be aged with
`set_role_use`. Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from moto.iam.models import iam_backends

from dormant_sim import identity_center
from dormant_sim.seed.clients import DEFAULT_ACCOUNT_ID, internal_client

__all__ = ["IdentityCenterSeed"]


class IdentityCenterSeed:
    """The management account's instance, and helpers that fill it."""

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT_ID,
        *,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self._sso = internal_client(
            "sso-admin", account_id, region=region, endpoint_url=endpoint_url
        )
        self._store = internal_client(
            "identitystore", account_id, region=region, endpoint_url=endpoint_url
        )
        instance = self._sso.list_instances()["Instances"][0]
        self.instance_arn = str(instance["InstanceArn"])
        self.identity_store_id = str(instance["IdentityStoreId"])

    def permission_set(self, name: str, tags: Mapping[str, str] | None = None) -> str:
        request: dict[str, Any] = {"InstanceArn": self.instance_arn, "Name": name}
        if tags:
            request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        created = self._sso.create_permission_set(**request)["PermissionSet"]
        return str(created["PermissionSetArn"])

    def user(self, name: str) -> str:
        return str(
            self._store.create_user(
                IdentityStoreId=self.identity_store_id,
                UserName=name,
                DisplayName=name,
                Name={"GivenName": name, "FamilyName": "Example"},
            )["UserId"]
        )

    def group(self, name: str, members: Sequence[str] = ()) -> str:
        group_id = str(
            self._store.create_group(IdentityStoreId=self.identity_store_id, DisplayName=name)[
                "GroupId"
            ]
        )
        for member in members:
            self._store.create_group_membership(
                IdentityStoreId=self.identity_store_id,
                GroupId=group_id,
                MemberId={"UserId": member},
            )
        return group_id

    def delete_user(self, user_id: str) -> None:
        self._store.delete_user(IdentityStoreId=self.identity_store_id, UserId=user_id)

    def assign(
        self,
        account_id: str,
        permission_set_arn: str,
        principal_type: str,
        principal_id: str,
        *,
        settle: bool = True,
    ) -> None:
        """Assign and settle: the set is provisioned to the account, with its reserved role
        (``settle=False``: leave it in progress; ``dormant_sim.identity_center.settle()``)."""
        self._sso.create_account_assignment(
            InstanceArn=self.instance_arn,
            TargetId=account_id,
            TargetType="AWS_ACCOUNT",
            PermissionSetArn=permission_set_arn,
            PrincipalType=principal_type,
            PrincipalId=principal_id,
        )
        if settle:
            identity_center.settle()

    def provision(self, account_id: str, permission_set_arn: str) -> None:
        """Provision without an assignment (what an assignment removed since leaves)."""
        identity_center.provision((self.account_id, self.region), permission_set_arn, account_id)

    def assignments(self, account_id: str, permission_set_arn: str) -> list[tuple[str, str]]:
        """The pair's assignments as (principal type, principal id), sorted."""
        found = self._sso.list_account_assignments(
            InstanceArn=self.instance_arn,
            AccountId=account_id,
            PermissionSetArn=permission_set_arn,
        )["AccountAssignments"]
        return sorted((str(a["PrincipalType"]), str(a["PrincipalId"])) for a in found)

    def role_name(self, account_id: str, permission_set_arn: str) -> str:
        name = identity_center.reserved_role_name(account_id, permission_set_arn)
        if name is None:
            raise KeyError(f"no reserved role for {permission_set_arn} in {account_id}")
        return name

    def set_role_use(
        self,
        account_id: str,
        permission_set_arn: str,
        *,
        created: datetime,
        last_used: datetime | None = None,
        region: str = "us-east-1",
    ) -> None:
        """Age the pair's reserved role: when Identity Center made it, when it was last used."""
        role = iam_backends[account_id]["aws"].get_role(
            self.role_name(account_id, permission_set_arn)
        )
        role.create_date = created
        role.last_used = last_used
        role.last_used_region = region if last_used is not None else None  # type: ignore[assignment]
