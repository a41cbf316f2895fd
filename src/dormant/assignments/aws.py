"""Read Identity Center and the reserved roles from AWS: the assignments' boto3 adapter.

``IdentityCenterSource`` reads, in the management (or delegated administrator) account, the
instance (sso-admin ListInstances), its permission sets (ListPermissionSets,
DescribePermissionSet, ListTagsForResource), the accounts each is provisioned to
(ListAccountsForProvisionedPermissionSet), the assignments of each pair
(ListAccountAssignments), and the name of each distinct principal once (identitystore
DescribeUser or DescribeGroup, and a group's ListGroupMemberships for its member count).
``reserved_roles`` reads one account's reserved roles with GetAccountAuthorizationDetails
filtered on roles: one page per 1,000 roles, never one call per role.

Every call goes through ``dormant.aws.session.aws_call``, so a failure names the call and
the account. This module decides nothing and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

from dormant.assignments.model import (
    RESERVED_ROLE_PATH_PREFIX,
    Assignment,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
)
from dormant.assignments.records import (
    InstanceData,
    permission_set_from_record,
    reserved_role_from_detail,
    role_in_account,
)
from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import AwsAccessError, InvalidParameter

__all__ = ["IdentityCenterSource", "reserved_roles"]

# The largest pages each operation allows: fewer round trips.
_GAAD_PAGE = 1000
_SSO_PAGE = 100


_NOT_FOUND = "ResourceNotFoundException"


class IdentityCenterSource:
    """One instance's permission sets, provisioning, assignments and named principals."""

    def __init__(
        self,
        sso_admin: Any,
        identity_store: Any,
        *,
        account_id: str = "",
        instance_arn: str | None = None,
        workers: int = 1,
    ) -> None:
        self._sso = sso_admin
        self._store = identity_store
        self._account = account_id
        self._instance_arn = instance_arn
        self._workers = workers
        self._principals: dict[tuple[str, str], Principal] = {}
        # One lock per principal: each is read once, however many threads meet it.
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _guard(self, operation: str) -> Callable[[], AbstractContextManager[None]]:
        return partial(aws_call, operation, self._account)

    def _pages(
        self, client: Any, operation: str, name: str, **params: Any
    ) -> Iterator[dict[str, Any]]:
        # ListTagsForResource pages by NextToken alone: it takes no MaxResults.
        size = None if operation == "list_tags_for_resource" else _SSO_PAGE
        return each_page(client, operation, self._guard(name), page_size=size, **params)

    def instance(self) -> tuple[str, str]:
        """The instance's ARN and identity store id (the one named, or the only one)."""
        found: list[tuple[str, str]] = []
        for page in self._pages(self._sso, "list_instances", "sso:ListInstances"):
            for record in page.get("Instances", []):
                found.append((str(record["InstanceArn"]), str(record["IdentityStoreId"])))
        if self._instance_arn is not None:
            for arn, store in found:
                if arn == self._instance_arn:
                    return arn, store
            raise InvalidParameter(
                "--instance-arn", f"{self._instance_arn} is not an instance this account sees"
            )
        if not found:
            raise AwsAccessError(
                "sso:ListInstances: no IAM Identity Center instance is visible here; run in "
                "the management account or Identity Center's delegated administrator",
                operation="sso:ListInstances",
                account_id=self._account,
            )
        if len(found) > 1:
            raise InvalidParameter(
                "--instance-arn", f"{len(found)} instances are visible: name one of them"
            )
        return found[0]

    def permission_set(self, instance_arn: str, arn: str) -> PermissionSet:
        with aws_call("sso:DescribePermissionSet", self._account):
            record = dict(
                self._sso.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=arn)[
                    "PermissionSet"
                ]
            )
        tags: list[dict[str, Any]] = []
        for page in self._pages(
            self._sso,
            "list_tags_for_resource",
            "sso:ListTagsForResource",
            InstanceArn=instance_arn,
            ResourceArn=arn,
        ):
            tags.extend(page.get("Tags", []))
        record["Tags"] = tags
        return permission_set_from_record(record, where=f"instance {instance_arn}")

    def accounts_of(self, instance_arn: str, arn: str) -> tuple[str, ...]:
        accounts: list[str] = []
        for page in self._pages(
            self._sso,
            "list_accounts_for_provisioned_permission_set",
            "sso:ListAccountsForProvisionedPermissionSet",
            InstanceArn=instance_arn,
            PermissionSetArn=arn,
        ):
            accounts.extend(str(a) for a in page.get("AccountIds", []))
        return tuple(sorted(set(accounts)))

    def assignments_of(
        self, instance_arn: str, store_id: str, account_id: str, arn: str
    ) -> list[Assignment]:
        """The assignments of one (account, permission set) pair, principals named."""
        found: list[Assignment] = []
        for page in self._pages(
            self._sso,
            "list_account_assignments",
            "sso:ListAccountAssignments",
            InstanceArn=instance_arn,
            AccountId=account_id,
            PermissionSetArn=arn,
        ):
            for record in page.get("AccountAssignments", []):
                principal = self.principal(
                    store_id,
                    PrincipalType(str(record["PrincipalType"])),
                    str(record["PrincipalId"]),
                )
                found.append(Assignment(instance_arn, account_id, arn, principal))
        return found

    def principal(self, store_id: str, kind: PrincipalType, principal_id: str) -> Principal:
        """A user's or group's name, read once per principal; a deleted one keeps its id."""
        key = (kind.value, principal_id)
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._principals.get(key)
            if cached is None:
                cached = self._principals[key] = self._read_principal(store_id, kind, principal_id)
        return cached

    def _read_principal(self, store_id: str, kind: PrincipalType, principal_id: str) -> Principal:
        try:
            if kind is PrincipalType.USER:
                with aws_call("identitystore:DescribeUser", self._account):
                    user = self._store.describe_user(IdentityStoreId=store_id, UserId=principal_id)
                principal = Principal(
                    kind, principal_id, user.get("UserName") or user.get("DisplayName")
                )
            else:
                with aws_call("identitystore:DescribeGroup", self._account):
                    group = self._store.describe_group(
                        IdentityStoreId=store_id, GroupId=principal_id
                    )
                members = 0
                for page in self._pages(
                    self._store,
                    "list_group_memberships",
                    "identitystore:ListGroupMemberships",
                    IdentityStoreId=store_id,
                    GroupId=principal_id,
                ):
                    members += len(page.get("GroupMemberships", []))
                principal = Principal(kind, principal_id, group.get("DisplayName"), members)
        except AwsAccessError as exc:
            if exc.code != _NOT_FOUND:
                raise
            principal = Principal(kind, principal_id)
        return principal

    def read_pair(self, account_id: str, name: str) -> InstanceData:
        """The instance restricted to one permission set (by name) in one account."""
        instance_arn, store_id = self.instance()
        for page in self._pages(
            self._sso, "list_permission_sets", "sso:ListPermissionSets", InstanceArn=instance_arn
        ):
            for arn in page.get("PermissionSets", []):
                permission_set = self.permission_set(instance_arn, str(arn))
                if permission_set.name != name:
                    continue
                assignments = self.assignments_of(instance_arn, store_id, account_id, str(arn))
                return InstanceData(
                    instance_arn,
                    store_id,
                    (permission_set,),
                    {permission_set.arn: (account_id,)},
                    tuple(assignments),
                )
        raise InvalidParameter(
            "PERMISSION_SET", f"the instance {instance_arn} has no permission set named {name}"
        )

    def read(self) -> InstanceData:
        """Everything the decision needs from the instance, in one pass."""
        instance_arn, store_id = self.instance()
        arns: list[str] = []
        for page in self._pages(
            self._sso, "list_permission_sets", "sso:ListPermissionSets", InstanceArn=instance_arn
        ):
            arns.extend(str(a) for a in page.get("PermissionSets", []))
        with ThreadPoolExecutor(self._workers, thread_name_prefix="dormant-sso") as pool:
            # ListAccountAssignments takes one account and one set a call: the calls are
            # independent, so ``workers`` of them are in flight at once.
            sets = list(pool.map(lambda arn: self.permission_set(instance_arn, arn), arns))
            accounts = list(pool.map(lambda s: self.accounts_of(instance_arn, s.arn), sets))
            provisioned = {s.arn: found for s, found in zip(sets, accounts, strict=True)}
            pairs = [(account, s.arn) for s in sets for account in provisioned[s.arn]]
            found = pool.map(lambda pair: self.assignments_of(instance_arn, store_id, *pair), pairs)
            assignments = tuple(a for pair in found for a in pair)
        return InstanceData(instance_arn, store_id, tuple(sets), provisioned, assignments)


def reserved_roles(iam: Any, account_id: str) -> list[ReservedRole]:
    """The account's reserved roles of Identity Center, from GetAccountAuthorizationDetails
    filtered on roles (every role is listed; only the reserved ones are kept)."""
    guard = partial(aws_call, "iam:GetAccountAuthorizationDetails", account_id)
    roles: list[ReservedRole] = []
    for page in each_page(
        iam, "get_account_authorization_details", guard, page_size=_GAAD_PAGE, Filter=["Role"]
    ):
        for detail in page.get("RoleDetailList", []):
            if not str(detail.get("Path", "")).startswith(RESERVED_ROLE_PATH_PREFIX):
                continue
            role = reserved_role_from_detail(detail, where=f"account {account_id}")
            if role.permission_set_name is not None:
                roles.append(role_in_account(role, account_id))
    return roles
