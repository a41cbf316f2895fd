"""The simulated Security Hub's GetFindingsV2 and BatchUpdateFindingsV2, as botocore shapes them.

Security Hub shows the account's unused-access analyzers' findings as OCSF; filters on the
unused-access types and statuses, paging with NextToken/MaxResults 1..100, validation errors,
AccessDeniedException without the hub or without `securityhub:GetFindings` on it, and
BatchUpdateFindingsV2's status and comment (unknown findings unprocessed, not failed calls).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim import access_analyzer
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
MEMBER = "111111111111"


def types_filter(*types: str, status: tuple[str, ...] = ("New",)) -> dict[str, Any]:
    def any_of(field: str, values: tuple[str, ...]) -> dict[str, Any]:
        return {
            "Operator": "OR",
            "StringFilters": [
                {"FieldName": field, "Filter": {"Value": v, "Comparison": "EQUALS"}} for v in values
            ],
        }

    return {
        "CompositeFilters": [any_of("finding_info.types", types), any_of("status", status)],
        "CompositeOperator": "AND",
    }


def seeded(sim: Simulation, now: datetime, roles: int = 3) -> Any:
    old = now - timedelta(days=200)
    for index in range(roles):
        sim.put_role(ACCOUNT, f"idle-{index}", created=old)
    sim.put_role(ACCOUNT, "busy", created=old, last_used=now - timedelta(days=1))
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("securityhub")
    client.enable_security_hub()
    return client


def every_page(client: Any, size: int, filters: dict[str, Any]) -> tuple[list[Any], int]:
    found: list[Any] = []
    calls = 0
    token = None
    while True:
        kwargs: dict[str, Any] = {"Filters": filters, "MaxResults": size}
        if token:
            kwargs["NextToken"] = token
        page = client.get_findings_v2(**kwargs)
        calls += 1
        found.extend(page["Findings"])
        token = page.get("NextToken")
        if not token:
            return found, calls


@pytest.mark.parametrize("size", [1, 2, 100])
def test_unused_roles_as_ocsf_page_by_page(sim: Simulation, now: datetime, size: int) -> None:
    client = seeded(sim, now)
    found, calls = every_page(client, size, types_filter("UnusedIAMRole"))
    assert calls == -(-3 // size)
    assert sorted(f["resources"][0]["uid"].rsplit("/", 1)[-1] for f in found) == [
        "idle-0",
        "idle-1",
        "idle-2",
    ]
    first = found[0]
    assert first["finding_info"]["types"] == ["UnusedIAMRole"]
    assert (first["status"], first["status_id"]) == ("New", 1)
    assert first["metadata"]["product"]["name"] == "IAM Access Analyzer"
    assert first["metadata"]["uid"].startswith(f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/")
    assert first["cloud"]["account"]["uid"] == ACCOUNT
    assert first["resources"][0]["owner"]["account"]["uid"] == ACCOUNT
    assert first["resources"][0]["type"] == "AWS::IAM::Role"
    assert first["finding_info"]["last_seen_time_dt"].startswith(now.strftime("%Y-%m-%dT%H:%M"))
    assert every_page(client, 100, types_filter("UnusedIAMUserPassword"))[0] == []


def test_credential_and_permission_findings_name_the_user_or_role_and_nothing_more(
    sim: Simulation, now: datetime
) -> None:
    """As AWS documents them: the resource evaluated is the user (for a key or a password) or
    the role (for unused permissions); no key id, services or last access are shown."""
    from tests.permissions.permissions_support import seed_role

    from dormant_sim.seed.users import KeySeed, PasswordSeed

    old = now - timedelta(days=200)
    sim.put_user(
        ACCOUNT,
        "two",
        created=old,
        keys=[KeySeed(created=old), KeySeed(created=old)],
        password=PasswordSeed(changed=old),
    )
    seed_role(sim, "app", now, actions=("s3:GetObject", "kms:Decrypt"), used={"s3": 3})
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("securityhub")
    client.enable_security_hub()
    keys, _ = every_page(client, 100, types_filter("UnusedIAMUserAccessKey"))
    (password,), _ = every_page(client, 100, types_filter("UnusedIAMUserPassword"))
    (permission,), _ = every_page(client, 100, types_filter("UnusedPermission"))
    assert len(keys) == 2  # one per key, alike but for their ids
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/two"
    for finding in (*keys, password):
        (resource,) = finding["resources"]
        assert (resource["uid"], resource["type"]) == (user_arn, "AWS::IAM::User")
        assert "data" not in resource
    assert keys[0]["metadata"]["uid"] != keys[1]["metadata"]["uid"]
    (resource,) = permission["resources"]
    assert (resource["uid"], resource["type"]) == (
        f"arn:aws:iam::{ACCOUNT}:role/app",
        "AWS::IAM::Role",
    )
    assert "data" not in resource
    assert "unmapped" not in permission


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"MaxResults": 101}, "MaxResults"),
        ({"NextToken": "forged"}, "NextToken"),
        ({"SortCriteria": [{"Field": "status", "SortOrder": "asc"}]}, "SortCriteria"),
        ({"Scopes": {"AwsOrganizations": [{"OrganizationId": "o-abc"}]}}, "Scopes"),
        (
            {
                "Filters": {
                    "CompositeFilters": [
                        {
                            "StringFilters": [
                                {
                                    "FieldName": "finding_info.title",
                                    "Filter": {"Value": "x", "Comparison": "EQUALS"},
                                }
                            ]
                        }
                    ]
                }
            },
            "finding_info.title",
        ),
        (
            {
                "Filters": {
                    "CompositeFilters": [
                        {
                            "StringFilters": [
                                {
                                    "FieldName": "status",
                                    "Filter": {"Value": "New", "Comparison": "CONTAINS"},
                                }
                            ]
                        }
                    ]
                }
            },
            "CONTAINS",
        ),
        (
            {
                "Filters": {
                    "CompositeFilters": [
                        {"NumberFilters": [{"FieldName": "status_id", "Filter": {"Eq": 1}}]}
                    ]
                }
            },
            "NumberFilters",
        ),
    ],
)
def test_requests_the_simulation_cannot_answer_faithfully_are_refused(
    sim: Simulation, now: datetime, kwargs: dict[str, Any], named: str
) -> None:
    client = seeded(sim, now)
    with pytest.raises(ClientError) as refused:
        client.get_findings_v2(**kwargs)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert named.lower() in refused.value.response["Error"]["Message"].lower()


def test_without_security_hub_or_permission_access_is_denied(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(ACCOUNT, "idle", created=now - timedelta(days=200))
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("securityhub")
    with pytest.raises(ClientError) as disabled:
        client.get_findings_v2()
    assert disabled.value.response["Error"]["Code"] == "AccessDeniedException"
    client.enable_security_hub()
    hub = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hubv2/*"
    reader = sim.principal(
        "reader",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "securityhub:GetFindings", "Resource": hub}
                ],
            }
        ],
    )
    other = sim.principal(
        "other",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "securityhub:GetFindingsV2", "Resource": "*"}
                ],
            }
        ],
    )
    with sim.enforcing():
        with sim.acting_as(reader):
            assert len(boto3.client("securityhub").get_findings_v2()["Findings"]) == 1
        with sim.acting_as(other), pytest.raises(ClientError) as denied:
            boto3.client("securityhub").get_findings_v2()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "securityhub:GetFindings" in denied.value.response["Error"]["Message"]


def test_batch_update_sets_status_and_comment_until_the_analyzer_changes_it(
    sim: Simulation, now: datetime
) -> None:
    client = seeded(sim, now, roles=2)
    findings = client.get_findings_v2()["Findings"]
    first, second = findings[0], findings[1]
    answer = client.batch_update_findings_v2(
        MetadataUids=[first["metadata"]["uid"], "arn:aws:securityhub:us-east-1:1:finding/gone"],
        StatusId=5,
        Comment="deleted by dormant; backup s3://b/k",
    )
    assert answer["ProcessedFindings"] == [{"MetadataUid": first["metadata"]["uid"]}]
    (missing,) = answer["UnprocessedFindings"]
    assert missing["ErrorCode"] == "ResourceNotFoundException"
    identifier = {
        "CloudAccountUid": ACCOUNT,
        "FindingInfoUid": second["finding_info"]["uid"],
        "MetadataProductUid": second["metadata"]["product"]["uid"],
    }
    client.batch_update_findings_v2(FindingIdentifiers=[identifier], Comment="seen")
    by_uid = {f["metadata"]["uid"]: f for f in client.get_findings_v2()["Findings"]}
    updated = by_uid[first["metadata"]["uid"]]
    assert (updated["status"], updated["status_id"], updated["comment"]) == (
        "Archived",
        5,
        "deleted by dormant; backup s3://b/k",
    )
    assert (
        by_uid[second["metadata"]["uid"]]["status"],
        by_uid[second["metadata"]["uid"]]["comment"],
    ) == (
        "New",
        "seen",
    )
    # The archived finding leaves the "New" filter the source reads.
    active = client.get_findings_v2(Filters=types_filter("UnusedIAMRole"))["Findings"]
    assert [f["metadata"]["uid"] for f in active] == [second["metadata"]["uid"]]
    # The role is deleted: the analyzer resolves the finding, and its status wins again.
    sim.client("iam").delete_role(RoleName=first["resources"][0]["uid"].rsplit("/", 1)[-1])
    access_analyzer.analyze(now + timedelta(days=1))
    by_uid = {f["metadata"]["uid"]: f for f in client.get_findings_v2()["Findings"]}
    assert by_uid[first["metadata"]["uid"]]["status"] == "Resolved"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"StatusId": 5}, "MetadataUids or FindingIdentifiers"),
        ({"MetadataUids": ["x"]}, "Comment, SeverityId or StatusId"),
        ({"MetadataUids": ["x"], "StatusId": 7}, "StatusId 7"),
        ({"MetadataUids": [f"u{i}" for i in range(101)], "StatusId": 5}, "100"),
    ],
)
def test_batch_update_validation(
    sim: Simulation, now: datetime, kwargs: dict[str, Any], named: str
) -> None:
    client = seeded(sim, now, roles=1)
    with pytest.raises(ClientError) as refused:
        client.batch_update_findings_v2(**kwargs)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert named in refused.value.response["Error"]["Message"]


def test_an_organization_analyzer_in_the_management_account_covers_the_members(
    sim: Simulation, now: datetime
) -> None:
    sim.create_organization([MEMBER])
    old = now - timedelta(days=200)
    sim.put_role(ACCOUNT, "idle-here", created=old)
    sim.put_role(MEMBER, "idle-there", created=old)
    access_analyzer.create_analyzer(ACCOUNT, "org", analyzer_type="ORGANIZATION_UNUSED_ACCESS")
    access_analyzer.analyze(now)
    client = sim.client("securityhub")
    client.enable_security_hub()
    found = {
        (f["cloud"]["account"]["uid"], f["resources"][0]["uid"])
        for f in client.get_findings_v2()["Findings"]
    }
    assert found == {
        (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/idle-here"),
        (MEMBER, f"arn:aws:iam::{MEMBER}:role/idle-there"),
    }


def test_a_delegated_administrators_organization_analyzer_covers_the_members_others_do_not(
    sim: Simulation, now: datetime
) -> None:
    third = "333333333333"
    sim.create_organization([MEMBER, third])
    old = now - timedelta(days=200)
    for account in (ACCOUNT, MEMBER, third):
        sim.put_role(account, f"idle-{account}", created=old)
    sim.client("organizations").register_delegated_administrator(
        AccountId=MEMBER, ServicePrincipal="access-analyzer.amazonaws.com"
    )
    delegated = access_analyzer.create_analyzer(
        MEMBER, "org", analyzer_type="ORGANIZATION_UNUSED_ACCESS"
    )
    plain = access_analyzer.create_analyzer(
        third, "org", analyzer_type="ORGANIZATION_UNUSED_ACCESS"
    )
    access_analyzer.analyze(now)

    def owners(arn: str, account: str) -> set[str]:
        client = sim.client("accessanalyzer", account)
        return {
            f["resourceOwnerAccount"] for f in client.list_findings_v2(analyzerArn=arn)["findings"]
        }

    assert owners(delegated, MEMBER) == {ACCOUNT, MEMBER, third}
    assert owners(plain, third) == {third}
