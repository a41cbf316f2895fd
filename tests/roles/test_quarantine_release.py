"""Quarantine and release against the simulated account: exact, idempotent, refusing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

import boto3

from dormant.core.settings import Settings
from dormant.remediation import Outcome, Status, Target
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    quarantine_policy_document,
)
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate import quarantine, release
from dormant_sim.server import Simulation
from remediation_support import ACCOUNT, describe_raw, put_full_role

CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"


def run_quarantine(
    mutator: IamRoleMutator,
    names: Iterable[str],
    now: datetime,
    *,
    apply: bool = True,
    settings: Settings | None = None,
) -> list[Outcome]:
    targets = [Target(n) for n in names]
    return list(
        quarantine(
            mutator,
            targets,
            settings=settings or Settings(),
            now=now,
            apply=apply,
            clock=lambda: now,
        )
    )


def run_release(
    mutator: IamRoleMutator, names: Iterable[str], *, apply: bool = True
) -> list[Outcome]:
    return list(release(mutator, [Target(n) for n in names], apply=apply))


def test_quarantine_then_release_leaves_the_role_exactly_as_it_was(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    iam = sim.client("iam")
    before = describe_raw(iam, "OldJob")

    [outcome] = run_quarantine(mutator, ["OldJob"], now)
    assert outcome.status is Status.DONE
    during = describe_raw(iam, "OldJob")
    assert during["Inline"][QUARANTINE_POLICY_NAME] == quarantine_policy_document(now)
    tags = {t["Key"]: t["Value"] for t in during["Tags"]}
    assert tags[TAG_QUARANTINED_AT] == "2026-03-15T12:00:00Z"
    assert tags[TAG_QUARANTINED_BY] == CALLER
    # Nothing else moved.
    assert {k: v for k, v in during["Inline"].items() if k != QUARANTINE_POLICY_NAME} == before[
        "Inline"
    ]
    assert during["Attached"] == before["Attached"]

    [released] = run_release(mutator, ["OldJob"])
    assert released.status is Status.DONE
    assert describe_raw(iam, "OldJob") == before


def test_quarantine_twice_changes_nothing_the_second_time(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    run_quarantine(mutator, ["OldJob"], now)
    after_first = describe_raw(sim.client("iam"), "OldJob")
    sim.recorder.reset()

    [again] = run_quarantine(mutator, ["OldJob"], now + timedelta(hours=1))
    assert again.status is Status.UNCHANGED
    assert again.message == "role OldJob is already quarantined"
    assert sim.recorder.write_calls() == []
    assert describe_raw(sim.client("iam"), "OldJob") == after_first


def test_release_of_a_role_that_is_not_quarantined_is_no_change_and_no_error(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    [outcome] = run_release(mutator, ["OldJob"])
    assert outcome.status is Status.UNCHANGED
    assert outcome.message == "role OldJob is neither quarantined nor restricted"
    assert sim.recorder.write_calls() == []


def test_release_removes_only_the_quarantine_policy_and_tags(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    run_quarantine(mutator, ["OldJob"], now)
    sim.recorder.reset()
    run_release(mutator, ["OldJob"])
    writes = sim.recorder.write_calls()
    assert [c.operation for c in writes] == ["DeleteRolePolicy", "UntagRole"]


def test_dry_run_makes_no_write_call_and_prints_the_calls(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    put_full_role(sim, "OlderJob", now)
    before = describe_raw(sim.client("iam"), "OldJob")

    outcomes = run_quarantine(mutator, ["OldJob", "OlderJob"], now, apply=False)
    assert [o.status for o in outcomes] == [Status.PLANNED, Status.PLANNED]
    assert [s.operation for s in outcomes[0].steps] == ["PutRolePolicy", "TagRole"]
    assert sim.recorder.calls() > 0  # it did read the roles...
    assert sim.recorder.write_calls() == []  # ...and wrote nothing
    assert describe_raw(sim.client("iam"), "OldJob") == before


def test_refusals_change_nothing(sim: Simulation, mutator: IamRoleMutator, now: datetime) -> None:
    old = now - timedelta(days=500)
    sim.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=old,
    )
    sim.put_role(
        ACCOUNT,
        "AWSReservedSSO_Admin_0123",
        path="/aws-reserved/sso.amazonaws.com/",
        created=old,
    )
    sim.put_role(ACCOUNT, "breakglass-role", created=old)
    put_full_role(sim, "OldJob", now)
    outcomes = run_quarantine(
        mutator,
        ["AWSServiceRoleForSupport", "AWSReservedSSO_Admin_0123", "breakglass-role", "OldJob"],
        now,
        settings=Settings(allow_patterns=("/breakglass-*",)),
    )
    assert [o.status for o in outcomes] == [
        Status.REFUSED,
        Status.REFUSED,
        Status.REFUSED,
        Status.DONE,
    ]
    assert "service-linked" in outcomes[0].message
    assert "AWS-reserved" in outcomes[1].message
    assert "allow-list pattern /breakglass-*" in outcomes[2].message
    writes = sim.recorder.write_calls()
    assert {c.operation for c in writes} == {"PutRolePolicy", "TagRole"}
    assert len(writes) == 2  # only OldJob's


def test_the_role_the_caller_runs_as_is_refused(sim: Simulation, now: datetime) -> None:
    put_full_role(sim, "OpsRole", now)
    credentials = sim.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app/OpsRole", RoleSessionName="cleanup"
    )["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    as_ops = IamRoleMutator.from_session(session)
    assert as_ops.caller().arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/OpsRole/cleanup"
    [outcome] = run_quarantine(as_ops, ["OpsRole"], now)
    assert outcome.status is Status.REFUSED
    assert "is the role this command runs as" in outcome.message
    assert sim.recorder.write_calls() == []


def test_a_role_used_since_the_finding_is_skipped(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "BusyAgain", now, last_used_days=2)
    put_full_role(sim, "YoungRole", now)
    sim.put_role(ACCOUNT, "Newborn", created=now - timedelta(days=3))
    outcomes = run_quarantine(mutator, ["BusyAgain", "Newborn"], now)
    assert [o.status for o in outcomes] == [Status.SKIPPED, Status.SKIPPED]
    assert outcomes[0].message == (
        "role BusyAgain is no longer unused (COMPLIANT: Was last used in us-east-1 2 days ago)"
    )
    assert outcomes[1].message == "role Newborn is no longer unused (COMPLIANT: Role age is 3 days)"
    assert sim.recorder.write_calls() == []


def test_a_failure_on_one_role_is_undone_and_the_others_go_on(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    for name in ("First", "Flaky", "Last"):
        put_full_role(sim, name, now)
    iam = sim.client("iam")
    before = describe_raw(iam, "Flaky")
    sim.inject_error(
        "iam",
        "TagRole",
        "LimitExceeded",
        "Cannot exceed quota for TagsPerRole: 50",
        when=lambda params: params.get("RoleName") == "Flaky",
    )
    outcomes = run_quarantine(mutator, ["First", "Flaky", "Last"], now)
    assert [o.status for o in outcomes] == [Status.DONE, Status.FAILED, Status.DONE]
    assert "iam:TagRole failed" in outcomes[1].message
    assert "LimitExceeded" in outcomes[1].message
    assert "were undone, the role is as it was" in outcomes[1].message
    assert describe_raw(iam, "Flaky") == before
    assert QUARANTINE_POLICY_NAME in describe_raw(iam, "Last")["Inline"]


def test_a_finding_from_another_account_is_refused(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    outcomes = list(
        quarantine(
            mutator,
            [Target("OldJob", "222222222222"), Target("OldJob", "")],
            settings=Settings(),
            now=now,
            apply=True,
            clock=lambda: now,
        )
    )
    assert [o.status for o in outcomes] == [Status.REFUSED, Status.REFUSED]
    assert "is in account 222222222222, but the credentials act in account" in outcomes[0].message
    assert "names no account" in outcomes[1].message
    assert sim.recorder.write_calls() == []


def test_a_missing_role_fails_without_stopping_the_batch(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    outcomes = run_quarantine(mutator, ["Ghost", "OldJob"], now)
    assert [o.status for o in outcomes] == [Status.FAILED, Status.DONE]
    assert outcomes[0].message == f"role Ghost does not exist in account {ACCOUNT}"
    document = json.loads(
        json.dumps(describe_raw(sim.client("iam"), "OldJob")["Inline"][QUARANTINE_POLICY_NAME])
    )
    assert document["Statement"][0]["Sid"] == "DormantDenyAll"


def test_a_foreign_policy_under_the_quarantine_name_is_never_overwritten_or_deleted(
    sim: Simulation, mutator: IamRoleMutator, now: datetime
) -> None:
    put_full_role(sim, "OldJob", now)
    iam = sim.client("iam")
    theirs = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    iam.put_role_policy(
        RoleName="OldJob", PolicyName=QUARANTINE_POLICY_NAME, PolicyDocument=json.dumps(theirs)
    )
    before = describe_raw(iam, "OldJob")
    sim.recorder.reset()

    [quarantined] = run_quarantine(mutator, ["OldJob"], now)
    [released] = run_release(mutator, ["OldJob"])

    assert quarantined.status is Status.REFUSED
    assert released.status is Status.REFUSED
    assert "that dormant did not write" in quarantined.message
    assert sim.recorder.write_calls() == []
    assert describe_raw(iam, "OldJob") == before
