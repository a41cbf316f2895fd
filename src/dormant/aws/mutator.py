"""IAM adapter for remediation: reads a role's full state, makes the planned write calls.

Reads: GetRole (RoleLastUsed, Description, MaxSessionDuration, PermissionsBoundary, Tags),
ListRolePolicies + GetRolePolicy, ListAttachedRolePolicies, ListInstanceProfilesForRole,
all paged. Writes: only the operations in ``dormant.remediation.plan.WRITE_OPERATIONS``,
with the parameters the plan holds, unchanged. Every error becomes an ``AwsAccessError``
naming the call, the role and the account. No decisions are made here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, Self

import botocore
import botocore.exceptions

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call, describe_client_error
from dormant.remediation.interface import Caller
from dormant.remediation.plan import Step
from dormant.remediation.state import InstanceProfileRef, RoleState
from dormant.roles import role_from_detail

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient

__all__ = ["WRITE_METHODS", "IamRoleMutator", "IamWriter", "NoSuchEntityError"]

# boto3 method for each write operation a plan may contain.
WRITE_METHODS = {
    "AddRoleToInstanceProfile": "add_role_to_instance_profile",
    "AttachRolePolicy": "attach_role_policy",
    "CreateInstanceProfile": "create_instance_profile",
    "CreateRole": "create_role",
    "DeleteInstanceProfile": "delete_instance_profile",
    "DeleteRole": "delete_role",
    "DeleteRolePolicy": "delete_role_policy",
    "DetachRolePolicy": "detach_role_policy",
    "PutRolePermissionsBoundary": "put_role_permissions_boundary",
    "PutRolePolicy": "put_role_policy",
    "RemoveRoleFromInstanceProfile": "remove_role_from_instance_profile",
    "TagRole": "tag_role",
    "UntagRole": "untag_role",
    "UpdateRole": "update_role",
}


class NoSuchEntityError(Exception):
    """IAM has no such entity: raised by ``missing_ok`` calls for the adapter to handle."""


class IamWriter:
    """What both IAM adapters of remediation share: the clients, the caller, one guarded
    call, and a paged list of one entity's items. ``_ENTITY`` and ``_NAME_PARAM`` say which
    entity (``role``/``RoleName``, ``user``/``UserName``) the messages and lists name."""

    _ENTITY = "role"
    _NAME_PARAM = "RoleName"

    def __init__(self, iam: IAMClient, sts: STSClient) -> None:
        self._iam = iam
        self._sts = sts
        self._caller: Caller | None = None

    @classmethod
    def from_session(cls, session: boto3.session.Session, config: Any = None) -> Self:
        return cls(session.client("iam", config=config), session.client("sts", config=config))

    def caller(self) -> Caller:
        if self._caller is None:
            with aws_call("sts:GetCallerIdentity"):
                identity = self._sts.get_caller_identity()
            self._caller = Caller(account_id=str(identity["Account"]), arn=str(identity["Arn"]))
        return self._caller

    @contextlib.contextmanager
    def _guard(self, label: str, *, missing_ok: bool = False) -> Iterator[None]:
        """Around one call. With ``missing_ok``, NoSuchEntity raises NoSuchEntityError for the
        caller to handle; every other error becomes an AwsAccessError naming call and account."""
        account = self._caller.account_id if self._caller else ""
        with aws_call(label, account):
            try:
                yield
            except botocore.exceptions.ClientError as exc:
                if missing_ok and describe_client_error(exc)[0] == "NoSuchEntity":
                    raise NoSuchEntityError(str(exc)) from None
                raise

    def _call(self, label: str, method: Any, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        with self._guard(label, missing_ok=missing_ok):
            return method(**kwargs)

    def _pages(self, operation: str, name: str, key: str) -> list[Any]:
        """Every item of one entity's paged list (ListRolePolicies...), through its paginator."""
        params: dict[str, Any] = {self._NAME_PARAM: name}
        responses = each_page(
            self._iam,
            botocore.xform_name(operation),
            partial(self._guard, f"iam:{operation} of {self._ENTITY} {name}", missing_ok=True),
            **params,
        )
        return [item for response in responses for item in response.get(key, [])]


class IamRoleMutator(IamWriter):
    """A ``RoleMutator`` over one account's IAM and STS clients."""

    def describe_role(self, name: str) -> RoleState | None:
        iam = self._iam
        try:
            detail: dict[str, Any] = dict(
                self._call(
                    f"iam:GetRole of role {name}", iam.get_role, missing_ok=True, RoleName=name
                )["Role"]
            )
            policy_names = self._pages("ListRolePolicies", name, "PolicyNames")
            inline = []
            for policy_name in policy_names:
                response = self._call(
                    f"iam:GetRolePolicy of role {name}",
                    iam.get_role_policy,
                    missing_ok=True,
                    RoleName=name,
                    PolicyName=policy_name,
                )
                inline.append(
                    {"PolicyName": policy_name, "PolicyDocument": response["PolicyDocument"]}
                )
            attached = self._pages("ListAttachedRolePolicies", name, "AttachedPolicies")
            profiles = self._pages("ListInstanceProfilesForRole", name, "InstanceProfiles")
        except NoSuchEntityError:
            return None
        detail["RolePolicyList"] = inline
        detail["AttachedManagedPolicies"] = attached
        account = self._caller.account_id if self._caller else ""
        role = role_from_detail(detail, where=f"account {account}" if account else "")
        return RoleState(
            role=role,
            max_session_duration=int(detail.get("MaxSessionDuration") or 3600),
            instance_profiles=tuple(
                InstanceProfileRef(name=str(p["InstanceProfileName"]), path=str(p.get("Path", "/")))
                for p in profiles
            ),
        )

    def instance_profile_exists(self, name: str) -> bool:
        try:
            self._call(
                f"iam:GetInstanceProfile of instance profile {name}",
                self._iam.get_instance_profile,
                missing_ok=True,
                InstanceProfileName=name,
            )
        except NoSuchEntityError:
            return False
        return True

    def execute(self, step: Step) -> None:
        method = getattr(self._iam, WRITE_METHODS[step.operation])
        params = step.params
        subject = (
            f"role {params['RoleName']}"
            if "RoleName" in params
            else f"instance profile {params.get('InstanceProfileName')}"
        )
        self._call(f"iam:{step.operation} of {subject}", method, **dict(params))
