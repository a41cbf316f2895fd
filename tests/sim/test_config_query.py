"""The simulated AWS Config answers advanced queries over the resources that reference roles.

Everything goes through boto3's Config client, as dormant will call it: SelectResourceConfig
in one account, SelectAggregateResourceConfig through an aggregator.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dormant_sim import seed
from dormant_sim.config_items import REFERENCE_TYPES
from dormant_sim.config_sql import TOP_LEVEL_SCALARS
from dormant_sim.server import SimulatedAws, Simulation

HOME = seed.DEFAULT_ACCOUNT_ID
MEMBER = "222222222222"
THIRD = "333333333333"
OUTSIDER = "444444444444"
LAMBDA = "AWS::Lambda::Function"
RULE = "AWS::Events::Rule"


def _select(client: Any, expression: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    """Every result of the query (parsed) and the number of pages it took."""
    results: list[dict[str, Any]] = []
    pages = 0
    while True:
        page = client.select_resource_config(Expression=expression, **kwargs)
        pages += 1
        results.extend(json.loads(r) for r in page["Results"])
        if "NextToken" not in page:
            return results, pages
        kwargs["NextToken"] = page["NextToken"]


def _at(result: dict[str, Any], path: str) -> list[Any]:
    """The values at a dotted path of a result, through lists."""
    nodes: list[Any] = [result]
    for part in path.split("."):
        found: list[Any] = []
        for node in nodes:
            for element in node if isinstance(node, list) else [node]:
                if isinstance(element, dict) and part in element:
                    found.append(element[part])
        nodes = found
    return [v for n in nodes for v in (n if isinstance(n, list) else [n])]


def _role_arn(sim: Simulation, now: datetime, account: str = HOME, name: str = "app") -> str:
    return sim.put_role(account, name, created=now).arn


def _error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


# ---- every type holds the role where Config's schema says


@pytest.mark.parametrize("resource_type", sorted(REFERENCE_TYPES))
def test_each_type_yields_an_item_with_the_role_at_its_schema_field(
    sim: Simulation, now: datetime, resource_type: str
) -> None:
    role = _role_arn(sim, now)
    sim.put_configuration_recorder(HOME)
    seeded = sim.put_referencing_resource(HOME, resource_type, "ref-one", role)
    fields = REFERENCE_TYPES[resource_type]
    assert set(seeded.references) == set(fields)
    config = sim.client("config")

    results, _ = _select(
        config,
        "SELECT resourceType, resourceId, resourceName, arn, accountId, awsRegion, "
        + ", ".join(fields)
        + f" WHERE resourceType = '{resource_type}'",
    )

    assert len(results) == 1, results
    item = results[0]
    assert item["resourceType"] == resource_type
    assert item["arn"] == seeded.arn
    assert (item["accountId"], item["awsRegion"]) == (HOME, "us-east-1")
    assert item["resourceId"]
    for field, arn in seeded.references.items():
        assert _at(item, field) == [arn], field
        if resource_type in ("AWS::EC2::Instance", "AWS::Batch::ComputeEnvironment") and (
            "InstanceRole" in field or "iamInstanceProfile" in field
        ):
            assert arn == f"arn:aws:iam::{HOME}:instance-profile/app"
        else:
            assert arn == role
        # The same field finds it by equality, and a different ARN finds nothing.
        found, _ = _select(
            config, f"SELECT arn WHERE resourceType = '{resource_type}' AND {field} = '{arn}'"
        )
        assert found == [{"arn": seeded.arn}]
        other, _ = _select(config, f"SELECT arn WHERE {field} = '{arn}-other'")
        assert other == []


def test_an_instance_carries_its_state(sim: Simulation, now: datetime) -> None:
    sim.put_role(HOME, "app", created=now)
    sim.put_configuration_recorder(HOME)
    profile = seed.instance_profile_for(HOME, "app")
    running = seed.put_ec2_instance(HOME, profile)
    stopped = seed.put_ec2_instance(HOME, profile, stopped=True)

    results, _ = _select(
        sim.client("config"),
        "SELECT resourceId, configuration.state.name, configuration.iamInstanceProfile.arn "
        "WHERE resourceType = 'AWS::EC2::Instance'",
    )

    states = {r["resourceId"]: r["configuration"]["state"]["name"] for r in results}
    assert states == {running.name: "running", stopped.name: "stopped"}
    assert {r["configuration"]["iamInstanceProfile"]["arn"] for r in results} == {profile}


# ---- selection and filters


@pytest.fixture
def mixed(sim: Simulation, now: datetime) -> dict[str, str]:
    """Two Lambda functions (two roles) and a rule whose two targets run as the two roles."""
    first, second = _role_arn(sim, now, name="first"), _role_arn(sim, now, name="second")
    sim.put_configuration_recorder(HOME)
    seed.put_lambda_function(HOME, "fn-first", first)
    seed.put_lambda_function(HOME, "fn-second", second)
    seed.put_events_rule(HOME, "nightly", target_role_arns=(first, second))
    return {"first": first, "second": second}


def test_a_result_holds_only_the_selected_fields_and_query_info_names_them(
    sim: Simulation, mixed: dict[str, str]
) -> None:
    page = sim.client("config").select_resource_config(
        Expression=f"SELECT resourceId, configuration.role WHERE resourceType = '{LAMBDA}'"
    )

    assert page["QueryInfo"]["SelectFields"] == [
        {"Name": "resourceId"},
        {"Name": "configuration.role"},
    ]
    assert sorted(page["Results"]) == [
        json.dumps(
            {"resourceId": "fn-first", "configuration": {"role": mixed["first"]}},
            separators=(",", ":"),
        ),
        json.dumps(
            {"resourceId": "fn-second", "configuration": {"role": mixed["second"]}},
            separators=(",", ":"),
        ),
    ]


def test_select_star_gives_the_top_level_scalars_only(
    sim: Simulation, mixed: dict[str, str]
) -> None:
    results, _ = _select(sim.client("config"), f"SELECT * WHERE resourceType = '{LAMBDA}'")

    assert len(results) == 2
    for result in results:
        assert set(result) <= set(TOP_LEVEL_SCALARS)
        assert {"accountId", "awsRegion", "arn", "resourceId", "resourceType"} <= set(result)


def test_a_path_through_a_list_selects_that_field_of_every_element(
    sim: Simulation, mixed: dict[str, str]
) -> None:
    results, _ = _select(
        sim.client("config"),
        f"SELECT resourceName, configuration.Targets.RoleArn WHERE resourceType = '{RULE}'",
    )

    assert results == [
        {
            "resourceName": "nightly",
            "configuration": {
                "Targets": [{"RoleArn": mixed["first"]}, {"RoleArn": mixed["second"]}]
            },
        }
    ]


def test_equality_on_a_list_field_matches_any_element(
    sim: Simulation, mixed: dict[str, str]
) -> None:
    config = sim.client("config")
    for role in mixed.values():
        found, _ = _select(
            config, f"SELECT resourceName WHERE configuration.Targets.RoleArn = '{role}'"
        )
        assert found == [{"resourceName": "nightly"}]


def test_in_and_and_filter_like_sql(sim: Simulation, mixed: dict[str, str]) -> None:
    config = sim.client("config")

    both, _ = _select(config, f"SELECT resourceType WHERE resourceType IN ('{LAMBDA}', '{RULE}')")
    one, _ = _select(
        config,
        f"SELECT resourceName WHERE resourceType = '{LAMBDA}' "
        f"AND configuration.role = '{mixed['second']}'",
    )
    none, _ = _select(
        config,
        f"SELECT resourceName WHERE resourceType = '{RULE}' "
        f"AND configuration.role = '{mixed['second']}'",
    )

    assert sorted(r["resourceType"] for r in both) == sorted([LAMBDA, LAMBDA, RULE])
    assert one == [{"resourceName": "fn-second"}]
    assert none == []


def test_keywords_are_case_insensitive_and_quotes_escape(
    sim: Simulation, mixed: dict[str, str]
) -> None:
    results, _ = _select(
        sim.client("config"),
        f"select resourceName where resourceType in ('{LAMBDA}') and resourceName = 'fn-first'",
    )
    quoted, _ = _select(sim.client("config"), "SELECT resourceName WHERE resourceName = 'it''s'")

    assert results == [{"resourceName": "fn-first"}]
    assert quoted == []


# ---- paging


@settings(
    max_examples=6,
    deadline=None,
    # Each example empties the simulation and seeds its own account.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(count=st.integers(min_value=0, max_value=230))
def test_at_limit_100_a_query_takes_ceil_n_over_100_pages_each_item_once(
    sim: Simulation, count: int
) -> None:
    sim.reset()
    sim.put_configuration_recorder(HOME)
    for i in range(count):
        seed.put_events_rule(HOME, f"rule-{i:03d}")

    results, pages = _select(
        sim.client("config"), f"SELECT arn WHERE resourceType = '{RULE}'", Limit=100
    )

    assert pages == max(1, math.ceil(count / 100))
    assert sim.recorder.calls("config", "SelectResourceConfig") == pages
    arns = [r["arn"] for r in results]
    assert len(arns) == len(set(arns)) == count


@pytest.fixture
def thirty_seven_rules(sim: Simulation) -> Simulation:
    sim.put_configuration_recorder(HOME)
    for i in range(37):
        seed.put_events_rule(HOME, f"rule-{i:02d}")
    return sim


@settings(
    max_examples=15,
    deadline=None,
    # The examples only read the account the fixture built.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limit=st.integers(min_value=1, max_value=100))
def test_any_limit_pages_every_item_once(thirty_seven_rules: Simulation, limit: int) -> None:
    results, pages = _select(thirty_seven_rules.client("config"), "SELECT arn", Limit=limit)

    assert pages == math.ceil(37 / limit)
    assert len({r["arn"] for r in results}) == len(results) == 37


def test_without_a_limit_a_page_holds_25(thirty_seven_rules: Simulation) -> None:
    page = thirty_seven_rules.client("config").select_resource_config(Expression="SELECT arn")
    assert len(page["Results"]) == 25
    assert "NextToken" in page


def test_a_limit_above_100_is_refused(thirty_seven_rules: Simulation) -> None:
    with pytest.raises(ClientError) as caught:
        thirty_seven_rules.client("config").select_resource_config(
            Expression="SELECT arn", Limit=101
        )
    code, message = _error(caught)
    assert code == "ValidationException"
    assert "less than or equal to 100" in message


def test_a_next_token_works_only_for_its_own_expression(thirty_seven_rules: Simulation) -> None:
    config = thirty_seven_rules.client("config")
    token = config.select_resource_config(Expression="SELECT arn", Limit=10)["NextToken"]

    with pytest.raises(ClientError) as other:
        config.select_resource_config(Expression="SELECT resourceId", NextToken=token)
    with pytest.raises(ClientError) as forged:
        config.select_resource_config(Expression="SELECT arn", NextToken="forged")

    assert _error(other)[0] == _error(forged)[0] == "InvalidNextTokenException"


# ---- the expression's length and syntax


def _padded(length: int) -> str:
    head, tail = "SELECT resourceId WHERE resourceName = '", "'"
    return head + "x" * (length - len(head) - len(tail)) + tail


def test_an_expression_of_4096_characters_is_answered_and_4097_is_refused(
    sim: Simulation,
) -> None:
    config = sim.client("config")
    assert config.select_resource_config(Expression=_padded(4096))["Results"] == []

    with pytest.raises(ClientError) as caught:
        config.select_resource_config(Expression=_padded(4097))

    code, message = _error(caught)
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 4096" in message


@pytest.mark.parametrize(
    "expression",
    [
        f"SELECT resourceId WHERE resourceType = '{LAMBDA}' OR resourceType = '{RULE}'",
        "SELECT resourceId WHERE resourceName LIKE 'fn-%'",
        f"SELECT resourceType, COUNT(*) WHERE resourceType = '{LAMBDA}' GROUP BY resourceType",
        "SELECT COUNT(*)",
        "SELECT resourceId ORDER BY resourceId",
        f"SELECT resourceId WHERE NOT resourceType = '{LAMBDA}'",
        "SELECT resourceId WHERE configuration.timeout BETWEEN 1 AND 5",
        "SELECT resourceId WHERE configuration.timeout > 3",
        "SELECT DISTINCT resourceType",
        "SELECT resourceId FROM resources",
        "SELECT resourceId AS id",
        "SELECT resourceId WHERE resourceName IS NULL",
        "SELECT resourceId WHERE (resourceName = 'a')",
        "SELECT *, resourceId",
        "resourceId WHERE resourceName = 'a'",
        "SELECT",
        "SELECT resourceId WHERE",
        "SELECT resourceId WHERE resourceName = 'unterminated",
        "SELECT resourceId; DROP",
    ],
)
def test_what_the_simulation_cannot_answer_is_an_invalid_expression(
    sim: Simulation, expression: str
) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("config").select_resource_config(Expression=expression)
    assert _error(caught)[0] == "InvalidExpressionException"


# ---- only what the recorder records


def test_no_recorder_means_no_items(sim: Simulation, now: datetime) -> None:
    seed.put_lambda_function(HOME, "fn", _role_arn(sim, now))
    assert _select(sim.client("config"), "SELECT arn")[0] == []


def test_a_type_the_recorder_does_not_record_yields_nothing(sim: Simulation, now: datetime) -> None:
    role = _role_arn(sim, now)
    sim.put_configuration_recorder(HOME, resource_types=[LAMBDA])
    seed.put_lambda_function(HOME, "fn", role)
    seed.put_glue_job(HOME, "etl", role)
    config = sim.client("config")

    recorded = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    lambdas, _ = _select(config, f"SELECT resourceName WHERE resourceType = '{LAMBDA}'")
    jobs, _ = _select(config, "SELECT resourceName WHERE resourceType = 'AWS::Glue::Job'")
    everything, _ = _select(config, f"SELECT resourceType WHERE configuration.role = '{role}'")

    assert recorded["recordingGroup"]["allSupported"] is False
    assert recorded["recordingGroup"]["resourceTypes"] == [LAMBDA]
    assert lambdas == [{"resourceName": "fn"}]
    assert jobs == []
    assert everything == [{"resourceType": LAMBDA}]


def test_an_excluded_type_yields_nothing_and_the_rest_is_recorded(
    sim: Simulation, now: datetime
) -> None:
    role = _role_arn(sim, now)
    sim.put_configuration_recorder(HOME, excluded_types=[LAMBDA])
    seed.put_lambda_function(HOME, "fn", role)
    seed.put_glue_job(HOME, "etl", role)
    config = sim.client("config")

    group = config.describe_configuration_recorders()["ConfigurationRecorders"][0]["recordingGroup"]
    results, _ = _select(config, "SELECT resourceType")

    assert group["exclusionByResourceTypes"] == {"resourceTypes": [LAMBDA]}
    assert group["recordingStrategy"] == {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}
    assert results == [{"resourceType": "AWS::Glue::Job"}]


def test_all_supported_is_what_describe_shows_and_records_every_type(
    sim: Simulation, now: datetime
) -> None:
    sim.put_configuration_recorder(HOME)
    group = sim.client("config").describe_configuration_recorders()["ConfigurationRecorders"][0][
        "recordingGroup"
    ]
    assert group["allSupported"] is True


def test_each_region_has_its_own_items(sim: Simulation, now: datetime) -> None:
    role = _role_arn(sim, now)
    sim.put_configuration_recorder(HOME, "eu-west-1")
    seed.put_lambda_function(HOME, "fn-east", role)
    seed.put_lambda_function(HOME, "fn-west", role, region="eu-west-1")

    east, _ = _select(sim.client("config"), "SELECT resourceName")
    west, _ = _select(sim.client("config", region="eu-west-1"), "SELECT resourceName, awsRegion")

    assert east == []  # us-east-1 has no recorder
    assert west == [{"resourceName": "fn-west", "awsRegion": "eu-west-1"}]


# ---- through an aggregator


@pytest.fixture
def three_accounts(sim: Simulation, now: datetime) -> Any:
    """A Lambda function in each of three source accounts, one outside, one elsewhere."""
    for account in (HOME, MEMBER, THIRD, OUTSIDER):
        sim.put_configuration_recorder(account)
        seed.put_lambda_function(account, f"fn-{account}", _role_arn(sim, now, account))
    sim.put_configuration_recorder(MEMBER, "eu-west-1")
    seed.put_lambda_function(
        MEMBER, "fn-west", _role_arn(sim, now, MEMBER, "west"), region="eu-west-1"
    )
    config = sim.client("config")
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[
            {"AccountIds": [HOME, MEMBER, THIRD], "AwsRegions": ["us-east-1"]}
        ],
    )
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="everywhere",
        AccountAggregationSources=[{"AccountIds": [MEMBER], "AllAwsRegions": True}],
    )
    return config


def _aggregate(
    config: Any, name: str, expression: str, **kwargs: Any
) -> tuple[list[dict[str, Any]], int]:
    results: list[dict[str, Any]] = []
    pages = 0
    while True:
        page = config.select_aggregate_resource_config(
            ConfigurationAggregatorName=name, Expression=expression, **kwargs
        )
        pages += 1
        results.extend(json.loads(r) for r in page["Results"])
        if "NextToken" not in page:
            return results, pages
        kwargs["NextToken"] = page["NextToken"]


def test_an_aggregator_query_spans_its_source_accounts(
    sim: Simulation, three_accounts: Any
) -> None:
    results, _ = _aggregate(
        three_accounts,
        "org",
        f"SELECT accountId, awsRegion, resourceName, configuration.role "
        f"WHERE resourceType = '{LAMBDA}'",
    )

    assert sorted((r["accountId"], r["awsRegion"], r["resourceName"]) for r in results) == [
        (account, "us-east-1", f"fn-{account}") for account in (HOME, MEMBER, THIRD)
    ]
    for result in results:
        assert result["configuration"]["role"] == f"arn:aws:iam::{result['accountId']}:role/app"


def test_an_aggregator_covers_only_its_regions(sim: Simulation, three_accounts: Any) -> None:
    results, _ = _aggregate(three_accounts, "everywhere", "SELECT resourceName, awsRegion")
    assert sorted((r["resourceName"], r["awsRegion"]) for r in results) == [
        (f"fn-{MEMBER}", "us-east-1"),
        ("fn-west", "eu-west-1"),
    ]


def test_an_aggregator_query_pages_across_accounts_and_is_counted(
    sim: Simulation, three_accounts: Any
) -> None:
    for account in (HOME, MEMBER, THIRD):
        for i in range(40):
            seed.put_events_rule(account, f"rule-{i:02d}")
    sim.recorder.reset()

    results, pages = _aggregate(
        three_accounts, "org", f"SELECT accountId, arn WHERE resourceType = '{RULE}'", Limit=100
    )

    assert pages == 2
    assert sim.recorder.calls("config", "SelectAggregateResourceConfig") == 2
    assert len({r["arn"] for r in results}) == len(results) == 120
    assert {r["accountId"] for r in results} == {HOME, MEMBER, THIRD}


def test_an_organization_aggregator_spans_the_organization(sim: Simulation, now: datetime) -> None:
    sim.create_organization([MEMBER, THIRD])
    for account in (HOME, MEMBER, THIRD):
        sim.put_configuration_recorder(account)
        seed.put_lambda_function(account, f"fn-{account}", _role_arn(sim, now, account))
    config = sim.client("config")
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="organization",
        OrganizationAggregationSource={
            "RoleArn": f"arn:aws:iam::{HOME}:role/aggregator",
            "AllAwsRegions": True,
        },
    )

    results, _ = _aggregate(config, "organization", "SELECT accountId")

    assert sorted(r["accountId"] for r in results) == sorted([HOME, MEMBER, THIRD])


def test_an_unknown_aggregator_is_refused(sim: Simulation) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("config").select_aggregate_resource_config(
            ConfigurationAggregatorName="nope", Expression="SELECT resourceId"
        )
    assert _error(caught)[0] == "NoSuchConfigurationAggregatorException"


def test_an_aggregator_query_refuses_what_it_cannot_answer(
    sim: Simulation, three_accounts: Any
) -> None:
    with pytest.raises(ClientError) as invalid:
        three_accounts.select_aggregate_resource_config(
            ConfigurationAggregatorName="org", Expression="SELECT COUNT(*)"
        )
    with pytest.raises(ClientError) as too_many:
        three_accounts.select_aggregate_resource_config(
            ConfigurationAggregatorName="org", Expression="SELECT arn", MaxResults=101
        )
    assert _error(invalid)[0] == "InvalidExpressionException"
    assert _error(too_many)[0] == "ValidationException"


# ---- over the loopback server, as a subprocess would


def test_the_loopback_server_answers_the_same_query(
    sim_server: SimulatedAws, now: datetime
) -> None:
    role = sim_server.put_role(HOME, "app", created=now).arn
    sim_server.put_configuration_recorder(HOME)
    seeded = sim_server.put_referencing_resource(HOME, LAMBDA, "fn", role)

    results, _ = _select(
        sim_server.client("config"), f"SELECT arn WHERE configuration.role = '{role}'"
    )

    assert results == [{"arn": seeded.arn}]
    assert sim_server.recorder.calls("config", "SelectResourceConfig") == 1
