"""The simulated Access Analyzer's UnusedPermission findings, computed from the simulated IAM's
service last access as AWS documents them: one finding per used role, one
unusedPermissionDetails per unused service (serviceNamespace, lastAccessed, and the unused
actions of services tracked at action level), details paged by GetFindingV2, shaped by
botocore's model (which boto3 parses every answer against)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.permissions.permissions_support import seed_role

from dormant_sim import access_analyzer
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def permission_findings(client: Any, arn: str) -> dict[str, dict[str, Any]]:
    """role name -> summary, of the ACTIVE UnusedPermission findings."""
    found = client.list_findings_v2(
        analyzerArn=arn,
        filter={"findingType": {"eq": ["UnusedPermission"]}, "status": {"eq": ["ACTIVE"]}},
    )["findings"]
    return {f["resource"].rsplit("/", 1)[-1]: f for f in found}


def details(client: Any, arn: str, finding_id: str) -> list[dict[str, Any]]:
    pages = client.get_paginator("get_finding_v2").paginate(analyzerArn=arn, id=finding_id)
    return [d["unusedPermissionDetails"] for page in pages for d in page["findingDetails"]]


def test_unused_services_and_actions_of_a_used_role(sim: Simulation, now: datetime) -> None:
    seed_role(
        sim,
        "app",
        now,
        actions=("s3:GetObject", "s3:PutObject", "kms:Decrypt", "sqs:SendMessage"),
        used={"s3:GetObject": 3, "kms": 120},
    )
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=90)
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    findings = permission_findings(client, arn)
    assert sorted(findings) == ["app"]
    summary = findings["app"]
    assert (summary["resourceType"], summary["resourceOwnerAccount"]) == ("AWS::IAM::Role", ACCOUNT)
    by_service = {d["serviceNamespace"]: d for d in details(client, arn, summary["id"])}
    # kms used 120 days ago, sqs never: unused. s3 used, but PutObject (tracked) never.
    assert sorted(by_service) == ["kms", "s3", "sqs"]
    assert by_service["kms"]["lastAccessed"] == now - timedelta(days=120)
    assert "lastAccessed" not in by_service["sqs"]
    assert by_service["s3"]["actions"] == [{"action": "PutObject"}]
    assert by_service["s3"]["lastAccessed"] == now - timedelta(days=3)
    assert "actions" not in by_service["kms"]  # kms is not tracked at action level


def test_no_finding_for_an_unused_role_a_young_one_or_one_using_everything(
    sim: Simulation, now: datetime
) -> None:
    seed_role(sim, "all-used", now, actions=("kms:Decrypt",), used={"kms": 2})
    seed_role(sim, "young", now, actions=("kms:Decrypt",), age_days=30)
    sim.put_role(ACCOUNT, "idle", created=now - timedelta(days=400))  # UnusedIAMRole instead
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=90)
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    assert permission_findings(client, arn) == {}
    types = [f["findingType"] for f in client.list_findings_v2(analyzerArn=arn)["findings"]]
    assert types == ["UnusedIAMRole"]


def test_a_permission_finding_resolves_once_its_services_are_used(
    sim: Simulation, now: datetime
) -> None:
    from dormant_sim import access

    seed_role(sim, "app", now, actions=("kms:Decrypt",), used={})
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=90)
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    finding_id = permission_findings(client, arn)["app"]["id"]
    access.set_last_access(ACCOUNT, "app", "kms", now + timedelta(hours=1))
    access_analyzer.analyze(now + timedelta(days=1))
    assert client.get_finding_v2(analyzerArn=arn, id=finding_id)["status"] == "RESOLVED"


@pytest.mark.parametrize("size", [1, 2, 5])
def test_get_finding_v2_pages_the_details(sim: Simulation, now: datetime, size: int) -> None:
    actions = ("kms:Decrypt", "sqs:SendMessage", "sns:Publish", "logs:PutLogEvents", "ssm:Get")
    seed_role(sim, "wide", now, actions=actions, used={"s3": 1})
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    finding_id = permission_findings(client, arn)["wide"]["id"]
    pages = list(
        client.get_paginator("get_finding_v2").paginate(
            analyzerArn=arn, id=finding_id, PaginationConfig={"PageSize": size}
        )
    )
    assert len(pages) == -(-5 // size)
    namespaces = [
        d["unusedPermissionDetails"]["serviceNamespace"] for p in pages for d in p["findingDetails"]
    ]
    assert sorted(namespaces) == ["kms", "logs", "sns", "sqs", "ssm"]
