"""The simulated Access Analyzer's UnusedPermission findings, recommendations and policy
validation, shaped by botocore's model: used services and actions kept, CREATE_POLICY or
DETACH_POLICY per policy, IN_PROGRESS then SUCCEEDED (or FAILED), validation errors."""

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
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "sqs:SendMessage"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ],
}
ONLY_KMS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
}


def _seed(sim: Simulation, now: datetime) -> str:
    iam = sim.client("iam")
    kms_arn = iam.create_policy(PolicyName="kms-only", PolicyDocument=json.dumps(ONLY_KMS))[
        "Policy"
    ]["Arn"]
    old = now - timedelta(days=200)
    sim.put_role(
        ACCOUNT,
        "app",
        created=old,
        last_used=now - timedelta(days=1),
        inline_policies={"app-inline": INLINE},
        managed_policy_arns=[kms_arn],
    )
    access.set_last_access(ACCOUNT, "app", "s3", now - timedelta(days=3), action="GetObject")
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=90)
    access_analyzer.analyze(now)
    return arn


def _finding(client: Any, arn: str) -> dict[str, Any]:
    findings = client.list_findings_v2(
        analyzerArn=arn, filter={"findingType": {"eq": ["UnusedPermission"]}}
    )["findings"]
    assert len(findings) == 1
    return dict(findings[0])


def test_a_used_roles_unused_services_are_one_finding_with_details(
    sim: Simulation, now: datetime
) -> None:
    arn = _seed(sim, now)
    client = sim.client("accessanalyzer")
    summary = _finding(client, arn)
    assert summary["resource"].endswith(":role/app")
    details = client.get_finding_v2(analyzerArn=arn, id=summary["id"])["findingDetails"]
    namespaces = [d["unusedPermissionDetails"]["serviceNamespace"] for d in details]
    assert namespaces == ["kms", "sqs"]


def test_the_recommendation_keeps_what_was_used_and_detaches_what_was_not(
    sim: Simulation, now: datetime
) -> None:
    arn = _seed(sim, now)
    access_analyzer.set_recommendation_polls(2)
    client = sim.client("accessanalyzer")
    finding_id = _finding(client, arn)["id"]
    with pytest.raises(ClientError) as missing:
        client.get_finding_recommendation(analyzerArn=arn, id=finding_id)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    client.generate_finding_recommendation(analyzerArn=arn, id=finding_id)
    statuses = [
        client.get_finding_recommendation(analyzerArn=arn, id=finding_id)["status"]
        for _ in range(3)
    ]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    answer = client.get_finding_recommendation(analyzerArn=arn, id=finding_id, maxResults=1)
    steps = [answer["recommendedSteps"][0]["unusedPermissionsRecommendedStep"]]
    answer = client.get_finding_recommendation(
        analyzerArn=arn, id=finding_id, nextToken=answer["nextToken"]
    )
    steps.append(answer["recommendedSteps"][0]["unusedPermissionsRecommendedStep"])
    assert "nextToken" not in answer
    inline, managed = steps
    assert inline["existingPolicyId"] == "app-inline"
    assert inline["recommendedAction"] == "CREATE_POLICY"
    assert json.loads(inline["recommendedPolicy"])["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ]
    assert managed["existingPolicyId"].endswith(":policy/kms-only")
    assert managed["recommendedAction"] == "DETACH_POLICY"
    assert "recommendedPolicy" not in managed


def test_recommendations_refuse_other_findings_and_can_fail(sim: Simulation, now: datetime) -> None:
    arn = _seed(sim, now)
    sim.put_role(ACCOUNT, "idle", created=now - timedelta(days=300))
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    idle = client.list_findings_v2(
        analyzerArn=arn, filter={"findingType": {"eq": ["UnusedIAMRole"]}}
    )["findings"][0]["id"]
    with pytest.raises(ClientError) as refused:
        client.generate_finding_recommendation(analyzerArn=arn, id=idle)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    access_analyzer.set_recommendation_polls(0)
    access_analyzer.fail_recommendations("app")
    finding_id = _finding(client, arn)["id"]
    client.generate_finding_recommendation(analyzerArn=arn, id=finding_id)
    answer = client.get_finding_recommendation(analyzerArn=arn, id=finding_id)
    assert answer["status"] == "FAILED"
    assert answer["error"]["message"]


def test_validate_policy_names_unknown_actions_and_services(sim: Simulation) -> None:
    client = sim.client("accessanalyzer")

    def codes(document: dict[str, Any]) -> list[str]:
        answer = client.validate_policy(
            policyDocument=json.dumps(document), policyType="IDENTITY_POLICY"
        )
        return [f["issueCode"] for f in answer["findings"]]

    assert codes(INLINE) == []
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObjekt", "nosuch:Get*", "s3:Get*"],
                "Resource": "*",
            }
        ],
    }
    assert codes(bad) == ["INVALID_ACTION", "INVALID_SERVICE"]
