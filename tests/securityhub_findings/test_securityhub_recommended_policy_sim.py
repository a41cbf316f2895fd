"""The simulated Security Hub's GenerateRecommendedPolicyV2 and GetRecommendedPolicyV2, as
botocore shapes them: the same steps the simulated Access Analyzer recommends for the finding,
IN_PROGRESS then SUCCEEDED, paged steps, validation errors, ResourceNotFoundException, and
AccessDeniedException without the hub or without the actions on its `hubv2` ARN."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dormant_sim import access, access_analyzer
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"}],
}


def _uid(client: Any, finding_type: str, role: str) -> str:
    answer = client.get_findings_v2(
        Filters={
            "CompositeFilters": [
                {
                    "StringFilters": [
                        {
                            "FieldName": "finding_info.types",
                            "Filter": {"Value": finding_type, "Comparison": "EQUALS"},
                        },
                        {
                            "FieldName": "resources.uid",
                            "Filter": {
                                "Value": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                                "Comparison": "EQUALS",
                            },
                        },
                    ]
                }
            ]
        }
    )
    (finding,) = answer["Findings"]
    return str(finding["metadata"]["uid"])


def seeded(sim: Simulation, now: datetime) -> Any:
    old = now - timedelta(days=200)
    kms_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
    kms = sim.client("iam").create_policy(
        PolicyName="kms-only", PolicyDocument=json.dumps(kms_only)
    )
    sim.put_role(
        ACCOUNT,
        "app",
        created=old,
        last_used=now - timedelta(days=1),
        inline_policies={"app-inline": INLINE},
        managed_policy_arns=[kms["Policy"]["Arn"]],
    )
    sim.put_role(ACCOUNT, "idle", created=old)
    access.set_last_access(ACCOUNT, "app", "s3", now - timedelta(days=3), action="GetObject")
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    access_analyzer.set_recommendation_polls(1)
    client = sim.client("securityhub")
    client.enable_security_hub()
    return client


def test_in_progress_then_the_same_steps_as_access_analyzer_paged(
    sim: Simulation, now: datetime
) -> None:
    client = seeded(sim, now)
    uid = _uid(client, "UnusedPermission", "app")
    assert client.generate_recommended_policy_v2(MetadataUid=uid)["ResponseMetadata"]
    first = client.get_recommended_policy_v2(MetadataUid=uid)
    assert first["Status"] == "IN_PROGRESS"
    assert "RecommendationSteps" not in first
    page = client.get_recommended_policy_v2(MetadataUid=uid, MaxResults=1)
    assert page["Status"] == "SUCCEEDED"
    assert page["RecommendationType"] == "UNUSED_PERMISSION_RECOMMENDATION"
    assert page["ResourceArn"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    steps = list(page["RecommendationSteps"])
    rest = client.get_recommended_policy_v2(MetadataUid=uid, NextToken=page["NextToken"])
    steps += rest["RecommendationSteps"]
    assert "NextToken" not in rest
    by_id = {s["UnusedPermissions"]["ExistingPolicyId"]: s["UnusedPermissions"] for s in steps}
    inline = by_id["app-inline"]
    assert inline["RecommendedAction"] == "CREATE_POLICY"
    assert json.loads(inline["RecommendedPolicy"])["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    ]
    assert json.loads(inline["ExistingPolicy"]) == INLINE
    kms = by_id[f"arn:aws:iam::{ACCOUNT}:policy/kms-only"]
    assert kms["RecommendedAction"] == "DETACH_POLICY"
    assert isinstance(kms["PolicyUpdatedAt"], datetime)


def test_refusals(sim: Simulation, now: datetime) -> None:
    client = seeded(sim, now)
    missing = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/nope"
    with pytest.raises(ClientError) as not_found:
        client.generate_recommended_policy_v2(MetadataUid=missing)
    assert not_found.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as never_generated:
        client.get_recommended_policy_v2(MetadataUid=_uid(client, "UnusedPermission", "app"))
    assert never_generated.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as wrong_type:
        client.generate_recommended_policy_v2(MetadataUid=_uid(client, "UnusedIAMRole", "idle"))
    assert wrong_type.value.response["Error"]["Code"] == "ValidationException"
    uid = _uid(client, "UnusedPermission", "app")
    client.batch_update_findings_v2(MetadataUids=[uid], StatusId=5, Comment="closed")
    with pytest.raises(ClientError) as closed:
        client.generate_recommended_policy_v2(MetadataUid=uid)
    assert closed.value.response["Error"]["Code"] == "ValidationException"


def test_the_page_size_is_checked(sim: Simulation, now: datetime) -> None:
    client = seeded(sim, now)
    uid = _uid(client, "UnusedPermission", "app")
    client.generate_recommended_policy_v2(MetadataUid=uid)
    raw = sim.client("securityhub")
    raw.meta.events.register(
        "before-parameter-build.securityhub.GetRecommendedPolicyV2",
        lambda params, **_: params.update(MaxResults=101),
    )
    with pytest.raises(ClientError) as too_many:
        raw.get_recommended_policy_v2(MetadataUid=uid)
    # The model lists both codes; the simulation's model check answers Security Hub's own.
    assert too_many.value.response["Error"]["Code"] == "InvalidInputException"


def test_a_failed_recommendation_says_so(sim: Simulation, now: datetime) -> None:
    client = seeded(sim, now)
    access_analyzer.fail_recommendations("app")
    access_analyzer.set_recommendation_polls(0)
    uid = _uid(client, "UnusedPermission", "app")
    client.generate_recommended_policy_v2(MetadataUid=uid)
    answer = client.get_recommended_policy_v2(MetadataUid=uid)
    assert answer["Status"] == "FAILED"
    assert answer["Error"]["Message"]


def test_without_security_hub_access_is_denied(sim: Simulation, now: datetime) -> None:
    client = seeded(sim, now)
    uid = _uid(client, "UnusedPermission", "app")
    client.disable_security_hub()
    for call in (client.generate_recommended_policy_v2, client.get_recommended_policy_v2):
        with pytest.raises(ClientError) as denied:
            call(MetadataUid=uid)
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
