"""Restrict and release against the simulated account: exact round trip, refusals, dry run."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from dormant.core.settings import Settings
from dormant.permissions.aws import IamAccessSource
from dormant.permissions.remediate import restrict
from dormant.remediation import Outcome, Status, Target
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate import quarantine, release
from dormant.roles.remediate.restriction import (
    RESTRICT_POLICY_NAME,
    TAG_RESTRICTED_AT,
    TAG_RESTRICTED_BY,
    TAG_RESTRICTED_SERVICES,
)
from dormant_sim import access
from dormant_sim.server import Simulation
from remediation_support import ACCOUNT, describe_raw, put_full_role

CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"
WINDOW = Settings(max_days=90)


def _access(sim: Simulation) -> IamAccessSource:
    return IamAccessSource(sim.client("iam"), account_id=ACCOUNT, sleep=lambda _: None)


def run_restrict(
    sim: Simulation,
    mutator: IamRoleMutator,
    names: Iterable[str],
    now: datetime,
    *,
    apply: bool = True,
    settings: Settings = WINDOW,
) -> list[Outcome]:
    return list(
        restrict(
            mutator,
            _access(sim),
            [Target(n) for n in names],
            settings=settings,
            now=now,
            apply=apply,
            clock=lambda: now,
        )
    )


def _used(name: str, now: datetime, *namespaces: str, days: float = 3) -> None:
    for namespace in namespaces:
        access.set_last_access(ACCOUNT, name, namespace, now - timedelta(days=days))


def test_restrict_then_release_leaves_the_role_exactly_as_it_was(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "logs", "s3")
    iam = sim.client("iam")
    before = describe_raw(iam, "Busy")

    [outcome] = run_restrict(sim, mutator, ["Busy"], now)
    assert outcome.status is Status.DONE, outcome.message
    during = describe_raw(iam, "Busy")
    deny = during["Inline"][RESTRICT_POLICY_NAME]
    [statement] = deny["Statement"]
    assert statement["Sid"] == "DormantUnusedServices"
    assert statement["Effect"] == "Deny"
    assert "s3:*" not in statement["Action"]
    assert "logs:*" not in statement["Action"]
    assert "ec2:*" in statement["Action"]
    namespaces = [action[:-2] for action in statement["Action"]]
    assert namespaces == sorted(namespaces)
    tags = {t["Key"]: t["Value"] for t in during["Tags"]}
    assert tags[TAG_RESTRICTED_AT] == "2026-03-15T12:00:00Z"
    assert tags[TAG_RESTRICTED_BY] == CALLER
    assert tags[TAG_RESTRICTED_SERVICES].split(" ")[0] == statement["Action"][0][:-2]
    # The customer's own policies did not move.
    assert {k: v for k, v in during["Inline"].items() if k != RESTRICT_POLICY_NAME} == before[
        "Inline"
    ]
    assert during["Attached"] == before["Attached"]

    sim.recorder.reset()
    [released] = list(release(mutator, [Target("Busy")], apply=True))
    assert released.status is Status.DONE
    assert [c.operation for c in sim.recorder.write_calls()] == ["DeleteRolePolicy", "UntagRole"]
    assert describe_raw(iam, "Busy") == before


def test_release_removes_quarantine_and_restriction_each_exactly(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Both", now, last_used_days=200)
    _used("Both", now, "s3")
    iam = sim.client("iam")
    before = describe_raw(iam, "Both")
    [restricted] = run_restrict(sim, mutator, ["Both"], now)
    assert restricted.status is Status.DONE
    [quarantined] = list(
        quarantine(
            mutator, [Target("Both")], settings=Settings(), now=now, apply=True, clock=lambda: now
        )
    )
    assert quarantined.status is Status.DONE
    [released] = list(release(mutator, [Target("Both")], apply=True))
    assert released.status is Status.DONE
    assert describe_raw(iam, "Both") == before


def test_dry_run_makes_no_write_call(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "s3")
    before = describe_raw(sim.client("iam"), "Busy")
    sim.recorder.reset()
    [outcome] = run_restrict(sim, mutator, ["Busy"], now, apply=False)
    assert outcome.status is Status.PLANNED
    assert [s.operation for s in outcome.steps] == ["PutRolePolicy", "TagRole"]
    assert outcome.steps[0].params["PolicyName"] == RESTRICT_POLICY_NAME
    assert sim.recorder.write_calls() == []
    counts = sim.recorder.counts()
    assert counts["iam:GenerateServiceLastAccessedDetails"] == 1  # the freshness check
    assert describe_raw(sim.client("iam"), "Busy") == before


def test_restricting_twice_changes_nothing(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "s3")
    run_restrict(sim, mutator, ["Busy"], now)
    sim.recorder.reset()
    [again] = run_restrict(sim, mutator, ["Busy"], now)
    assert again.status is Status.UNCHANGED
    assert sim.recorder.write_calls() == []


def test_the_freshness_check_sees_use_since_the_report(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    seeded = sim.put_role(
        ACCOUNT,
        "Lean",
        created=now - timedelta(days=400),
        inline_policies={
            "app": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}],
            }
        },
    )
    assert seeded.name == "Lean"
    _used("Lean", now, "s3", "kms")
    [outcome] = run_restrict(sim, mutator, ["Lean"], now)
    assert outcome.status is Status.REFUSED
    assert outcome.message.startswith("role Lean has no unused services to deny (All 2 granted")
    assert sim.recorder.write_calls() == []


def test_a_deny_of_every_granted_service_points_to_quarantine(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Idle", now, last_used_days=1)
    [outcome] = run_restrict(sim, mutator, ["Idle"], now)
    assert outcome.status is Status.REFUSED
    assert "that is a quarantine, use `dormant quarantine Idle`" in outcome.message


def test_a_foreign_policy_under_our_name_is_never_replaced(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "s3")
    theirs = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
    }
    sim.client("iam").put_role_policy(
        RoleName="Busy", PolicyName=RESTRICT_POLICY_NAME, PolicyDocument=json.dumps(theirs)
    )
    sim.recorder.reset()
    [outcome] = run_restrict(sim, mutator, ["Busy"], now)
    assert outcome.status is Status.REFUSED
    assert "that dormant did not write" in outcome.message
    [released] = list(release(mutator, [Target("Busy")], apply=True))
    assert released.status is Status.REFUSED
    assert sim.recorder.write_calls() == []


def test_refusals_of_protected_roles(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Kept", now, last_used_days=1)
    put_full_role(sim, "AWSServiceRoleForX", now, path="/aws-service-role/x.amazonaws.com/")
    outcomes = run_restrict(
        sim,
        mutator,
        ["Kept", "AWSServiceRoleForX", "Gone"],
        now,
        settings=Settings(max_days=90, allow_patterns=("/app/Kept",)),
    )
    assert [o.status for o in outcomes] == [Status.REFUSED, Status.REFUSED, Status.FAILED]
    assert "matches allow-list pattern /app/Kept" in outcomes[0].message
    assert "is service-linked" in outcomes[1].message
    assert outcomes[2].message == f"role Gone does not exist in account {ACCOUNT}"
    assert sim.recorder.write_calls() == []


def test_a_failed_tag_call_undoes_the_policy(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "s3")
    before = describe_raw(sim.client("iam"), "Busy")
    sim.inject_error("iam", "TagRole", "AccessDenied", "no tagging", status=403)
    [outcome] = run_restrict(sim, mutator, ["Busy"], now)
    assert outcome.status is Status.FAILED
    assert "the 1 earlier change(s) were undone" in outcome.message
    assert describe_raw(sim.client("iam"), "Busy") == before


def test_our_own_policy_is_replaced_when_the_unused_services_change(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "Busy", now, last_used_days=1)
    _used("Busy", now, "s3")
    iam = sim.client("iam")
    before = describe_raw(iam, "Busy")
    run_restrict(sim, mutator, ["Busy"], now)
    first = describe_raw(iam, "Busy")["Inline"][RESTRICT_POLICY_NAME]["Statement"][0]["Action"]
    assert "ec2:*" in first
    _used("Busy", now, "ec2")
    [again] = run_restrict(sim, mutator, ["Busy"], now)
    assert again.status is Status.DONE, again.message
    second = describe_raw(iam, "Busy")["Inline"][RESTRICT_POLICY_NAME]["Statement"][0]["Action"]
    assert set(first) - set(second) == {"ec2:*"}
    [released] = list(release(mutator, [Target("Busy")], apply=True))
    assert released.status is Status.DONE
    assert describe_raw(iam, "Busy") == before
