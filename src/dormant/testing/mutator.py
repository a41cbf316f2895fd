"""In-memory IAM roles for remediation tests: a ``RoleMutator``.

``InMemoryRoleMutator`` keeps roles, their inline and attached policies, tags and instance
profiles, and answers each write call as IAM does: NoSuchEntity for what is missing,
DeleteConflict for a role that still has policies or profiles, EntityAlreadyExists, IAM's
quotas. Every error is the ``AwsAccessError`` that ``dormant.roles.aws_mutator.IamRoleMutator``
raises for the same answer. Every call is recorded in order (``calls``, ``write_calls()``),
so a test can prove a dry run made no write call, and any call can be made to fail for one
role (``fail``).

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dormant.remediation.interface import Caller
from dormant.remediation.steps import WRITE_OPERATIONS, Step
from dormant.roles.model import Role
from dormant.roles.remediate.state import InstanceProfileRef, RoleState
from dormant.roles.remediate.trust import first_refused_principal
from dormant.testing.injection import Failures, aws_error

__all__ = ["READ_OPERATIONS", "IamCall", "InMemoryRoleMutator"]

READ_OPERATIONS = frozenset(
    {"GetCallerIdentity", "GetRole", "GetInstanceProfile", "GetAccountAuthorizationDetails"}
)
AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"
MAX_MANAGED_POLICIES_PER_ROLE = 10
MAX_TAGS_PER_ROLE = 50


@dataclass(frozen=True, slots=True)
class IamCall:
    """One call the mutator answered; ``error`` is the AWS error code when it failed."""

    operation: str
    params: Mapping[str, Any]
    error: str | None = None

    @property
    def is_write(self) -> bool:
        return self.operation in WRITE_OPERATIONS


@dataclass
class _Profile:
    path: str
    roles: list[str] = field(default_factory=list)


class _IamError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _document(text: object) -> dict[str, Any]:
    try:
        parsed = json.loads(str(text))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _IamError("MalformedPolicyDocument", "Syntax errors in policy.")
    return parsed


class InMemoryRoleMutator:
    """A ``RoleMutator`` over one in-memory account, acting as ``caller_arn``."""

    def __init__(
        self,
        account_id: str = "111111111111",
        *,
        caller_arn: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.account_id = account_id
        self.caller_arn = caller_arn or f"arn:aws:iam::{account_id}:user/operator"
        self.calls: list[IamCall] = []
        self.failures = Failures()
        self._clock = clock
        self._lock = threading.RLock()
        self._roles: dict[str, RoleState] = {}
        self._profiles: dict[str, _Profile] = {}
        self._policies: set[str] = set()
        self._caller_known = False
        self._next_id = 0

    # --- seeding and inspection (not recorded as calls) -------------------------------
    def add_role(
        self,
        role: Role,
        *,
        max_session_duration: int = 3600,
        instance_profiles: Iterable[str | InstanceProfileRef] = (),
    ) -> RoleState:
        """Put a role in the account as it is (ids, dates, usage), with its profiles."""
        if role.account_id not in ("", self.account_id):
            raise ValueError(f"role {role.name} is in account {role.account_id}, not here")
        with self._lock:
            if role.name in self._roles:
                raise ValueError(f"role {role.name} already exists")
            self._roles[role.name] = RoleState(
                replace(role, account_id=self.account_id), max_session_duration
            )
            self._policies.update(role.attached_policy_arns)
            for profile in instance_profiles:
                ref = InstanceProfileRef(profile) if isinstance(profile, str) else profile
                self._profiles.setdefault(ref.name, _Profile(ref.path)).roles.append(role.name)
            return self._state(role.name)

    def add_instance_profile(self, name: str, path: str = "/") -> None:
        with self._lock:
            self._profiles.setdefault(name, _Profile(path))

    def add_managed_policy(self, arn: str) -> None:
        """A customer managed policy that may be attached (AWS managed ones always may)."""
        with self._lock:
            self._policies.add(arn)

    def record_use(self, name: str, when: datetime, region: str = "us-east-1") -> None:
        """Someone used the role at ``when`` (IAM updates RoleLastUsed, even under a deny)."""
        with self._lock:
            self._update(name, last_used=when, last_used_region=region)

    def role_names(self) -> list[str]:
        with self._lock:
            return sorted(self._roles)

    def instance_profile(self, name: str) -> InstanceProfileRef | None:
        with self._lock:
            profile = self._profiles.get(name)
            return None if profile is None else InstanceProfileRef(name, profile.path)

    def write_calls(self) -> list[IamCall]:
        """Every write call made, failed ones included, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.is_write]

    def fail(
        self,
        operation: str,
        *,
        role_name: str | None = None,
        instance_profile: str | None = None,
        code: str = "ServiceFailure",
        message: str = "Injected failure",
        times: int | None = 1,
        after: int = 0,
    ) -> None:
        """The next ``times`` calls of ``operation`` (a write operation, GetRole or
        GetInstanceProfile) for that role (or instance profile; None: any) answer ``code``,
        once ``after`` such calls have gone through."""
        if operation not in WRITE_OPERATIONS | READ_OPERATIONS:
            raise ValueError(f"{operation} is not a call the mutator makes")
        subject = role_name if role_name is not None else instance_profile
        self.failures.plan(operation, code, message, subject=subject, times=times, after=after)

    # --- the RoleMutator protocol ------------------------------------------------------
    def caller(self) -> Caller:
        self._call("GetCallerIdentity", {}, "sts:GetCallerIdentity", lambda: None)
        self._caller_known = True
        return Caller(self.account_id, self.caller_arn)

    def describe_role(self, name: str) -> RoleState | None:
        def read() -> RoleState | None:
            return self._state(name) if name in self._roles else None

        state: RoleState | None = self._call(
            "GetRole", {"RoleName": name}, f"iam:GetRole of role {name}", read
        )
        return state

    def instance_profile_exists(self, name: str) -> bool:
        label = f"iam:GetInstanceProfile of instance profile {name}"
        params = {"InstanceProfileName": name}
        exists: bool = self._call(
            "GetInstanceProfile", params, label, lambda: name in self._profiles
        )
        return exists

    def trust_policies(self) -> list[tuple[str, Mapping[str, Any]]]:
        gaad = "GetAccountAuthorizationDetails"
        trusts = [(n, s.role.trust_policy or {}) for n, s in sorted(self._roles.items())]
        return list(self._call(gaad, {}, f"iam:{gaad}", lambda: trusts))

    def execute(self, step: Step) -> None:
        params = dict(step.params)
        subject = (
            f"role {params['RoleName']}"
            if "RoleName" in params
            else f"instance profile {params.get('InstanceProfileName')}"
        )
        handler = getattr(self, f"_{step.operation}")
        self._call(
            step.operation, params, f"iam:{step.operation} of {subject}", lambda: handler(params)
        )

    # --- how IAM answers --------------------------------------------------------------

    def _call(
        self, operation: str, params: dict[str, Any], label: str, act: Callable[[], Any]
    ) -> Any:
        subject = params.get("RoleName", params.get("InstanceProfileName"))
        with self._lock:
            failure = self.failures.take(operation, subject)
            try:
                if failure is not None:
                    raise _IamError(failure.code, failure.message)
                result = act()
            except _IamError as exc:
                self.calls.append(IamCall(operation, params, exc.code))
                account = self.account_id if self._caller_known else ""
                raise aws_error(label, exc.code, exc.message, account) from None
            self.calls.append(IamCall(operation, params))
            return result

    def _state(self, name: str) -> RoleState:
        profiles = tuple(
            InstanceProfileRef(p_name, p.path)
            for p_name, p in self._profiles.items()
            if name in p.roles
        )
        return replace(self._roles[name], instance_profiles=profiles)

    def _role(self, name: str) -> RoleState:
        state = self._roles.get(name)
        if state is None:
            raise _IamError("NoSuchEntity", f"The role with name {name} cannot be found.")
        return state

    def _update(self, name: str, **changes: Any) -> None:
        state = self._role(name)
        self._roles[name] = replace(state, role=replace(state.role, **changes))

    def _profile(self, name: str) -> _Profile:
        profile = self._profiles.get(name)
        if profile is None:
            raise _IamError("NoSuchEntity", f"Instance Profile {name} cannot be found.")
        return profile

    def _require_policy(self, arn: str) -> None:
        if not arn.startswith(AWS_MANAGED_POLICY_PREFIX) and arn not in self._policies:
            raise _IamError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")

    def _tags(self, tags: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        merged = dict(tags)
        for key, value in merged.items():
            if not 1 <= len(key) <= 128 or len(value) > 256:
                raise _IamError("ValidationError", f"Tag {key!r} has a bad key or value length.")
        if len(merged) > MAX_TAGS_PER_ROLE:
            raise _IamError(
                "LimitExceeded", f"Cannot exceed quota for TagsPerRole: {MAX_TAGS_PER_ROLE}"
            )
        return tuple(merged.items())

    def _CreateRole(self, p: dict[str, Any]) -> None:
        name, path = str(p["RoleName"]), str(p.get("Path", "/"))
        if name in self._roles:
            raise _IamError("EntityAlreadyExists", f"Role with name {name} already exists.")
        duration = int(p.get("MaxSessionDuration", 3600))
        if not 3600 <= duration <= 43200:
            raise _IamError("ValidationError", "MaxSessionDuration must be 3600..43200")
        boundary = p.get("PermissionsBoundary")
        if boundary:
            self._require_policy(str(boundary))
        trust = _document(p["AssumeRolePolicyDocument"])
        if refused := first_refused_principal(trust, self.account_id, self._roles.values()):
            raise _IamError("MalformedPolicyDocument", f'Invalid principal: "AWS":"{refused}"')
        self._next_id += 1
        role = Role(
            role_id=f"AROA{self._next_id:017d}",
            name=name,
            path=path,
            arn=f"arn:aws:iam::{self.account_id}:role{path}{name}",
            created=self._clock(),
            trust_policy=trust,
            tags=self._tags((t["Key"], t.get("Value", "")) for t in p.get("Tags", [])),
            description=p.get("Description"),
            permissions_boundary_arn=boundary or None,
            account_id=self.account_id,
        )
        self._roles[name] = RoleState(role, duration)

    def _UpdateRole(self, p: dict[str, Any]) -> None:
        state = self._role(str(p["RoleName"]))
        if "Description" in p:
            self._update(state.name, description=p["Description"])
        if "MaxSessionDuration" in p:
            self._roles[state.name] = replace(
                self._roles[state.name], max_session_duration=int(p["MaxSessionDuration"])
            )

    def _PutRolePermissionsBoundary(self, p: dict[str, Any]) -> None:
        self._role(str(p["RoleName"]))
        self._require_policy(str(p["PermissionsBoundary"]))
        self._update(str(p["RoleName"]), permissions_boundary_arn=str(p["PermissionsBoundary"]))

    def _DeleteRolePermissionsBoundary(self, p: dict[str, Any]) -> None:
        self._update(str(p["RoleName"]), permissions_boundary_arn=None)

    def _PutRolePolicy(self, p: dict[str, Any]) -> None:
        role = self._role(str(p["RoleName"])).role
        name, document = str(p["PolicyName"]), _document(p["PolicyDocument"])
        others = [(n, d) for n, d in role.inline_policies if n != name]
        self._update(role.name, inline_policies=(*others, (name, document)))

    def _DeleteRolePolicy(self, p: dict[str, Any]) -> None:
        role = self._role(str(p["RoleName"])).role
        name = str(p["PolicyName"])
        if all(n != name for n, _ in role.inline_policies):
            raise _IamError("NoSuchEntity", f"The role policy with name {name} cannot be found.")
        self._update(
            role.name, inline_policies=tuple(x for x in role.inline_policies if x[0] != name)
        )

    def _AttachRolePolicy(self, p: dict[str, Any]) -> None:
        role, arn = self._role(str(p["RoleName"])).role, str(p["PolicyArn"])
        self._require_policy(arn)
        if arn in role.attached_policy_arns:
            return
        if len(role.attached_policy_arns) >= MAX_MANAGED_POLICIES_PER_ROLE:
            raise _IamError(
                "LimitExceeded",
                f"Cannot exceed quota for PoliciesPerRole: {MAX_MANAGED_POLICIES_PER_ROLE}",
            )
        self._update(role.name, attached_policy_arns=(*role.attached_policy_arns, arn))

    def _DetachRolePolicy(self, p: dict[str, Any]) -> None:
        role, arn = self._role(str(p["RoleName"])).role, str(p["PolicyArn"])
        if arn not in role.attached_policy_arns:
            raise _IamError("NoSuchEntity", f"Policy {arn} was not found.")
        remaining = tuple(a for a in role.attached_policy_arns if a != arn)
        self._update(role.name, attached_policy_arns=remaining)

    def _TagRole(self, p: dict[str, Any]) -> None:
        role = self._role(str(p["RoleName"])).role
        new = [(str(t["Key"]), str(t.get("Value", ""))) for t in p["Tags"]]
        self._update(role.name, tags=self._tags([*role.tags, *new]))

    def _UntagRole(self, p: dict[str, Any]) -> None:
        role = self._role(str(p["RoleName"])).role
        keys = set(p["TagKeys"])
        self._update(role.name, tags=tuple(t for t in role.tags if t[0] not in keys))

    def _DeleteRole(self, p: dict[str, Any]) -> None:
        state = self._state(self._role(str(p["RoleName"])).name)
        conflict = (
            "must remove roles from instance profile first"
            if state.instance_profiles
            else "must detach all policies first"
            if state.role.attached_policy_arns
            else "must delete policies first"
            if state.role.inline_policies
            else None
        )
        if conflict is not None:
            raise _IamError("DeleteConflict", f"Cannot delete entity, {conflict}.")
        del self._roles[state.name]

    def _CreateInstanceProfile(self, p: dict[str, Any]) -> None:
        name = str(p["InstanceProfileName"])
        if name in self._profiles:
            raise _IamError("EntityAlreadyExists", f"Instance Profile {name} already exists.")
        self._profiles[name] = _Profile(str(p.get("Path", "/")))

    def _DeleteInstanceProfile(self, p: dict[str, Any]) -> None:
        name = str(p["InstanceProfileName"])
        if self._profile(name).roles:
            raise _IamError(
                "DeleteConflict",
                "Cannot delete entity, must remove roles from instance profile first.",
            )
        del self._profiles[name]

    def _AddRoleToInstanceProfile(self, p: dict[str, Any]) -> None:
        profile = self._profile(str(p["InstanceProfileName"]))
        role = self._role(str(p["RoleName"]))
        if profile.roles:
            raise _IamError(
                "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
            )
        profile.roles.append(role.name)

    def _RemoveRoleFromInstanceProfile(self, p: dict[str, Any]) -> None:
        name = str(p["InstanceProfileName"])
        profile = self._profile(name)
        role = self._role(str(p["RoleName"]))
        if role.name not in profile.roles:
            raise _IamError("NoSuchEntity", f"Role {role.name} is not in instance profile {name}.")
        profile.roles.remove(role.name)
