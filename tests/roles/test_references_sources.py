"""The ``config`` and ``live`` sources over the simulated AWS: every listed type found by each,
at the promised cost; a type Config does not record, and a denied call, are not covered.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest

from dormant.roles.aws import IamRoleSource
from dormant.roles.aws_references.config import config_finder
from dormant.roles.aws_references.live import LIVE_READERS, live_finder
from dormant.roles.model import Role
from dormant.roles.references.config import CONFIG_FIELDS
from dormant_sim import seed
from dormant_sim.server import Simulation

HOME = seed.DEFAULT_ACCOUNT_ID
MEMBER = "222222222222"
THIRD = "333333333333"
REGION = "us-east-1"
TYPES = sorted(CONFIG_FIELDS)


def _roles(sim: Simulation, account: str = HOME) -> list[Role]:
    return list(IamRoleSource(sim.client("iam", account), account_id=account).roles())


def _config(sim: Simulation, account: str = HOME, **kwargs: Any) -> Any:
    return config_finder(
        lambda region: sim.client("config", account, region=region),
        account_id=account,
        regions=kwargs.pop("regions", [REGION]),
        **kwargs,
    )


def _live(sim: Simulation, account: str = HOME, **kwargs: Any) -> Any:
    return live_finder(
        lambda service, region: sim.client(service, account, region=region),
        account_id=account,
        regions=[REGION],
        **kwargs,
    )


@pytest.mark.parametrize("resource_type", TYPES)
@pytest.mark.parametrize("source", ["config", "live"])
def test_every_type_that_references_a_role_is_found(
    sim: Simulation, now: datetime, resource_type: str, source: str
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    other = sim.put_role(HOME, "other", created=now)
    sim.put_configuration_recorder(HOME)
    seeded = sim.put_referencing_resource(HOME, resource_type, "uses-app", app.arn)
    finder = _config(sim) if source == "config" else _live(sim)

    found = finder.references(_roles(sim))

    references = found[app.arn].references
    assert {(r.type, r.arn, r.source) for r in references} == {(resource_type, seeded.arn, source)}
    assert {r.via for r in references} == set(CONFIG_FIELDS[resource_type])
    assert all((r.account_id, r.region) == (HOME, REGION) for r in references)
    assert found[app.arn].sources == (source,)
    assert found[app.arn].not_covered == ()
    assert found[other.arn].references == ()  # a role with no reference


def test_an_instance_maps_to_its_role_through_the_profile_with_its_state(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    sim.put_configuration_recorder(HOME)
    profile = seed.instance_profile_for(HOME, "app")
    seed.put_ec2_instance(HOME, profile, stopped=True)

    for finder in (_config(sim), _live(sim)):
        (reference,) = finder.references(_roles(sim))[app.arn].references
        assert (reference.type, reference.state) == ("AWS::EC2::Instance", "stopped")


def test_config_answers_every_type_in_ceil_items_over_100_pages(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    sim.put_configuration_recorder(HOME)
    for i in range(230):
        seed.put_lambda_function(HOME, f"fn-{i:03d}", app.arn)
    sim.put_referencing_resource(HOME, "AWS::Glue::Job", "etl", app.arn)
    roles = _roles(sim)
    sim.recorder.reset()

    found = _config(sim).references(roles)

    assert len(found[app.arn].references) == 231
    pages = sim.recorder.calls("config", "SelectResourceConfig")
    assert pages == math.ceil(231 / 100)
    assert sim.recorder.counts() == {
        "config:SelectResourceConfig": pages,
        "config:DescribeConfigurationRecorders": 1,
        "config:DescribeConfigurationRecorderStatus": 1,
    }


def test_a_type_config_does_not_record_is_not_covered(sim: Simulation, now: datetime) -> None:
    app = sim.put_role(HOME, "app", created=now)
    sim.put_configuration_recorder(HOME, excluded_types=["AWS::Glue::Job"])
    sim.put_referencing_resource(HOME, "AWS::Glue::Job", "etl", app.arn)

    found = _config(sim).references(_roles(sim))[app.arn]

    assert found.references == ()
    assert [(g.type, g.region) for g in found.not_covered] == [("AWS::Glue::Job", REGION)]
    assert "does not record" in found.not_covered[0].why


def test_no_recorder_or_a_stopped_one_covers_nothing(sim: Simulation, now: datetime) -> None:
    app = sim.put_role(HOME, "app", created=now)
    seed.put_lambda_function(HOME, "fn", app.arn)
    found = _config(sim).references(_roles(sim))[app.arn]
    assert {g.type for g in found.not_covered} == set(TYPES)
    assert sim.recorder.calls("config", "SelectResourceConfig") == 0

    sim.put_configuration_recorder(HOME, recording=False)
    stopped = _config(sim).references(_roles(sim))[app.arn]
    assert {g.why for g in stopped.not_covered} == {"the AWS Config recorder is not recording"}


def test_a_denied_query_is_not_covered_named_and_the_rest_goes_on(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    sim.put_configuration_recorder(HOME)
    sim.put_referencing_resource(HOME, "AWS::Glue::Job", "etl", app.arn)
    sim.inject_error("config", "SelectResourceConfig", "AccessDeniedException")
    warnings: list[str] = []

    found = _config(sim, warn=warnings.append).references(_roles(sim))[app.arn]

    assert found.references == ()
    assert {g.type for g in found.not_covered} == set(TYPES)
    assert len(warnings) == 1
    assert "SelectResourceConfig" in warnings[0]


def test_an_aggregator_answers_three_accounts_with_one_set_of_queries(
    sim: Simulation, now: datetime
) -> None:
    roles: list[Role] = []
    for account in (HOME, MEMBER, THIRD):
        app = sim.put_role(account, "app", created=now)
        sim.put_configuration_recorder(account)
        seed.put_lambda_function(account, f"fn-{account}", app.arn)
        sim.put_referencing_resource(account, "AWS::Events::Rule", f"rule-{account}", app.arn)
        roles += _roles(sim, account)
    lonely = sim.put_role("444444444444", "lonely", created=now)
    roles += _roles(sim, "444444444444")
    sim.client("config").put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[{"AccountIds": [HOME, MEMBER, THIRD], "AwsRegions": [REGION]}],
    )
    sim.recorder.reset()

    found = _config(sim, aggregator="org").references(roles)

    for account in (HOME, MEMBER, THIRD):
        references = found[f"arn:aws:iam::{account}:role/app"].references
        assert {(r.type, r.account_id) for r in references} == {
            ("AWS::Lambda::Function", account),
            ("AWS::Events::Rule", account),
        }
    assert sim.recorder.counts() == {"config:SelectAggregateResourceConfig": 1}
    # An account the aggregator holds nothing of is not covered, not "no references".
    outside = found[lonely.arn]
    assert outside.references == ()
    assert {g.type for g in outside.not_covered} == set(TYPES)


def test_live_lists_and_describes_only_where_the_list_leaves_the_role_out(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    for i in range(3):
        seed.put_lambda_function(HOME, f"fn-{i}", app.arn)
        sim.put_referencing_resource(HOME, "AWS::StepFunctions::StateMachine", f"sm-{i}", app.arn)
    roles = _roles(sim)
    sim.recorder.reset()

    found = _live(sim, types=["AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"])
    assert len(found.references(roles)[app.arn].references) == 6

    assert sim.recorder.counts() == {
        "awslambda:ListFunctions": 1,
        "stepfunctions:ListStateMachines": 1,
        "stepfunctions:DescribeStateMachine": 3,
    }


def test_live_covers_scheduler_and_pipes_which_config_does_not_record(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    scheduler = seed.internal_client("scheduler", HOME)
    scheduler.create_schedule(
        Name="nightly",
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": f"arn:aws:sqs:{REGION}:{HOME}:queue", "RoleArn": app.arn},
    )
    pipes = seed.internal_client("pipes", HOME)
    pipes.create_pipe(
        Name="feed",
        Source=f"arn:aws:sqs:{REGION}:{HOME}:in",
        Target=f"arn:aws:sqs:{REGION}:{HOME}:out",
        RoleArn=app.arn,
    )

    found = _live(sim, types=["AWS::Scheduler::Schedule", "AWS::Pipes::Pipe"]).references(
        _roles(sim)
    )

    assert {(r.type, r.name, r.via) for r in found[app.arn].references} == {
        ("AWS::Scheduler::Schedule", "nightly", "Target.RoleArn"),
        ("AWS::Pipes::Pipe", "feed", "RoleArn"),
    }
    assert set(LIVE_READERS) == {*TYPES, "AWS::Scheduler::Schedule", "AWS::Pipes::Pipe"}


def test_a_denied_live_call_marks_its_type_and_region_and_the_scan_goes_on(
    sim: Simulation, now: datetime
) -> None:
    app = sim.put_role(HOME, "app", created=now)
    seed.put_lambda_function(HOME, "fn", app.arn)
    sim.put_referencing_resource(HOME, "AWS::Glue::Job", "etl", app.arn)
    sim.inject_error("glue", "GetJobs", "AccessDeniedException")
    warnings: list[str] = []

    found = _live(sim, types=["AWS::Glue::Job", "AWS::Lambda::Function"], warn=warnings.append)
    answer = found.references(_roles(sim))[app.arn]

    assert [r.type for r in answer.references] == ["AWS::Lambda::Function"]
    assert [(g.type, g.region) for g in answer.not_covered] == [("AWS::Glue::Job", REGION)]
    assert len(warnings) == 1
    assert "AWS::Glue::Job in us-east-1" in warnings[0]
