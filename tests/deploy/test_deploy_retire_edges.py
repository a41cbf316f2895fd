"""deploy/retire.yaml's edges, read as CloudFormation reads it: the delete grants bound to
dormant's quarantine tag, no grant on instance profiles, the schedule role's trust bound to
the stack's own schedule group (evaluated by the simulation's policy evaluator), and runs kept
apart by a lease instead of reserved concurrency, in every template."""

from __future__ import annotations

from typing import Any

import pytest
from deploy_support import (
    ALL_TEMPLATES,
    RETIRE_TEMPLATE,
    as_list,
    load_template,
    parameter_values,
    render,
    resolve,
    statements,
)
from template_policies import ACCOUNT, REGION, template_policies

from dormant.campaign.handler import RetireEnvironment
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant_sim import policy

TEMPLATE = load_template(RETIRE_TEMPLATE)
REQUIRED = {"CodeBucket": "dormant-code"}
APPLY = {**REQUIRED, "RetireMode": "Apply"}
DELETES = {"iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole"}


def _statements(**overrides: str) -> list[dict[str, Any]]:
    return statements(resolve(TEMPLATE, overrides)["Resources"], "RetireFunctionRole")


def test_the_delete_grants_hold_only_on_a_role_dormant_quarantined() -> None:
    granting = [
        s
        for s in _statements(**APPLY)
        if s["Effect"] == "Allow" and set(as_list(s["Action"])) & DELETES
    ]
    (grant,) = granting
    assert set(as_list(grant["Action"])) == DELETES
    assert grant["Condition"] == {"Null": {f"aws:ResourceTag/{TAG_QUARANTINED_AT}": "false"}}
    assert TAG_QUARANTINED_AT == "dormant:quarantined-at"


@pytest.mark.parametrize("mode", ["Notify", "Apply"])
def test_no_role_is_ever_taken_out_of_an_instance_profile(mode: str) -> None:
    allowed = {
        action
        for s in _statements(**REQUIRED, RetireMode=mode)
        if s["Effect"] == "Allow"
        for action in as_list(s["Action"])
    }
    assert not {
        a for a in allowed if "InstanceProfile" in a and a != "iam:ListInstanceProfilesForRole"
    }


def _schedule_trust() -> dict[str, Any]:
    (trust,) = [
        p.document
        for p in template_policies(RETIRE_TEMPLATE, REQUIRED)
        if p.where == "ScheduleRole.AssumeRolePolicyDocument"
    ]
    return trust


def _scheduler_may_assume(source_account: str | None, source_arn: str | None) -> bool:
    """The simulation's evaluator on the trust statements that name Scheduler's principal."""
    trust = _schedule_trust()
    naming = [
        s
        for s in trust["Statement"]
        if "scheduler.amazonaws.com" in as_list(s.get("Principal", {}).get("Service", []))
    ]
    context = {
        key: value
        for key, value in (("aws:SourceAccount", source_account), ("aws:SourceArn", source_arn))
        if value is not None
    }
    request = policy.Request(
        "sts:AssumeRole",
        f"arn:aws:iam::{ACCOUNT}:role/dormant-retire-schedule-{REGION}",
        context=context,
        known_keys=("aws:sourceaccount", "aws:sourcearn"),
    )
    verdict = policy.evaluate([{"Statement": naming}], request)
    return verdict is policy.Verdict.ALLOW


def test_the_schedule_role_trusts_only_this_stacks_schedule_group() -> None:
    group = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/dormant-retire"
    assert _scheduler_may_assume(ACCOUNT, group)
    # Scheduler names the schedule group, never the schedule, in aws:SourceArn.
    assert not _scheduler_may_assume(ACCOUNT, f"{group}/dormant-retire")
    assert not _scheduler_may_assume(
        ACCOUNT, f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/default"
    )
    assert not _scheduler_may_assume("111122223333", group.replace(ACCOUNT, "111122223333"))
    assert not _scheduler_may_assume("111122223333", group)
    assert not _scheduler_may_assume(ACCOUNT, None)
    assert not _scheduler_may_assume(None, group)
    (statement,) = _schedule_trust()["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert set(statement["Condition"]) == {"StringEquals", "ArnEquals"}


def test_the_schedule_sits_alone_in_the_group_the_trust_names() -> None:
    resources = resolve(TEMPLATE, REQUIRED)["Resources"]
    params = parameter_values(TEMPLATE, REQUIRED)
    group = resources["RetireScheduleGroup"]
    assert group["Type"] == "AWS::Scheduler::ScheduleGroup"
    assert render(group["Properties"]["Name"], params) == "dormant-retire"
    assert resources["RetireSchedule"]["Properties"]["GroupName"] == {"Ref": "RetireScheduleGroup"}
    schedules = [r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert len(schedules) == 1
    (trust,) = resources["ScheduleRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:"
        "schedule-group/${NameOfSolution}"
    }
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def _functions(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    kinds = ("AWS::Lambda::Function", "AWS::Serverless::Function")
    found = template["Resources"].items()
    return [(n, r) for n, r in found if isinstance(r, dict) and r.get("Type") in kinds]


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=[p.name for p in ALL_TEMPLATES])
def test_no_function_reserves_concurrency(path: Any) -> None:
    """An account whose concurrency quota is 10 refuses any reservation."""
    template = load_template(path)
    for name, function in _functions(template):
        assert "ReservedConcurrentExecutions" not in function.get("Properties", {}), name
    assert "ReservedConcurrentExecutions" not in path.read_text()


def test_runs_are_kept_apart_by_a_lease_the_role_may_write() -> None:
    resources = resolve(TEMPLATE, APPLY)["Resources"]
    variables = resources["RetireFunction"]["Properties"]["Environment"]["Variables"]
    key = variables["LEASE_KEY"]
    assert not key.startswith(variables["BACKUP_PREFIX"])
    (grant,) = [s for s in _statements(**APPLY) if s.get("Sid") == "HoldTheRunLease"]
    assert set(as_list(grant["Action"])) == {"s3:GetObject", "s3:PutObject"}
    assert grant["Resource"] == {"Fn::Sub": "${BackupBucket.Arn}/" + key}
    read = RetireEnvironment(
        {
            "NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
            "BACKUP_BUCKET": "b",
            "QUARANTINE_POLICY_ARN": "arn:aws:iam::123456789012:policy/dormant/p",
            "LEASE_KEY": key,
            "BACKUP_PREFIX": variables["BACKUP_PREFIX"],
        }
    )
    assert read.lease_key == key
