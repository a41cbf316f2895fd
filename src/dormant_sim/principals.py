"""Who is calling, in the simulation: the principals tests create, and the caller of a request.

`create_role_principal` / `create_user_principal` make (with setup calls the simulation
neither checks nor records) a role or a user holding exactly the given policies and return
its credentials; `acting_as` runs in-process boto3 as them. `caller_of` resolves moto's access
key of a request to the user or role session behind it, with every policy that applies to it
(inline, attached managed, a user's groups', the permissions boundary, a session policy).
Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from moto.iam.models import iam_backends

from dormant_sim import policy

__all__ = [
    "PARTITION",
    "Caller",
    "PrincipalCredentials",
    "acting_as",
    "backend_of",
    "caller_of",
    "create_role_principal",
    "create_user_principal",
    "document_of",
]

PARTITION = "aws"


@dataclass(frozen=True)
class PrincipalCredentials:
    """Credentials of a simulated principal: a user's access key or a role session."""

    account_id: str
    arn: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str]:
        """The AWS_* variables that make boto3 act as this principal."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token is not None:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@contextlib.contextmanager
def acting_as(credentials: PrincipalCredentials) -> Iterator[None]:
    """Run in-process code (boto3's default session and new sessions) as `credentials`.

    boto3's default session keeps the credentials it first found, so it is replaced for the
    block, as Lambda and SSM start their code with the role's credentials in the environment.
    """
    import boto3

    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    saved_session = boto3.DEFAULT_SESSION
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.update(credentials.environment())
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = saved_session


# --- the caller ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    account_id: str
    kind: str  # "User" or "AssumedRole"
    name: str  # the user's or the role's name
    arn: str  # the user's ARN or the session's ARN
    principal_arn: str  # the user's or the role's ARN (with its path)
    user_id: str
    documents: tuple[Mapping[str, Any], ...]
    boundary: Mapping[str, Any] | None
    session_policy: Mapping[str, Any] | None
    token_issue_time: datetime | None
    tags: Mapping[str, str] = field(default_factory=dict)  # the user's or the role's


def document_of(text: Any) -> Mapping[str, Any]:
    if isinstance(text, Mapping):
        return text
    raw = str(text)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = json.loads(unquote(raw))
    if not isinstance(parsed, Mapping):
        raise policy.CannotEvaluate("a policy document that is not an object")
    return parsed


def _manageddocument_of(managed: Any) -> Mapping[str, Any]:
    default = next(version for version in managed.versions if version.is_default)
    return document_of(default.document)


def backend_of(account_id: str) -> Any:
    return iam_backends[account_id][PARTITION]


def _boundary(backend: Any, arn: str | None) -> Mapping[str, Any] | None:
    if not arn:
        return None
    return _manageddocument_of(backend.get_policy(arn))


def _tags(tags: Any) -> dict[str, str]:
    listed = tags.get("Tags", []) if isinstance(tags, Mapping) else tags
    return {str(tag["Key"]): str(tag["Value"]) for tag in listed or []}


def caller_of(access_key: Any) -> Caller:
    """The user or role session behind moto's resolved access key."""
    account_id = str(access_key.account_id)
    backend = backend_of(account_id)
    user_name = getattr(access_key, "_owner_user_name", None)
    if user_name is not None:
        user = backend.get_user(user_name)
        documents = [document_of(text) for text in user.policies.values()]
        documents += [_manageddocument_of(p) for p in user.managed_policies.values()]
        for group in backend.get_groups_for_user(user_name):
            documents += [document_of(text) for text in group.policies.values()]
            documents += [_manageddocument_of(p) for p in group.managed_policies.values()]
        return Caller(
            account_id=account_id,
            kind="User",
            name=user_name,
            arn=user.arn,
            principal_arn=user.arn,
            user_id=user.id,
            documents=tuple(documents),
            boundary=_boundary(backend, getattr(user, "permissions_boundary_arn", None)),
            session_policy=None,
            token_issue_time=None,
            tags=_tags(backend.list_user_tags(user_name)),
        )
    from moto.sts.models import sts_backends

    key_id = access_key._access_key_id
    session = sts_backends[account_id][PARTITION].get_assumed_role_from_access_key(key_id)
    if session is None:
        raise policy.CannotEvaluate(f"no session for access key {key_id}")
    role = backend.get_role_by_arn(session.role_arn)
    documents = [document_of(text) for text in role.policies.values()]
    documents += [_manageddocument_of(p) for p in role.managed_policies.values()]
    return Caller(
        account_id=account_id,
        kind="AssumedRole",
        name=role.name,
        arn=session.arn,
        principal_arn=role.arn,
        user_id=f"{role.id}:{session.session_name}",
        documents=tuple(documents),
        boundary=_boundary(backend, role.permissions_boundary_arn),
        session_policy=document_of(session.policy) if session.policy else None,
        token_issue_time=session.access_key.create_date,
        tags=_tags(role.tags),
    )


def create_role_principal(
    account_id: str,
    name: str,
    *,
    policies: Mapping[str, Mapping[str, Any]],
    managed_policy_arns: Sequence[str],
    trust: Mapping[str, Any],
    path: str,
    session_name: str,
    endpoint_url: str | None,
) -> PrincipalCredentials:
    """A role with exactly these policies, and a session of it, made by unchecked setup calls.

    The session is what the service the trust policy names (Lambda, SSM) would get: the
    simulation plays that service, so the trust policy is stored, not evaluated, here.
    """
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    role = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]
    for policy_name, document in policies.items():
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for arn in managed_policy_arns:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    sts = internal_client("sts", account_id, endpoint_url=endpoint_url)
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=session_name)
    credentials = session["Credentials"]
    return PrincipalCredentials(
        account_id=account_id,
        arn=str(session["AssumedRoleUser"]["Arn"]),
        access_key_id=str(credentials["AccessKeyId"]),
        secret_access_key=str(credentials["SecretAccessKey"]),
        session_token=str(credentials["SessionToken"]),
    )


def create_user_principal(
    account_id: str,
    name: str,
    *,
    policies: Mapping[str, Mapping[str, Any]],
    managed_policy_arns: Sequence[str],
    path: str,
    endpoint_url: str | None,
) -> PrincipalCredentials:
    """An IAM user with exactly these policies and an access key, made by unchecked calls."""
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    user = iam.create_user(UserName=name, Path=path)["User"]
    for policy_name, document in policies.items():
        iam.put_user_policy(
            UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for arn in managed_policy_arns:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return PrincipalCredentials(
        account_id=account_id,
        arn=str(user["Arn"]),
        access_key_id=str(key["AccessKeyId"]),
        secret_access_key=str(key["SecretAccessKey"]),
    )
