"""Change Identity Center's account assignments: the boto3 ``AssignmentWriter``.

``DeleteAccountAssignment`` and ``CreateAccountAssignment`` are asynchronous: each answers a
request id, and the change is done only when ``DescribeAccountAssignment{Deletion,Creation}
Status`` says SUCCEEDED. Each change here is polled until it succeeded (returns) or failed
(``AwsAccessError`` with AWS's FailureReason), within a time limit. Never changes or deletes
a permission set, and never touches IAM.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dormant.assignments.model import Assignment, Principal, PrincipalType
from dormant.aws.session import aws_call
from dormant.core.errors import AwsAccessError

__all__ = ["IdentityCenterWriter"]

# Pauses between status reads: short at first (most changes take seconds), then longer.
_FIRST_PAUSE = 0.2
_LONGEST_PAUSE = 5.0
_TIME_LIMIT = 300.0
_NOT_FOUND = "ResourceNotFoundException"


class IdentityCenterWriter:
    def __init__(
        self,
        sso_admin: Any,
        identity_store: Any,
        *,
        account_id: str = "",
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sso = sso_admin
        self._store = identity_store
        self._account = account_id
        self._sleep = sleep
        self._monotonic = monotonic

    def _request(self, assignment: Assignment) -> dict[str, str]:
        return {
            "InstanceArn": assignment.instance_arn,
            "TargetId": assignment.account_id,
            "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": assignment.permission_set_arn,
            "PrincipalType": assignment.principal.principal_type.value,
            "PrincipalId": assignment.principal.principal_id,
        }

    def _wait(self, kind: str, instance_arn: str, status: dict[str, Any]) -> None:
        operation = f"sso:DescribeAccountAssignment{kind}Status"
        method = getattr(self._sso, f"describe_account_assignment_{kind.lower()}_status")
        deadline = self._monotonic() + _TIME_LIMIT
        pause = _FIRST_PAUSE
        while status.get("Status") == "IN_PROGRESS":
            if self._monotonic() > deadline:
                raise AwsAccessError(
                    f"{operation}: request {status.get('RequestId')} still in progress after "
                    f"{_TIME_LIMIT:.0f} seconds; check it in the console",
                    operation=operation,
                    account_id=self._account,
                )
            self._sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
            with aws_call(operation, self._account):
                status = method(
                    InstanceArn=instance_arn,
                    **{f"AccountAssignment{kind}RequestId": status["RequestId"]},
                )[f"AccountAssignment{kind}Status"]
        if status.get("Status") != "SUCCEEDED":
            raise AwsAccessError(
                f"{operation}: {status.get('Status')}: {status.get('FailureReason', 'no reason')}",
                operation=operation,
                account_id=self._account,
            )

    def delete(self, assignment: Assignment) -> None:
        with aws_call("sso:DeleteAccountAssignment", self._account):
            status = self._sso.delete_account_assignment(**self._request(assignment))
        self._wait("Deletion", assignment.instance_arn, status["AccountAssignmentDeletionStatus"])

    def create(self, assignment: Assignment) -> None:
        with aws_call("sso:CreateAccountAssignment", self._account):
            status = self._sso.create_account_assignment(**self._request(assignment))
        self._wait("Creation", assignment.instance_arn, status["AccountAssignmentCreationStatus"])

    def is_assigned(self, assignment: Assignment) -> bool:
        paginator = self._sso.get_paginator("list_account_assignments")
        with aws_call("sso:ListAccountAssignments", self._account):
            for page in paginator.paginate(
                InstanceArn=assignment.instance_arn,
                AccountId=assignment.account_id,
                PermissionSetArn=assignment.permission_set_arn,
            ):
                for record in page.get("AccountAssignments", []):
                    if (record.get("PrincipalType"), record.get("PrincipalId")) == (
                        assignment.principal.principal_type.value,
                        assignment.principal.principal_id,
                    ):
                        return True
        return False

    def principal_exists(self, identity_store_id: str, principal: Principal) -> bool:
        try:
            if principal.principal_type is PrincipalType.USER:
                with aws_call("identitystore:DescribeUser", self._account):
                    self._store.describe_user(
                        IdentityStoreId=identity_store_id, UserId=principal.principal_id
                    )
            else:
                with aws_call("identitystore:DescribeGroup", self._account):
                    self._store.describe_group(
                        IdentityStoreId=identity_store_id, GroupId=principal.principal_id
                    )
        except AwsAccessError as exc:
            if exc.code == _NOT_FOUND:
                return False
            raise
        return True

    def permission_set_exists(self, instance_arn: str, permission_set_arn: str) -> bool:
        try:
            with aws_call("sso:DescribePermissionSet", self._account):
                self._sso.describe_permission_set(
                    InstanceArn=instance_arn, PermissionSetArn=permission_set_arn
                )
        except AwsAccessError as exc:
            if exc.code == _NOT_FOUND:
                return False
            raise
        return True
