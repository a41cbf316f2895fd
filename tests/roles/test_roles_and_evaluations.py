"""RoleDetail translation, risk context, and the shape of Config evaluations."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.errors import RoleDataError
from dormant.core.evaluations import ANNOTATION_MAX_CHARS, batched, evaluation_for, fit_annotation
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.core.time import parse_timestamp
from dormant.roles.decide import assess_risk, evaluate_role
from dormant.roles.records import role_from_detail

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:X"},
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "111111111111"]},
            "Action": "sts:AssumeRole",
        },
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111111111111:saml-provider/Okta"},
            "Action": "sts:AssumeRoleWithSAML",
        },
        {"Effect": "Deny", "Principal": {"AWS": "333333333333"}, "Action": "sts:AssumeRole"},
    ],
}


def detail(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Path": "/",
        "RoleName": "AdminRole",
        "RoleId": "AROAEXAMPLEADMIN",
        "Arn": "arn:aws:iam::111111111111:role/AdminRole",
        "CreateDate": "2019-03-01T10:00:00Z",
        "AssumeRolePolicyDocument": TRUST,
        "RolePolicyList": [
            {
                "PolicyName": "everything",
                "PolicyDocument": {
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": ["*"]}]
                },
            }
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
        ],
        "Tags": [{"Key": "team", "Value": "<b>platform</b>"}],
        "RoleLastUsed": {"LastUsedDate": "2024-04-16T00:00:00+00:00", "Region": "us-west-2"},
    }
    base.update(overrides)
    return base


def test_cli_snapshot_detail_translates_once() -> None:
    role = role_from_detail(detail())
    assert role.name == "AdminRole"
    assert role.account_id == "111111111111"
    assert role.created == datetime(2019, 3, 1, 10, tzinfo=UTC)
    assert role.last_used == datetime(2024, 4, 16, tzinfo=UTC)
    assert role.last_used_region == "us-west-2"
    assert role.tags == (("team", "<b>platform</b>"),)
    assert role.attached_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)


def test_url_encoded_policy_documents_from_the_raw_api_are_decoded() -> None:
    import json

    encoded = urllib.parse.quote(json.dumps(TRUST))
    assert role_from_detail(detail(AssumeRolePolicyDocument=encoded)).trust_policy == TRUST


def test_risk_context_from_trust_and_permissions() -> None:
    risk = assess_risk(role_from_detail(detail()))
    assert risk.trusted_services == ("ec2.amazonaws.com",)
    assert risk.trusted_accounts == ("222222222222",)  # own account and Deny are not counted
    assert risk.trusted_federated == ("arn:aws:iam::111111111111:saml-provider/Okta",)
    assert risk.admin
    plain = role_from_detail(detail(RolePolicyList=[], AssumeRolePolicyDocument=None))
    assert not assess_risk(plain).admin
    assert assess_risk(plain).score == 0
    admin_attached = detail(
        RolePolicyList=[],
        AttachedManagedPolicies=[
            {"PolicyName": "A", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
        ],
    )
    assert assess_risk(role_from_detail(admin_attached)).admin


def test_anyone_may_assume_is_the_riskiest() -> None:
    open_trust = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}]}
    risk = assess_risk(role_from_detail(detail(AssumeRolePolicyDocument=open_trust)))
    assert risk.trusted_accounts == ("*",)
    assert risk.score > assess_risk(role_from_detail(detail())).score - 4


@pytest.mark.parametrize("missing", ["RoleName", "RoleId", "Arn", "Path", "CreateDate"])
def test_missing_field_names_the_role_and_field(missing: str) -> None:
    broken = detail()
    del broken[missing]
    label = "AROAEXAMPLEADMIN" if missing == "RoleName" else "AdminRole"
    with pytest.raises(RoleDataError, match=f"role {label} in snap.json has no {missing}"):
        role_from_detail(broken, where="snap.json")


def test_bad_date_names_the_role() -> None:
    with pytest.raises(RoleDataError, match="role AdminRole has a bad value: CreateDate"):
        role_from_detail(detail(CreateDate="yesterday"))


@pytest.mark.parametrize(
    "text",
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05+00:00", "2024-01-02T05:04:05+02:00"],
)
def test_timestamps_from_cli_v1_and_v2(text: str) -> None:
    assert parse_timestamp(text) == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_evaluation_uses_role_id_and_the_event_time() -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    finding = evaluate_role(role_from_detail(detail()), Settings(), now)
    evaluation = evaluation_for(finding, now)
    assert evaluation.resource_type == "AWS::IAM::Role"
    assert evaluation.resource_id == "AROAEXAMPLEADMIN"
    assert evaluation.compliance is Compliance.COMPLIANT
    assert evaluation.annotation == "Was last used in us-west-2 46 days ago"
    assert evaluation.ordering_timestamp == now


@given(st.text(max_size=600))
def test_annotations_always_fit_config(text: str) -> None:
    fitted = fit_annotation(text)
    assert 1 <= len(fitted) <= ANNOTATION_MAX_CHARS
    if 0 < len(" ".join(text.split())) <= ANNOTATION_MAX_CHARS:
        assert fitted == " ".join(text.split())


@given(st.lists(st.integers(), max_size=350), st.integers(min_value=1, max_value=120))
def test_batches_keep_order_and_size(items: list[int], size: int) -> None:
    batches = list(batched(items, size))
    assert [x for batch in batches for x in batch] == items
    assert all(1 <= len(batch) <= size for batch in batches)
