"""What the IAM write adapters of every kind share: the clients, the caller, one guarded call,
and a paged list of one entity's items.

Each kind's mutator (``dormant.roles.aws_mutator``, ``dormant.users.aws_mutator``) builds on
``IamWriter``; every error becomes an ``AwsAccessError`` naming the call, the entity and the
account. No decisions are made here.
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

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient


__all__ = ["IamWriter", "NoSuchEntityError"]


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
