"""Security Hub's recommended policy for a role (GetFindingsV2, GenerateRecommendedPolicyV2,
GetRecommendedPolicyV2) read through botocore's Stubber, which checks every request's
parameters and every answer's shape against botocore's securityhub model: the role's open
finding found by its type and ARN, polled with back-off, its steps read across pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dormant.aws.securityhub_recommendations import role_recommendation_v2
from dormant.core.errors import AwsAccessError
from dormant.core.recommendations import RecommendationSource, RecommendedAction

ROLE = "arn:aws:iam::111111111111:role/app"
UID = "arn:aws:securityhub:us-east-1:111111111111:finding/f-1"
FILTERS = {
    "CompositeFilters": [
        {
            "StringFilters": [
                {
                    "FieldName": "finding_info.types",
                    "Filter": {"Value": "UnusedPermission", "Comparison": "EQUALS"},
                },
                {"FieldName": "resources.uid", "Filter": {"Value": ROLE, "Comparison": "EQUALS"}},
            ],
            "Operator": "AND",
        }
    ]
}


def finding(uid: str, status: str) -> dict[str, Any]:
    return {"metadata": {"uid": uid}, "status": status, "resources": [{"uid": ROLE}]}


def step(action: str, policy_id: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"RecommendedAction": action, "ExistingPolicyId": policy_id}
    if document is not None:
        inner["RecommendedPolicy"] = json.dumps(document)
        inner["PolicyUpdatedAt"] = datetime(2026, 11, 1, tzinfo=UTC)
    return {"UnusedPermissions": inner}


@pytest.fixture
def hub() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "securityhub",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_the_open_finding_is_asked_for_polled_and_its_steps_read_across_pages(
    hub: tuple[Any, Stubber],
) -> None:
    client, stub = hub
    stub.add_response(
        "get_findings_v2",
        {"Findings": [finding("resolved", "Resolved"), finding(UID, "New")]},
        {"Filters": FILTERS, "MaxResults": 100},
    )
    stub.add_response("generate_recommended_policy_v2", {}, {"MetadataUid": UID})
    stub.add_response("get_recommended_policy_v2", {"Status": "IN_PROGRESS"}, {"MetadataUid": UID})
    stub.add_response("get_recommended_policy_v2", {"Status": "SUCCEEDED"}, {"MetadataUid": UID})
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    stub.add_response(
        "get_recommended_policy_v2",
        {
            "Status": "SUCCEEDED",
            "RecommendationSteps": [step("CREATE_POLICY", "inline", document)],
            "NextToken": "t",
        },
        {"MetadataUid": UID, "MaxResults": 100},
    )
    stub.add_response(
        "get_recommended_policy_v2",
        {
            "Status": "SUCCEEDED",
            "RecommendationSteps": [step("DETACH_POLICY", "arn:aws:iam::aws:policy/X")],
        },
        {"MetadataUid": UID, "MaxResults": 100, "NextToken": "t"},
    )
    waits: list[float] = []
    recommendation = role_recommendation_v2(client, ROLE, sleep=waits.append)
    assert recommendation is not None
    assert recommendation.source is RecommendationSource.SECURITYHUB
    assert recommendation.finding_id == UID
    assert [(s.action, s.existing_policy_id) for s in recommendation.steps] == [
        (RecommendedAction.CREATE_POLICY, "inline"),
        (RecommendedAction.DETACH_POLICY, "arn:aws:iam::aws:policy/X"),
    ]
    assert recommendation.steps[0].recommended_policy == document
    assert waits == [1.0]


def test_no_open_finding_is_no_recommendation(hub: tuple[Any, Stubber]) -> None:
    client, stub = hub
    stub.add_response(
        "get_findings_v2",
        {"Findings": [finding(UID, "Suppressed")]},
        {"Filters": FILTERS, "MaxResults": 100},
    )
    assert role_recommendation_v2(client, ROLE, sleep=lambda _: None) is None


def test_a_failed_recommendation_names_the_role(hub: tuple[Any, Stubber]) -> None:
    client, stub = hub
    stub.add_response(
        "get_findings_v2",
        {"Findings": [finding(UID, "New")]},
        {"Filters": FILTERS, "MaxResults": 100},
    )
    stub.add_response("generate_recommended_policy_v2", {}, {"MetadataUid": UID})
    stub.add_response(
        "get_recommended_policy_v2",
        {"Status": "FAILED", "Error": {"Code": "ERROR", "Message": "cannot recommend"}},
        {"MetadataUid": UID},
    )
    with pytest.raises(AwsAccessError) as failed:
        role_recommendation_v2(client, ROLE, sleep=lambda _: None)
    assert str(failed.value) == (
        f"securityhub:GetRecommendedPolicyV2 for role app: the recommendation of finding {UID} "
        "FAILED: ERROR cannot recommend"
    )
