"""The simulated IAM Access Analyzer computes unused-access findings as AWS documents them.

The analyzer's window, only entities that existed for the whole window, service-linked roles
never analyzed; ACTIVE, then RESOLVED once used or deleted, ARCHIVED kept; paging and filters
shaped by botocore's model; AccessDeniedException without `access-analyzer:ListFindings`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iam.models import iam_backends

from dormant_sim import access_analyzer
from dormant_sim.seed.users import KeySeed, PasswordSeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def roles_in(client: Any, arn: str, **filters: list[str]) -> dict[str, str]:
    """resource ARN -> status, over every page."""
    criteria = {key: {"eq": values} for key, values in filters.items()}
    found: dict[str, str] = {}
    for page in client.get_paginator("list_findings_v2").paginate(analyzerArn=arn, filter=criteria):
        for finding in page["findings"]:
            found[finding["resource"].rsplit("/", 1)[-1]] = finding["status"]
    return found


def test_only_roles_unused_for_the_whole_window_and_that_old_are_found(
    sim: Simulation, now: datetime
) -> None:
    old = now - timedelta(days=200)
    sim.put_role(ACCOUNT, "never-used", created=old)
    sim.put_role(ACCOUNT, "unused-91", created=old, last_used=now - timedelta(days=91))
    sim.put_role(ACCOUNT, "used-30", created=old, last_used=now - timedelta(days=30))
    sim.put_role(ACCOUNT, "young", created=now - timedelta(days=60))
    sim.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=old,
    )
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=90)
    client = sim.client("accessanalyzer")
    assert roles_in(client, arn) == {}  # no analysis yet
    access_analyzer.analyze(now)
    assert roles_in(client, arn) == {"never-used": "ACTIVE", "unused-91": "ACTIVE"}
    summary = client.list_findings_v2(analyzerArn=arn)["findings"][0]
    assert summary["analyzedAt"] == now
    assert summary["resourceOwnerAccount"] == ACCOUNT
    assert summary["findingType"] == "UnusedIAMRole"


def test_a_shorter_window_finds_more(sim: Simulation, now: datetime) -> None:
    sim.put_role(
        ACCOUNT, "used-45", created=now - timedelta(days=200), last_used=now - timedelta(days=45)
    )
    arn = access_analyzer.create_analyzer(ACCOUNT, "thirty", unused_access_age=30)
    access_analyzer.analyze(now)
    assert roles_in(sim.client("accessanalyzer"), arn) == {"used-45": "ACTIVE"}


def test_a_finding_is_resolved_once_used_or_deleted_and_an_archived_one_stays(
    sim: Simulation, now: datetime
) -> None:
    for name in ("comes-back", "goes-away", "archived"):
        sim.put_role(ACCOUNT, name, created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    archived = next(
        f["id"]
        for f in client.list_findings_v2(analyzerArn=arn)["findings"]
        if f["resource"].endswith("/archived")
    )
    access_analyzer.archive(arn, archived, now)
    # IAM records a use after the analysis; no API sets RoleLastUsed, so the backend does.
    iam_backends[ACCOUNT]["aws"].get_role("comes-back").last_used = now + timedelta(hours=1)
    sim.client("iam").delete_role(RoleName="goes-away")
    later = now + timedelta(days=1)
    access_analyzer.analyze(later)
    assert roles_in(client, arn) == {
        "comes-back": "RESOLVED",
        "goes-away": "RESOLVED",
        "archived": "ARCHIVED",
    }
    assert roles_in(client, arn, status=["ACTIVE"]) == {}
    detail = client.get_finding_v2(analyzerArn=arn, id=archived)
    assert detail["analyzedAt"] == later
    assert detail["findingDetails"] == [{"unusedIamRoleDetails": {}}]


def test_users_passwords_and_access_keys(sim: Simulation, now: datetime) -> None:
    old = now - timedelta(days=300)
    user = sim.put_user(
        ACCOUNT,
        "alice",
        created=old,
        password=PasswordSeed(changed=old, last_used=now - timedelta(days=120)),
        keys=[KeySeed(created=old), KeySeed(created=old, last_used=now - timedelta(days=2))],
    )
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    findings = client.list_findings_v2(
        analyzerArn=arn,
        filter={"findingType": {"eq": ["UnusedIAMUserAccessKey", "UnusedIAMUserPassword"]}},
    )["findings"]
    assert sorted(f["findingType"] for f in findings) == [
        "UnusedIAMUserAccessKey",
        "UnusedIAMUserPassword",
    ]
    key = next(f for f in findings if f["findingType"] == "UnusedIAMUserAccessKey")
    details = client.get_finding_v2(analyzerArn=arn, id=key["id"])["findingDetails"][0]
    assert details["unusedIamUserAccessKeyDetails"]["accessKeyId"] == user.access_key_ids[0]
    password = next(f for f in findings if f["findingType"] == "UnusedIAMUserPassword")
    details = client.get_finding_v2(analyzerArn=arn, id=password["id"])["findingDetails"][0]
    assert details["unusedIamUserPasswordDetails"]["lastAccessed"] == now - timedelta(days=120)


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_findings_come_in_pages_of_max_results(sim: Simulation, now: datetime, size: int) -> None:
    for index in range(7):
        sim.put_role(ACCOUNT, f"r{index}", created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    pages = list(
        sim.client("accessanalyzer")
        .get_paginator("list_findings_v2")
        .paginate(analyzerArn=arn, PaginationConfig={"PageSize": size})
    )
    assert len(pages) == -(-7 // size)
    assert len({f["id"] for page in pages for f in page["findings"]}) == 7


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"maxResults": 0}, "ValidationException"),
        ({"maxResults": 1001}, "ValidationException"),
        ({"nextToken": "not-a-token"}, "ValidationException"),
        ({"filter": {"resourceType": {"eq": ["AWS::IAM::Role"]}}}, "ValidationException"),
        ({"filter": {"status": {"contains": ["ACT"]}}}, "ValidationException"),
        ({"filter": {"status": {}}}, "ValidationException"),
    ],
)
def test_what_the_simulation_cannot_do_exactly_it_refuses(
    sim: Simulation, kwargs: dict[str, Any], code: str
) -> None:
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    with pytest.raises(ClientError) as refused:
        sim.client("accessanalyzer").list_findings_v2(analyzerArn=arn, **kwargs)
    assert refused.value.response["Error"]["Code"] == code


def test_unknown_analyzers_and_findings_are_not_found(sim: Simulation) -> None:
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    client = sim.client("accessanalyzer")
    for call, kwargs in (
        (client.list_findings_v2, {"analyzerArn": arn + "-gone"}),
        (client.get_finding_v2, {"analyzerArn": arn, "id": "no-such-finding"}),
    ):
        with pytest.raises(ClientError) as missing:
            call(**kwargs)
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_analyzers_are_listed_by_type_with_their_window(sim: Simulation) -> None:
    access_analyzer.create_analyzer(ACCOUNT, "account", unused_access_age=60)
    access_analyzer.create_analyzer(ACCOUNT, "org", analyzer_type="ORGANIZATION_UNUSED_ACCESS")
    client = sim.client("accessanalyzer")
    listed = client.list_analyzers(type="ACCOUNT_UNUSED_ACCESS")["analyzers"]
    assert [(a["name"], a["status"], a["configuration"]) for a in listed] == [
        ("account", "ACTIVE", {"unusedAccess": {"unusedAccessAge": 60}})
    ]
    assert len(client.list_analyzers()["analyzers"]) == 2
    with pytest.raises(ClientError) as conflict:
        access_analyzer.create_analyzer(ACCOUNT, "account")
    assert conflict.value.response["Error"]["Code"] == "ConflictException"
    with pytest.raises(ClientError) as invalid:
        access_analyzer.create_analyzer(ACCOUNT, "too-long", unused_access_age=366)
    assert invalid.value.response["Error"]["Code"] == "ValidationException"


def test_reading_findings_needs_list_findings_on_the_analyzer(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(ACCOUNT, "idle", created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "access-analyzer:ListAnalyzers", "Resource": "*"},
            {"Effect": "Allow", "Action": "access-analyzer:ListFindings", "Resource": arn},
        ],
    }
    reader = sim.principal("reader", policies=[grant])
    lister_only = {"Version": "2012-10-17", "Statement": [grant["Statement"][0]]}
    stranger = sim.principal("stranger", policies=[lister_only])
    with sim.enforcing():
        with sim.acting_as(reader):
            client = boto3.client("accessanalyzer")
            assert len(client.list_findings_v2(analyzerArn=arn)["findings"]) == 1
            with pytest.raises(ClientError) as no_get:
                client.get_finding_v2(analyzerArn=arn, id="x")
            assert no_get.value.response["Error"]["Code"] == "AccessDeniedException"
            assert "access-analyzer:GetFinding" in str(no_get.value)
        with sim.acting_as(stranger):
            client = boto3.client("accessanalyzer")
            assert client.list_analyzers()["analyzers"]
            with pytest.raises(ClientError) as denied:
                client.list_findings_v2(analyzerArn=arn)
            assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
            assert "access-analyzer:ListFindings" in str(denied.value)


def test_the_loopback_server_serves_it_too(sim_server: Simulation, now: datetime) -> None:
    sim_server.put_role(ACCOUNT, "idle", created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused", endpoint_url=sim_server.endpoint_url)
    access_analyzer.analyze(now)
    assert roles_in(sim_server.client("accessanalyzer"), arn) == {"idle": "ACTIVE"}
