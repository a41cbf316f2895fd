"""The IAM adapter: pages every list, executes only planned operations, names failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore
import botocore.exceptions
import botocore.paginate
import botocore.session
import pytest

from dormant.core.errors import AwsAccessError
from dormant.remediation.steps import WRITE_OPERATIONS, Step
from dormant.roles.aws_mutator import WRITE_METHODS, IamRoleMutator

ACCOUNT = "111111111111"
_BOTOCORE = botocore.session.get_session()


def _error(code: str, operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": f"{code} from the fake"}}, operation
    )


class PagingIam:
    """An IAM client that, like IAM, returns lists in pages of `page` items with a Marker."""

    def __init__(self, page: int = 2) -> None:
        self.page = page
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.policies = {f"p{i}": {"Version": "2012-10-17", "Statement": []} for i in range(5)}
        self.attached = [f"arn:aws:iam::{ACCOUNT}:policy/m{i}" for i in range(3)]
        self.profiles = [(f"ip{i}", "/fleet/") for i in range(4)]

    def _paged(self, name: str, items: list[Any], kwargs: dict[str, Any], key: str) -> Any:
        self.requests.append((name, kwargs))
        start = int(kwargs.get("Marker", "0"))
        chunk = items[start : start + self.page]
        response: dict[str, Any] = {key: chunk, "IsTruncated": start + self.page < len(items)}
        if response["IsTruncated"]:
            response["Marker"] = str(start + self.page)
        return response

    def get_paginator(self, method_name: str) -> botocore.paginate.Paginator:
        """botocore's own paginator for the operation, calling this fake's method."""
        model = _BOTOCORE.get_service_model("iam")
        [operation] = [n for n in model.operation_names if botocore.xform_name(n) == method_name]
        return botocore.paginate.Paginator(
            getattr(self, method_name),
            _BOTOCORE.get_paginator_model("iam").get_paginator(operation),
            model.operation_model(operation),
        )

    def get_role(self, **kwargs: Any) -> Any:
        self.requests.append(("GetRole", kwargs))
        if kwargs["RoleName"] != "Job":
            raise _error("NoSuchEntity", "GetRole")
        return {
            "Role": {
                "Path": "/",
                "RoleName": "Job",
                "RoleId": "AROAFAKE",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/Job",
                "CreateDate": datetime(2024, 1, 1, tzinfo=UTC),
                "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D",
                "MaxSessionDuration": 43200,
                "RoleLastUsed": {},
            }
        }

    def list_role_policies(self, **kwargs: Any) -> Any:
        return self._paged("ListRolePolicies", list(self.policies), kwargs, "PolicyNames")

    def get_role_policy(self, **kwargs: Any) -> Any:
        self.requests.append(("GetRolePolicy", kwargs))
        return {"PolicyDocument": self.policies[kwargs["PolicyName"]]}

    def list_attached_role_policies(self, **kwargs: Any) -> Any:
        items = [{"PolicyName": a.rsplit("/")[-1], "PolicyArn": a} for a in self.attached]
        return self._paged("ListAttachedRolePolicies", items, kwargs, "AttachedPolicies")

    def list_instance_profiles_for_role(self, **kwargs: Any) -> Any:
        items = [{"InstanceProfileName": n, "Path": p} for n, p in self.profiles]
        return self._paged("ListInstanceProfilesForRole", items, kwargs, "InstanceProfiles")

    def delete_role(self, **kwargs: Any) -> Any:
        self.requests.append(("DeleteRole", kwargs))
        raise _error("DeleteConflict", "DeleteRole")


class Sts:
    def get_caller_identity(self) -> Any:
        return {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ops"}


def test_describe_role_follows_every_marker() -> None:
    iam = PagingIam(page=2)
    state = IamRoleMutator(iam, Sts()).describe_role("Job")  # type: ignore[arg-type]
    assert state is not None
    assert [name for name, _ in state.role.inline_policies] == [f"p{i}" for i in range(5)]
    assert state.role.attached_policy_arns == tuple(iam.attached)
    assert [(p.name, p.path) for p in state.instance_profiles] == iam.profiles
    assert state.max_session_duration == 43200
    assert state.role.trust_policy == {"Version": "2012-10-17"}
    markers = [k.get("Marker") for name, k in iam.requests if name == "ListRolePolicies"]
    assert markers == [None, "2", "4"]


def test_a_missing_role_is_none_and_other_errors_name_the_call() -> None:
    mutator = IamRoleMutator(PagingIam(), Sts())  # type: ignore[arg-type]
    assert mutator.describe_role("Ghost") is None
    with pytest.raises(AwsAccessError, match="iam:DeleteRole of role Job failed: DeleteConflict"):
        mutator.execute(Step("DeleteRole", {"RoleName": "Job"}))


def test_every_plannable_operation_has_a_boto3_method() -> None:
    import boto3

    client = boto3.client("iam", region_name="us-east-1")
    assert set(WRITE_METHODS) == WRITE_OPERATIONS
    for method in WRITE_METHODS.values():
        assert callable(getattr(client, method))
