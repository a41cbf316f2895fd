"""A place the reference sources could not look at holds a delete back like a reference,
unless the gaps were accepted (the CLI's --force; the retire stack's ForceUncovered); the
refusal and the owner's notice name what was not covered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.roles.model import NotCovered, Reference, Role, RoleReferences
from dormant.roles.references import ReferenceFinder, accepting_gaps
from dormant.roles.remediate import delete
from dormant.roles.remediate.retire import RetireStep, plan_retire
from dormant.testing import InMemoryRoleMutator

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
GAP = NotCovered("AWS::Lambda::Function", "eu-west-1", "no AWS Config recorder")


def stale(name: str, quarantined_days: int | None = None) -> Role:
    tags: tuple[tuple[str, str], ...] = (("owner", "team-a"),)
    policies: tuple[str, ...] = ()
    if quarantined_days is not None:
        at = (NOW - timedelta(days=quarantined_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        tags += (("dormant:quarantined-at", at), ("dormant:quarantined-by", "arn:x"))
        policies = ("arn:aws:iam::111111111111:policy/dormant/dormant-quarantine-deny-x",)
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=tags,
        attached_policy_arns=policies,
        account_id=ACCOUNT,
    )


class Gaps:
    """A finder that found nothing and could not look at Lambda in eu-west-1."""

    def __init__(self, found: Sequence[Reference] = ()) -> None:
        self.found = tuple(found)

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        return {r.arn: RoleReferences(self.found, ("iam", "config"), (GAP,)) for r in roles}


@pytest.mark.parametrize(("finder", "deleted"), [(Gaps(), False), (accepting_gaps(Gaps()), True)])
def test_a_gap_holds_delete_back_unless_accepted(
    tmp_path: Path, finder: ReferenceFinder, deleted: bool
) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(stale("AppRole"))
    (outcome,) = delete(
        mutator,
        [Target("AppRole")],
        settings=Settings(),
        now=NOW,
        apply=True,
        backup_dir=tmp_path,
        clock=lambda: NOW,
        references=finder,
    )
    assert (outcome.status is Status.DONE) is deleted
    assert (mutator.describe_role("AppRole") is None) is deleted
    if not deleted:
        assert outcome.status is Status.REFUSED
        assert "AWS::Lambda::Function in eu-west-1 (no AWS Config recorder)" in outcome.message
        assert mutator.write_calls() == []


def test_force_deletes_despite_a_gap(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(stale("AppRole"))
    (outcome,) = delete(
        mutator,
        [Target("AppRole")],
        settings=Settings(),
        now=NOW,
        apply=True,
        backup_dir=tmp_path,
        clock=lambda: NOW,
        references=Gaps(),
        force=True,
    )
    assert outcome.status is Status.DONE


def test_accepted_gaps_never_release_a_found_reference() -> None:
    held = Reference(
        "AWS::IAM::InstanceProfile",
        f"arn:aws:iam::{ACCOUNT}:instance-profile/host",
        "host",
        ACCOUNT,
        None,
        "Roles",
        "iam",
    )
    (step,) = plan_retire(
        [stale("HostRole", quarantined_days=40)],
        settings=Settings(),
        now=NOW,
        references=accepting_gaps(Gaps([held])),
    )
    assert step.step is RetireStep.KEEP
    assert step.held_by is not None
    assert "referenced by AWS::IAM::InstanceProfile host" in step.held_by


def test_the_plan_says_what_holds_a_role_back_before_it_is_quarantined() -> None:
    (step,) = plan_retire(
        [stale("AppRole")], settings=Settings(), now=NOW, notice_days=14, references=Gaps()
    )
    assert step.step is RetireStep.NOTIFY
    assert step.held_by == (
        "not every place was looked at (AWS::Lambda::Function in eu-west-1 "
        "(no AWS Config recorder))"
    )
