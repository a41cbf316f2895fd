"""The remediation runner over dormant.testing's in-memory mutator: refusals and rollback.

No simulated AWS here: the fake answers as IAM does (see test_fake_mutator_parity) and
records every call, so each case states exactly which calls were made, in which order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Outcome, Status, Target
from dormant.remediation.quarantine import QUARANTINE_POLICY_NAME
from dormant.roles.model import Role
from dormant.roles.remediate import backup_path, delete, delete_steps, quarantine, release, restore
from dormant.roles.remediate.backup_record import without_marks
from dormant.roles.remediate.state import comparable
from dormant.testing import InMemoryRoleMutator

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*"}]}


def stale_role(name: str, path: str = "/app/", **fields: object) -> Role:
    """Unused for 200 days, with two inline and two managed policies and two tags."""
    values: dict[str, object] = {
        "inline_policies": (("write-logs", POLICY), ("read-bucket", POLICY)),
        "attached_policy_arns": (READ_ONLY, AUDIT),
        "tags": (("team", "data"), ("cost-center", "42")),
        "trust_policy": {"Version": "2012-10-17", "Statement": []},
        "description": f"{name} for the nightly job",
    }
    values.update(fields)
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path=path,
        arn=f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        account_id=ACCOUNT,
        **values,  # type: ignore[arg-type]
    )


def account(*roles: Role, caller_arn: str | None = None) -> InMemoryRoleMutator:
    mutator = InMemoryRoleMutator(ACCOUNT, caller_arn=caller_arn, clock=lambda: NOW)
    for role in roles:
        mutator.add_role(role, instance_profiles=[f"{role.name}-profile"])
    return mutator


Command = Callable[[InMemoryRoleMutator, list[Target], Settings, Path], list[Outcome]]


def run_quarantine(m: InMemoryRoleMutator, t: list[Target], s: Settings, _: Path) -> list[Outcome]:
    return list(quarantine(m, t, settings=s, now=NOW, apply=True, clock=lambda: NOW))


def run_delete(m: InMemoryRoleMutator, t: list[Target], s: Settings, d: Path) -> list[Outcome]:
    return list(delete(m, t, settings=s, now=NOW, apply=True, backup_dir=d, clock=lambda: NOW))


def run_release(m: InMemoryRoleMutator, t: list[Target], _: Settings, __: Path) -> list[Outcome]:
    return list(release(m, t, apply=True))


COMMANDS: dict[str, Command] = {
    "quarantine": run_quarantine,
    "delete": run_delete,
    "release": run_release,
}


@dataclass(frozen=True)
class Refusal:
    role: Role
    says: str
    commands: tuple[str, ...] = ("quarantine", "delete", "release")
    target_account: str | None = None
    settings: Settings = field(default_factory=Settings)
    caller_arn: str | None = None


FOREIGN = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*"}]}
REFUSALS = {
    "service-linked": Refusal(
        stale_role("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/"),
        "is service-linked (path /aws-service-role/support.amazonaws.com/)",
    ),
    "aws-reserved": Refusal(
        stale_role("AWSReservedSSO_Admin_0123", "/aws-reserved/sso.amazonaws.com/"),
        "is AWS-reserved (path /aws-reserved/sso.amazonaws.com/)",
    ),
    "allow-listed": Refusal(
        stale_role("breakglass-admin", "/"),
        "(/breakglass-admin) matches allow-list pattern /breakglass-*",
        commands=("quarantine", "delete"),
        settings=Settings(allow_patterns=("/breakglass-*",)),
    ),
    "the caller's own role": Refusal(
        stale_role("Operator", "/"),
        f"is the role this command runs as (arn:aws:sts::{ACCOUNT}:assumed-role/Operator/ops)",
        commands=("quarantine", "delete"),
        caller_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/Operator/ops",
    ),
    "a finding from another account": Refusal(
        stale_role("OldJob"),
        f"is in account {OTHER_ACCOUNT}, but the credentials act in account {ACCOUNT}",
        target_account=OTHER_ACCOUNT,
    ),
    "a finding that names no account": Refusal(
        stale_role("OldJob"),
        f"names no account, so it cannot be checked against account {ACCOUNT}",
        target_account="",
    ),
    "a foreign policy under dormant's name": Refusal(
        stale_role("OldJob", inline_policies=((QUARANTINE_POLICY_NAME, FOREIGN),)),
        f"has an inline policy named {QUARANTINE_POLICY_NAME} that dormant did not write",
        commands=("quarantine", "release"),
    ),
}
REFUSAL_CASES = [
    pytest.param(case, command, id=f"{command}: {name}")
    for name, case in REFUSALS.items()
    for command in case.commands
]


@pytest.mark.parametrize(("case", "command"), REFUSAL_CASES)
def test_refused_roles_are_left_alone(case: Refusal, command: str, tmp_path: Path) -> None:
    other = stale_role("Neighbour")
    mutator = account(case.role, other, caller_arn=case.caller_arn)
    before = comparable(mutator.describe_role(case.role.name))  # type: ignore[arg-type]
    targets = [Target(case.role.name, case.target_account)]
    if command == "release":  # a quarantined neighbour shows the batch goes on
        run_quarantine(mutator, [Target("Neighbour")], Settings(), tmp_path)
        targets.append(Target("Neighbour"))
    mutator.calls.clear()

    outcomes = COMMANDS[command](mutator, targets, case.settings, tmp_path)

    assert outcomes[0].status is Status.REFUSED
    assert case.says in outcomes[0].message
    assert outcomes[0].steps == ()
    assert [c.params["RoleName"] for c in mutator.write_calls()] == (
        ["Neighbour", "Neighbour"] if command == "release" else []
    )
    assert comparable(mutator.describe_role(case.role.name)) == before  # type: ignore[arg-type]
    assert not backup_path(tmp_path, ACCOUNT, case.role.name).exists()


def test_restore_refuses_a_backup_from_another_account(tmp_path: Path) -> None:
    origin = account(stale_role("OldJob"))
    run_delete(origin, [Target("OldJob")], Settings(), tmp_path)
    elsewhere = InMemoryRoleMutator(OTHER_ACCOUNT)
    [outcome] = restore(elsewhere, [backup_path(tmp_path, ACCOUNT, "OldJob")], apply=True)
    assert outcome.status is Status.REFUSED
    assert f"in account {ACCOUNT}, but the credentials act in account {OTHER_ACCOUNT}" in (
        outcome.message
    )
    assert elsewhere.write_calls() == []


@pytest.mark.parametrize("command", ["quarantine", "delete"])
def test_a_dry_run_makes_no_write_call(command: str, tmp_path: Path) -> None:
    mutator = account(stale_role("OldJob"), stale_role("OlderJob"))
    targets = [Target("OldJob"), Target("OlderJob")]
    if command == "quarantine":
        outcomes = list(quarantine(mutator, targets, settings=Settings(), now=NOW, apply=False))
    else:
        outcomes = list(
            delete(mutator, targets, settings=Settings(), now=NOW, apply=False, backup_dir=tmp_path)
        )
    assert [o.status for o in outcomes] == [Status.PLANNED, Status.PLANNED]
    assert all(o.steps for o in outcomes)
    assert mutator.write_calls() == []
    assert list(tmp_path.iterdir()) == []


# --- rollback -------------------------------------------------------------------------------

DELETE_PLAN = [
    s.operation for s in delete_steps(account(stale_role("Flaky")).describe_role("Flaky"))
]  # type: ignore[arg-type]


@pytest.mark.parametrize("failing", range(1, len(DELETE_PLAN)), ids=DELETE_PLAN[1:])
def test_a_failed_step_undoes_that_roles_earlier_steps_in_reverse(
    failing: int, tmp_path: Path
) -> None:
    mutator = account(stale_role("First"), stale_role("Flaky"), stale_role("Last"))
    state = mutator.describe_role("Flaky")
    assert state is not None
    plan = delete_steps(state)
    # Fail the step at `failing` for Flaky only, after the earlier calls of that operation.
    earlier_same = sum(1 for s in plan[:failing] if s.operation == plan[failing].operation)
    mutator.fail(plan[failing].operation, role_name="Flaky", after=earlier_same)

    outcomes = run_delete(
        mutator, [Target(n) for n in ("First", "Flaky", "Last")], Settings(), tmp_path
    )

    assert [o.status for o in outcomes] == [Status.DONE, Status.FAILED, Status.DONE]
    assert f"iam:{plan[failing].operation} failed" in outcomes[1].message
    assert f"the {failing} earlier change(s) were undone, the role is as it was" in (
        outcomes[1].message
    )
    flaky_calls = [c for c in mutator.write_calls() if c.params.get("RoleName") == "Flaky"]
    # First the verified backup's version is recorded on the role, with no undo: it stays.
    recorded, *flaky_calls = flaky_calls
    assert recorded.operation == "TagRole"
    assert recorded.params["Tags"][0]["Key"] == "dormant:backup-version"
    undo = [u for s in reversed(plan[:failing]) for u in s.undo]
    assert [(c.operation, dict(c.params)) for c in flaky_calls] == [
        *((s.operation, dict(s.params)) for s in plan[: failing + 1]),
        *((u.operation, dict(u.params)) for u in undo),
    ]
    assert [c.error for c in flaky_calls].count("ServiceFailure") == 1
    left = mutator.describe_role("Flaky")
    assert left is not None
    assert left.tag("dormant:backup-version") == recorded.params["Tags"][0]["Value"]
    assert comparable(without_marks(left)) == comparable(state)
    assert mutator.role_names() == ["Flaky"]


def test_a_failed_undo_says_the_role_is_partly_changed(tmp_path: Path) -> None:
    mutator = account(stale_role("Flaky"), stale_role("Last"))
    mutator.fail("TagRole", role_name="Flaky", code="LimitExceeded", message="TagsPerRole: 50")
    mutator.fail("DeleteRolePolicy", role_name="Flaky", code="AccessDenied", message="deny")

    outcomes = run_quarantine(mutator, [Target("Flaky"), Target("Last")], Settings(), tmp_path)

    assert [o.status for o in outcomes] == [Status.FAILED, Status.DONE]
    assert "iam:TagRole failed" in outcomes[0].message
    assert "undoing the 1 earlier change(s) also failed, the role is partly changed" in (
        outcomes[0].message
    )
    assert [(c.operation, c.error) for c in mutator.write_calls()][:3] == [
        ("PutRolePolicy", None),
        ("TagRole", "LimitExceeded"),
        ("DeleteRolePolicy", "AccessDenied"),
    ]
    flaky = mutator.describe_role("Flaky")
    assert flaky is not None
    assert flaky.inline_policy(QUARANTINE_POLICY_NAME) is not None


def test_a_failed_restore_removes_the_half_made_role(tmp_path: Path) -> None:
    mutator = account(stale_role("OldJob"))
    run_delete(mutator, [Target("OldJob")], Settings(), tmp_path)
    mutator.add_instance_profile("OldJob-profile")  # kept, so the restore reuses it
    mutator.fail("AttachRolePolicy", role_name="OldJob")
    mutator.calls.clear()

    [outcome] = restore(mutator, [backup_path(tmp_path, ACCOUNT, "OldJob")], apply=True)

    assert outcome.status is Status.FAILED
    assert "were undone, the role is as it was" in outcome.message
    assert [c.operation for c in mutator.write_calls()] == [
        "CreateRole",
        "PutRolePolicy",
        "PutRolePolicy",
        "AttachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ]
    assert mutator.describe_role("OldJob") is None
