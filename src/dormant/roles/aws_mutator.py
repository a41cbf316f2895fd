"""IAM adapter for remediation: reads a role's full state, makes the planned write calls.

Reads: GetRole (RoleLastUsed, Description, MaxSessionDuration, PermissionsBoundary, Tags),
ListRolePolicies + GetRolePolicy, ListAttachedRolePolicies, ListInstanceProfilesForRole, all
paged; a managed policy's document (GetPolicy, GetPolicyVersion); for restore, every role's
trust policy (GetAccountAuthorizationDetails, paged).
The role's CloudFormation stack (``Role.stack``): the stacks of the session's Region, read
once, on the first role described (``dormant.roles.aws_stacks``).
Writes: only the operations in ``dormant.remediation.steps.WRITE_OPERATIONS``, with the
parameters the plan holds, unchanged. Every error becomes an ``AwsAccessError`` naming the
call, the role and the account. No decisions are made here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Self

from dormant.aws.iam_writer import IamWriter, NoSuchEntityError
from dormant.remediation.steps import Step
from dormant.roles.aws import IamRoleSource
from dormant.roles.aws_stacks import stack_roles
from dormant.roles.records import role_from_detail
from dormant.roles.remediate.state import InstanceProfileRef, RoleState

__all__ = [
    "WRITE_METHODS",
    "IamRoleMutator",
]


# boto3 method for each write operation a plan may contain.
WRITE_METHODS = {
    "AddRoleToInstanceProfile": "add_role_to_instance_profile",
    "AttachRolePolicy": "attach_role_policy",
    "CreateInstanceProfile": "create_instance_profile",
    "CreatePolicy": "create_policy",
    "CreateRole": "create_role",
    "DeleteInstanceProfile": "delete_instance_profile",
    "DeletePolicy": "delete_policy",
    "DeleteRole": "delete_role",
    "DeleteRolePermissionsBoundary": "delete_role_permissions_boundary",
    "DeleteRolePolicy": "delete_role_policy",
    "DetachRolePolicy": "detach_role_policy",
    "PutRolePermissionsBoundary": "put_role_permissions_boundary",
    "PutRolePolicy": "put_role_policy",
    "RemoveRoleFromInstanceProfile": "remove_role_from_instance_profile",
    "TagRole": "tag_role",
    "UntagRole": "untag_role",
    "UpdateRole": "update_role",
}


class IamRoleMutator(IamWriter):
    """A ``RoleMutator`` over one account's IAM and STS clients (and, made from a session,
    its CloudFormation client, for the stacks' roles)."""

    _cloudformation: Any = None
    _stacks: Mapping[str, str] | None = None

    @classmethod
    def from_session(cls, session: Any, config: Any = None) -> Self:
        mutator = super().from_session(session, config)
        mutator._cloudformation = session.client("cloudformation", config=config)
        return mutator

    def stacks(self) -> Mapping[str, str]:
        """Each role name a CloudFormation stack holds, to the stack's name (read once);
        empty without a CloudFormation client."""
        if self._stacks is None:
            client = self._cloudformation
            self._stacks = {} if client is None else stack_roles(client, self.caller().account_id)
        return self._stacks

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
        stack = self.stacks().get(name)
        if stack is not None:
            role = replace(role, stack=stack)
        return RoleState(
            role=role,
            max_session_duration=int(detail.get("MaxSessionDuration") or 3600),
            instance_profiles=tuple(
                InstanceProfileRef(name=str(p["InstanceProfileName"]), path=str(p.get("Path", "/")))
                for p in profiles
            ),
        )

    def trust_policies(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        account = self.caller().account_id
        for role in IamRoleSource(self._iam, account_id=account).roles():
            yield role.name, role.trust_policy or {}

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

    def policy_document(self, arn: str) -> tuple[dict[str, Any], datetime | None] | None:
        """A managed policy's default version's document and when the policy was last
        updated (GetPolicy, GetPolicyVersion), or None if there is no such policy."""
        try:
            policy = self._call(
                f"iam:GetPolicy of policy {arn}",
                self._iam.get_policy,
                missing_ok=True,
                PolicyArn=arn,
            )["Policy"]
            version = self._call(
                f"iam:GetPolicyVersion of policy {arn}",
                self._iam.get_policy_version,
                missing_ok=True,
                PolicyArn=arn,
                VersionId=policy["DefaultVersionId"],
            )["PolicyVersion"]
        except NoSuchEntityError:
            return None
        document = version["Document"]
        updated = policy.get("UpdateDate")
        if isinstance(updated, datetime) and updated.tzinfo is None:
            updated = updated.replace(tzinfo=UTC)
        # boto3 decodes the URL-encoded JSON; a string here is the JSON text itself.
        parsed = dict(json.loads(document) if isinstance(document, str) else document)
        return parsed, updated if isinstance(updated, datetime) else None

    def execute(self, step: Step) -> None:
        method = getattr(self._iam, WRITE_METHODS[step.operation])
        params = step.params
        if "RoleName" in params:
            subject = f"role {params['RoleName']}"
        elif "InstanceProfileName" in params:
            subject = f"instance profile {params['InstanceProfileName']}"
        else:
            subject = f"policy {params.get('PolicyName') or params.get('PolicyArn')}"
        self._call(f"iam:{step.operation} of {subject}", method, **dict(params))
