"""`dormant report --aggregator`: every account's recorded results, through the simulated AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dormant_sim import seed

RULE = "iam-role-last-used"
HOME = seed.DEFAULT_ACCOUNT_ID
MEMBER = "222222222222"
DELETED_ID = "AROADELETEDROLE000001"


def _post_results(sim_server: Any, account: str, now: datetime) -> dict[str, str]:
    """The demo account's expected results, posted as the rule would; name -> compliance."""
    roles = sim_server.seed_demo_account(account, now)
    token = sim_server.issue_result_token(RULE, account)
    evaluations = [
        {
            "ComplianceResourceType": "AWS::IAM::Role",
            "ComplianceResourceId": role.role_id,
            "ComplianceType": role.expected_compliance,
            "Annotation": role.expected_annotation or role.expected_compliance,
            "OrderingTimestamp": now,
        }
        for role in roles
    ]
    evaluations.append(
        {
            "ComplianceResourceType": "AWS::IAM::Role",
            "ComplianceResourceId": DELETED_ID,
            "ComplianceType": "NON_COMPLIANT",
            "Annotation": "No record of usage",
            "OrderingTimestamp": now,
        }
    )
    client = sim_server.client("config", account)
    for start in range(0, len(evaluations), 100):
        client.put_evaluations(Evaluations=evaluations[start : start + 100], ResultToken=token)
    return {role.name: role.expected_compliance for role in roles}


def _org(sim_server: Any) -> dict[str, dict[str, str]]:
    now = datetime.now(UTC).replace(microsecond=0)
    expected = {account: _post_results(sim_server, account, now) for account in (HOME, MEMBER)}
    sim_server.client("config").put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[{"AccountIds": [HOME, MEMBER], "AllAwsRegions": True}],
    )
    return expected


def test_report_reads_every_account_through_the_aggregator(dormant, sim_server) -> None:
    expected = _org(sim_server)
    sim_server.recorder.reset()
    result = dormant("report", "--aggregator", "org", "-f", "tsv", env=sim_server.env())
    assert result.returncode == 1, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    got = {(cells[0], cells[1]): cells[2] for cells in lines}
    for account, roles in expected.items():
        for name, compliance in roles.items():
            if compliance == "NOT_APPLICABLE":  # an aggregator holds none
                assert (account, name) not in got
            else:
                assert got[(account, name)] == compliance, (account, name)
        # A role IAM no longer has keeps its id.
        assert got[(account, DELETED_ID)] == "NON_COMPLIANT"
    counts = sim_server.recorder.counts()
    assert counts["config:DescribeAggregateComplianceByConfigRules"] == 1
    assert counts["config:GetAggregateComplianceDetailsByConfigRule"] == 2
    assert counts["config:ListAggregateDiscoveredResources"] == 2


def test_a_pair_that_fails_is_reported_and_the_others_complete(dormant, sim_server) -> None:
    _org(sim_server)
    sim_server.inject_error(
        "config",
        "GetAggregateComplianceDetailsByConfigRule",
        "AccessDeniedException",
        "not authorized for this source",
        times=None,
        when=lambda params: params.get("AccountId") == MEMBER,
    )
    result = dormant("report", "--aggregator", "org", "-f", "json", env=sim_server.env())
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert {f["account_id"] for f in document["findings"]} == {HOME}
    (failure,) = document["failures"]
    assert failure["account_id"] == MEMBER
    assert failure["region"] == "us-east-1"
    assert failure["operation"] == "config:GetAggregateComplianceDetailsByConfigRule"
    assert "AccessDeniedException" in failure["message"]
    assert (
        f"dormant: account {MEMBER} in us-east-1 failed: "
        "config:GetAggregateComplianceDetailsByConfigRule" in result.stderr
    )


def test_aggregator_report_refuses_what_an_aggregator_cannot_hold(dormant, sim_server) -> None:
    only_na = dormant(
        "report", "--aggregator", "org", "--compliance", "NOT_APPLICABLE", env=sim_server.env()
    )
    assert only_na.returncode == 2
    assert only_na.stderr.startswith("dormant: error: invalid parameter --compliance:")
    sim_server.client("config").put_configuration_aggregator(
        ConfigurationAggregatorName="empty",
        AccountAggregationSources=[{"AccountIds": [MEMBER], "AllAwsRegions": True}],
    )
    empty = dormant("report", "--aggregator", "empty", env=sim_server.env())
    assert empty.returncode == 0, empty.stderr
    assert "aggregator empty holds no results of rule iam-role-last-used" in empty.stderr
    missing = dormant("report", "--aggregator", "nope", env=sim_server.env())
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        "dormant: error: invalid parameter --aggregator: aggregator nope not found in "
        "us-east-1 (run in the account and --region that hold it)"
    ]


def test_aggregator_report_exports_asff_per_account(dormant, sim_server) -> None:
    _org(sim_server)
    result = dormant("report", "--aggregator", "org", "-f", "asff", env=sim_server.env())
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    by_account = {f["AwsAccountId"]: f["ProductArn"] for f in findings}
    assert by_account == {
        account: f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"
        for account in (HOME, MEMBER)
    }
    # An aggregator knows a role by id and name only: the id stands in for the ARN.
    deleted = [f for f in findings if f["Resources"][0]["Id"] == DELETED_ID]
    assert len(deleted) == 2
