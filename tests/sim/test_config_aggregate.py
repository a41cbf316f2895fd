"""The simulated Config aggregator serves the rule's results of every source account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dormant_sim import config as simulated_config
from dormant_sim import seed

RULE = "iam-role-last-used"
HOME = seed.DEFAULT_ACCOUNT_ID
MEMBER = "222222222222"
OUTSIDER = "333333333333"


def _post(sim: Any, account: str, region: str = "us-east-1") -> None:
    token = simulated_config.issue_result_token(RULE, account, region)
    when = datetime(2026, 3, 15, tzinfo=UTC)
    evaluations = [
        {
            "ComplianceResourceType": "AWS::IAM::Role",
            "ComplianceResourceId": f"AROA{account}{kind}",
            "ComplianceType": kind,
            "Annotation": f"{kind} in {account}",
            "OrderingTimestamp": when,
        }
        for kind in ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
    ]
    sim.client("config", account, region=region).put_evaluations(
        Evaluations=evaluations, ResultToken=token
    )


@pytest.fixture
def aggregator(sim) -> Any:
    for account in (HOME, MEMBER, OUTSIDER):
        _post(sim, account)
    _post(sim, MEMBER, "eu-west-1")
    client = sim.client("config")
    client.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[
            {"AccountIds": [HOME, MEMBER], "AwsRegions": ["us-east-1", "eu-west-1"]}
        ],
    )
    return client


def test_describe_lists_the_rule_in_each_source_account_and_region(aggregator) -> None:
    entries = aggregator.describe_aggregate_compliance_by_config_rules(
        ConfigurationAggregatorName="org", Filters={"ConfigRuleName": RULE}
    )["AggregateComplianceByConfigRules"]
    pairs = {(e["AccountId"], e["AwsRegion"]) for e in entries}
    assert pairs == {(HOME, "us-east-1"), (MEMBER, "us-east-1"), (MEMBER, "eu-west-1")}
    assert {e["Compliance"]["ComplianceType"] for e in entries} == {"NON_COMPLIANT"}
    pages = aggregator.get_paginator("describe_aggregate_compliance_by_config_rules").paginate(
        ConfigurationAggregatorName="org", PaginationConfig={"PageSize": 2}
    )
    assert [len(p["AggregateComplianceByConfigRules"]) for p in pages] == [2, 1]


def test_details_carry_no_not_applicable_and_page(aggregator) -> None:
    pages = aggregator.get_paginator("get_aggregate_compliance_details_by_config_rule").paginate(
        ConfigurationAggregatorName="org",
        ConfigRuleName=RULE,
        AccountId=MEMBER,
        AwsRegion="us-east-1",
        PaginationConfig={"PageSize": 1},
    )
    results = [r for page in pages for r in page["AggregateEvaluationResults"]]
    assert [r["ComplianceType"] for r in results] == ["COMPLIANT", "NON_COMPLIANT"]
    assert results[1]["Annotation"] == f"NON_COMPLIANT in {MEMBER}"
    assert {r["AccountId"] for r in results} == {MEMBER}
    with pytest.raises(ClientError) as caught:
        aggregator.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="org",
            ConfigRuleName=RULE,
            AccountId=MEMBER,
            AwsRegion="us-east-1",
            ComplianceType="NOT_APPLICABLE",
        )
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError, match="less than or equal to 100"):
        aggregator.get_aggregate_compliance_details_by_config_rule(
            ConfigurationAggregatorName="org",
            ConfigRuleName=RULE,
            AccountId=MEMBER,
            AwsRegion="us-east-1",
            Limit=101,
        )


def test_an_account_outside_the_sources_is_not_served(aggregator) -> None:
    results = aggregator.get_aggregate_compliance_details_by_config_rule(
        ConfigurationAggregatorName="org",
        ConfigRuleName=RULE,
        AccountId=OUTSIDER,
        AwsRegion="us-east-1",
    )["AggregateEvaluationResults"]
    assert results == []


def test_unknown_aggregator_is_refused(sim) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("config").describe_aggregate_compliance_by_config_rules(
            ConfigurationAggregatorName="nope"
        )
    assert caught.value.response["Error"]["Code"] == "NoSuchConfigurationAggregatorException"


def test_aggregate_discovered_roles_name_each_source_accounts_roles(sim, aggregator) -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    seeded = sim.put_role(MEMBER, "member-role", created=created)
    sim.put_role(OUTSIDER, "outsider-role", created=created)
    found = aggregator.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="org",
        ResourceType="AWS::IAM::Role",
        Filters={"AccountId": MEMBER},
    )["ResourceIdentifiers"]
    assert [(r["ResourceId"], r["ResourceName"]) for r in found] == [
        (seeded.role_id, "member-role")
    ]
    everything = aggregator.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="org", ResourceType="AWS::IAM::Role"
    )["ResourceIdentifiers"]
    assert "outsider-role" not in {r["ResourceName"] for r in everything}
