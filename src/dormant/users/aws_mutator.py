"""IAM adapter for users' remediation: reads a user's live state, makes the planned calls.

Reads: GetUser (PasswordLastUsed), GetLoginProfile (whether a console password exists,
and since when), ListAccessKeys and GetAccessKeyLastUsed per key (the freshness re-check),
GetUserPolicy of dormant-quarantine only, ListUserTags; lists are paged. Writes: only the
operations in ``dormant.remediation.steps.USER_WRITE_OPERATIONS``, with the parameters the
plan holds, unchanged. Every error becomes an ``AwsAccessError`` naming the call, the user
and the account. No decisions are made here.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from dormant.aws.iam_writer import IamWriter, NoSuchEntityError
from dormant.aws.session import parse_aws_timestamp
from dormant.remediation.quarantine import QUARANTINE_POLICY_NAME
from dormant.remediation.steps import Step
from dormant.users.remediate import AccessKeyState, UserState

__all__ = [
    "USER_WRITE_METHODS",
    "IamUserMutator",
]


USER_WRITE_METHODS = {
    "DeleteUserPolicy": "delete_user_policy",
    "PutUserPolicy": "put_user_policy",
    "TagUser": "tag_user",
    "UntagUser": "untag_user",
    "UpdateAccessKey": "update_access_key",
}


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


class IamUserMutator(IamWriter):
    """A ``UserMutator`` over one account's IAM and STS clients."""

    _ENTITY = "user"
    _NAME_PARAM = "UserName"

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
        except NoSuchEntityError:
            return None
        try:
            profile = self._call(
                f"iam:GetLoginProfile of user {name}",
                iam.get_login_profile,
                missing_ok=True,
                UserName=name,
            )["LoginProfile"]
            password_created = _moment(profile.get("CreateDate"))
        except NoSuchEntityError:
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
        except NoSuchEntityError:
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
