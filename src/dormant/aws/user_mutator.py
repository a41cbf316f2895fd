"""IAM adapter for users' remediation: reads a user's live state, makes the planned calls.

Reads: GetUser (PasswordLastUsed), GetLoginProfile (whether a console password exists,
and since when), ListAccessKeys and GetAccessKeyLastUsed per key (the freshness re-check),
GetUserPolicy of dormant-quarantine only, ListUserTags; lists are paged. Writes: only the
operations in ``dormant.remediation.plan.USER_WRITE_OPERATIONS``, with the parameters the
plan holds, unchanged. Every error becomes an ``AwsAccessError`` naming the call, the user
and the account. No decisions are made here.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call, describe_client_error, parse_aws_timestamp
from dormant.quarantine import QUARANTINE_POLICY_NAME
from dormant.remediation.interface import Caller
from dormant.remediation.plan import Step
from dormant.remediation.users import AccessKeyState, UserState

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient

__all__ = ["USER_WRITE_METHODS", "IamUserMutator"]

USER_WRITE_METHODS = {
    "DeleteUserPolicy": "delete_user_policy",
    "PutUserPolicy": "put_user_policy",
    "TagUser": "tag_user",
    "UntagUser": "untag_user",
    "UpdateAccessKey": "update_access_key",
}


class _NoSuchEntity(Exception):
    pass


def _moment(value: Any) -> Any:
    return (
        None
        if value in (None, "")
        else parse_aws_timestamp(value)
        if isinstance(value, str)
        else value
    )


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    text = str(value)
    parsed = json.loads(text if text.lstrip().startswith("{") else urllib.parse.unquote(text))
    return parsed if isinstance(parsed, dict) else {}


class IamUserMutator:
    """A ``UserMutator`` over one account's IAM and STS clients."""

    def __init__(self, iam: IAMClient, sts: STSClient) -> None:
        self._iam = iam
        self._sts = sts
        self._caller: Caller | None = None

    @classmethod
    def from_session(cls, session: boto3.session.Session, config: Any = None) -> IamUserMutator:
        return cls(session.client("iam", config=config), session.client("sts", config=config))

    def caller(self) -> Caller:
        if self._caller is None:
            with aws_call("sts:GetCallerIdentity"):
                identity = self._sts.get_caller_identity()
            self._caller = Caller(account_id=str(identity["Account"]), arn=str(identity["Arn"]))
        return self._caller

    @contextlib.contextmanager
    def _guard(self, label: str, *, missing_ok: bool = False) -> Iterator[None]:
        account = self._caller.account_id if self._caller else ""
        with aws_call(label, account):
            try:
                yield
            except botocore.exceptions.ClientError as exc:
                if missing_ok and describe_client_error(exc)[0] == "NoSuchEntity":
                    raise _NoSuchEntity(str(exc)) from None
                raise

    def _call(self, label: str, method: Any, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        with self._guard(label, missing_ok=missing_ok):
            return method(**kwargs)

    def _pages(self, operation: str, user_name: str, key: str) -> list[Any]:
        responses = each_page(
            self._iam,
            botocore.xform_name(operation),
            partial(self._guard, f"iam:{operation} of user {user_name}", missing_ok=True),
            UserName=user_name,
        )
        return [item for response in responses for item in response.get(key, [])]

    def describe_user(self, name: str) -> UserState | None:
        iam = self._iam
        try:
            user = self._call(
                f"iam:GetUser of user {name}", iam.get_user, missing_ok=True, UserName=name
            )["User"]
            keys = [
                self._key(name, k) for k in self._pages("ListAccessKeys", name, "AccessKeyMetadata")
            ]
            tags = self._pages("ListUserTags", name, "Tags")
        except _NoSuchEntity:
            return None
        try:
            profile = self._call(
                f"iam:GetLoginProfile of user {name}",
                iam.get_login_profile,
                missing_ok=True,
                UserName=name,
            )["LoginProfile"]
            password_created = _moment(profile.get("CreateDate"))
        except _NoSuchEntity:
            password_created = None
        try:
            policy = self._call(
                f"iam:GetUserPolicy of user {name}",
                iam.get_user_policy,
                missing_ok=True,
                UserName=name,
                PolicyName=QUARANTINE_POLICY_NAME,
            )["PolicyDocument"]
            quarantine_policy: dict[str, Any] | None = _document(policy)
        except _NoSuchEntity:
            quarantine_policy = None
        arn = str(user["Arn"])
        parts = arn.split(":")
        return UserState(
            name=str(user["UserName"]),
            user_id=str(user["UserId"]),
            arn=arn,
            path=str(user.get("Path") or "/"),
            created=_moment(user["CreateDate"]),
            account_id=parts[4] if len(parts) > 4 else "",
            password_created=password_created,
            password_last_used=_moment(user.get("PasswordLastUsed")),
            keys=tuple(keys),
            quarantine_policy=quarantine_policy,
            tags=tuple((str(t["Key"]), str(t.get("Value", ""))) for t in tags),
        )

    def _key(self, user_name: str, metadata: Any) -> AccessKeyState:
        key_id = str(metadata["AccessKeyId"])
        used = self._call(
            f"iam:GetAccessKeyLastUsed of user {user_name}",
            self._iam.get_access_key_last_used,
            AccessKeyId=key_id,
        ).get("AccessKeyLastUsed", {})
        region = used.get("Region")
        service = used.get("ServiceName")
        return AccessKeyState(
            key_id=key_id,
            active=metadata.get("Status") == "Active",
            created=_moment(metadata["CreateDate"]),
            last_used=_moment(used.get("LastUsedDate")),
            last_used_region=None if region in (None, "N/A") else str(region),
            last_used_service=None if service in (None, "N/A") else str(service),
        )

    def execute(self, step: Step) -> None:
        method = getattr(self._iam, USER_WRITE_METHODS[step.operation])
        self._call(
            f"iam:{step.operation} of user {step.params['UserName']}", method, **dict(step.params)
        )
