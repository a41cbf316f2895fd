"""The Access Analyzer adapter over the simulated service: the analyzer it picks, the findings
it reads (ACTIVE and the command's types only, page by page), and its one-line refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from dormant.aws.access_analyzer import find_analyzer, read_findings
from dormant.core.aws_findings import UnusedAccessAnalyzer
from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant_sim import access_analyzer
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def test_the_first_active_unused_access_analyzer_or_the_named_one(sim: Simulation) -> None:
    client = sim.client("accessanalyzer")
    with pytest.raises(InvalidParameter, match="no active unused-access analyzer"):
        find_analyzer(client, ACCOUNT)
    org = access_analyzer.create_analyzer(
        ACCOUNT, "org", analyzer_type="ORGANIZATION_UNUSED_ACCESS", unused_access_age=30
    )
    account = access_analyzer.create_analyzer(ACCOUNT, "account", unused_access_age=60)
    assert find_analyzer(client, ACCOUNT) == UnusedAccessAnalyzer(
        account, "ACCOUNT_UNUSED_ACCESS", 60
    )
    assert find_analyzer(client, ACCOUNT, org).window_days == 30
    with pytest.raises(InvalidParameter, match=r"--analyzer-arn.*no unused-access analyzer"):
        find_analyzer(client, ACCOUNT, org + "-gone")


@pytest.mark.parametrize("page_size", [1, 2, 1000])
def test_active_findings_of_the_commands_types_page_by_page(
    sim: Simulation, now: datetime, page_size: int
) -> None:
    for index in range(3):
        sim.put_role(ACCOUNT, f"idle-{index}", created=now - timedelta(days=200))
    sim.put_role(ACCOUNT, "archived", created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    archived = next(
        f["id"]
        for f in client.list_findings_v2(analyzerArn=arn)["findings"]
        if f["resource"].endswith("/archived")
    )
    access_analyzer.archive(arn, archived, now)
    analyzer = find_analyzer(client, ACCOUNT)
    sim.recorder.reset()
    found = list(
        read_findings(client, analyzer, ["UnusedIAMRole"], account_id=ACCOUNT, page_size=page_size)
    )
    assert sorted(f.resource_arn.rsplit("/", 1)[-1] for f in found) == [
        "idle-0",
        "idle-1",
        "idle-2",
    ]
    assert {(f.status, f.type, f.account_id, f.window_days) for f in found} == {
        ("ACTIVE", "UnusedIAMRole", ACCOUNT, 90)
    }
    assert all(f.analyzed_at == now.astimezone(UTC) for f in found)
    assert sim.recorder.calls("accessanalyzer", "ListFindingsV2") == -(-3 // page_size)
    assert list(read_findings(client, analyzer, ["UnusedIAMUserPassword"])) == []


def test_a_reader_without_list_findings_gets_one_line_naming_the_call(
    sim: Simulation, now: datetime
) -> None:
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    lister = sim.principal(
        "lister",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "access-analyzer:ListAnalyzers", "Resource": "*"}
                ],
            }
        ],
    )
    with sim.enforcing(), sim.acting_as(lister):
        client = boto3.client("accessanalyzer")
        analyzer = find_analyzer(client, ACCOUNT)
        assert analyzer.arn == arn
        with pytest.raises(AwsAccessError) as denied:
            list(read_findings(client, analyzer, ["UnusedIAMRole"], account_id=ACCOUNT))
    assert denied.value.denied
    assert "access-analyzer:ListFindings" in str(denied.value)
    assert ACCOUNT in str(denied.value)
