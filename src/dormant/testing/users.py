"""In-memory IAM users for users' remediation tests: a ``UserMutator``.

``InMemoryUserMutator`` keeps users (``UserState`` values: password, access keys, the
quarantine policy, tags) and answers each write call of a users' plan as IAM does:
NoSuchEntity for a missing user, key or policy, a bad ``Status`` refused, IAM's 50-tag
quota. Every error is the ``AwsAccessError`` that ``dormant.users.aws_mutator.IamUserMutator``
raises for the same answer. Calls are recorded in order (``calls``, ``write_calls()``) and
any call can be made to fail for one user (``fail``).

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dormant.remediation.interface import Caller
from dormant.remediation.steps import USER_WRITE_OPERATIONS, Step
from dormant.testing.injection import Failures, aws_error
from dormant.testing.mutator import IamCall
from dormant.users.remediate import UserState

__all__ = ["InMemoryUserMutator"]

_READS = frozenset({"GetCallerIdentity", "GetUser"})
MAX_TAGS_PER_USER = 50


class _IamError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InMemoryUserMutator:
    """A ``UserMutator`` over one in-memory account, acting as ``caller_arn``."""

    def __init__(self, account_id: str = "111111111111", *, caller_arn: str | None = None) -> None:
        self.account_id = account_id
        self.caller_arn = caller_arn or f"arn:aws:iam::{account_id}:user/operator"
        self.calls: list[IamCall] = []
        self.failures = Failures()
        self._lock = threading.RLock()
        self._users: dict[str, UserState] = {}
        self._caller_known = False

    # --- seeding and inspection (not recorded as calls) -------------------------------

    def add_user(self, state: UserState) -> None:
        with self._lock:
            if state.name in self._users:
                raise ValueError(f"user {state.name} already exists")
            self._users[state.name] = replace(state, account_id=self.account_id)

    def user_names(self) -> list[str]:
        with self._lock:
            return sorted(self._users)

    def user(self, name: str) -> UserState:
        with self._lock:
            return self._users[name]

    def write_calls(self) -> list[IamCall]:
        with self._lock:
            return [c for c in self.calls if c.operation in USER_WRITE_OPERATIONS]

    def fail(
        self,
        operation: str,
        *,
        user_name: str | None = None,
        code: str = "ServiceFailure",
        message: str = "Injected failure",
        times: int | None = 1,
        after: int = 0,
    ) -> None:
        if operation not in USER_WRITE_OPERATIONS | _READS:
            raise ValueError(f"{operation} is not a call the mutator makes")
        self.failures.plan(operation, code, message, subject=user_name, times=times, after=after)

    # --- the UserMutator protocol ------------------------------------------------------

    def caller(self) -> Caller:
        self._call("GetCallerIdentity", {}, "sts:GetCallerIdentity", lambda: None)
        self._caller_known = True
        return Caller(self.account_id, self.caller_arn)

    def describe_user(self, name: str) -> UserState | None:
        state: UserState | None = self._call(
            "GetUser",
            {"UserName": name},
            f"iam:GetUser of user {name}",
            lambda: self._users.get(name),
        )
        return state

    def execute(self, step: Step) -> None:
        params = dict(step.params)
        handler = getattr(self, f"_{step.operation}")
        label = f"iam:{step.operation} of user {params.get('UserName')}"
        self._call(step.operation, params, label, lambda: handler(params))

    # --- IAM's answers -------------------------------------------------------------------

    def _call(
        self, operation: str, params: dict[str, Any], label: str, act: Callable[[], Any]
    ) -> Any:
        with self._lock:
            failure = self.failures.take(operation, params.get("UserName"))
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

    def _user(self, name: str) -> UserState:
        state = self._users.get(name)
        if state is None:
            raise _IamError("NoSuchEntity", f"The user with name {name} cannot be found.")
        return state

    def _PutUserPolicy(self, params: dict[str, Any]) -> None:
        state = self._user(params["UserName"])
        try:
            document = json.loads(params["PolicyDocument"])
        except ValueError:
            raise _IamError("MalformedPolicyDocument", "Syntax errors in policy.") from None
        self._users[state.name] = replace(state, quarantine_policy=document)

    def _DeleteUserPolicy(self, params: dict[str, Any]) -> None:
        state = self._user(params["UserName"])
        if state.quarantine_policy is None:
            raise _IamError("NoSuchEntity", f"The user policy {params['PolicyName']} is absent.")
        self._users[state.name] = replace(state, quarantine_policy=None)

    def _UpdateAccessKey(self, params: dict[str, Any]) -> None:
        state = self._user(params["UserName"])
        if params["Status"] not in ("Active", "Inactive"):
            raise _IamError("ValidationError", f"Invalid Status {params['Status']}")
        keys = list(state.keys)
        for index, key in enumerate(keys):
            if key.key_id == params["AccessKeyId"]:
                keys[index] = replace(key, active=params["Status"] == "Active")
                self._users[state.name] = replace(state, keys=tuple(keys))
                return
        raise _IamError(
            "NoSuchEntity", f"The Access Key with id {params['AccessKeyId']} cannot be found."
        )

    def _TagUser(self, params: dict[str, Any]) -> None:
        state = self._user(params["UserName"])
        tags = dict(state.tags)
        tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
        if len(tags) > MAX_TAGS_PER_USER:
            raise _IamError("LimitExceeded", "Cannot exceed quota for TagsPerUser: 50")
        self._users[state.name] = replace(state, tags=tuple(tags.items()))

    def _UntagUser(self, params: dict[str, Any]) -> None:
        state = self._user(params["UserName"])
        gone = set(params["TagKeys"])
        self._users[state.name] = replace(
            state, tags=tuple((k, v) for k, v in state.tags if k not in gone)
        )
