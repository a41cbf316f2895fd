"""`dormant release ROLE --only quarantine|restriction`: each part undone on its own.

A role both quarantined and restricted, released `--only quarantine`, keeps its restriction
exactly (policy and tags), and `--only restriction` keeps the quarantine exactly; without
`--only` both go, as before.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.settings import Settings
from dormant.permissions.model import ServiceAccess
from dormant.permissions.remediate import restrict
from dormant.remediation import Status, Step, Target
from dormant.roles.model import Role
from dormant.roles.remediate import quarantine, release
from dormant.roles.remediate.plan import QUARANTINE_POLICY_NAME
from dormant.roles.remediate.restriction import RESTRICT_POLICY_NAME, RESTRICT_TAGS
from dormant.roles.remediate.state import RoleState
from dormant.roles.remediate.status import ReleasePart
from dormant.testing import InMemoryAccessSource, InMemoryRoleMutator

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
QUARANTINE_TAGS = ("dormant:quarantined-at", "dormant:quarantined-by")


def _both() -> tuple[InMemoryRoleMutator, RoleState]:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(
        Role(
            role_id="AROAAPP",
            name="app",
            path="/",
            arn=f"arn:aws:iam::{ACCOUNT}:role/app",
            created=NOW - timedelta(days=400),
            last_used=NOW - timedelta(days=100),
            tags=(("team", "data"),),
            account_id=ACCOUNT,
        )
    )
    before = mutator.describe_role("app")
    assert before is not None
    source = InMemoryAccessSource(
        {"app": [ServiceAccess("s3", "s3", NOW - timedelta(days=1)), ServiceAccess("kms", "kms")]}
    )
    [restricted] = restrict(
        mutator, source, [Target("app")], settings=Settings(max_days=90), now=NOW, apply=True
    )
    assert restricted.status is Status.DONE, restricted.message
    [quarantined] = quarantine(mutator, [Target("app")], settings=Settings(), now=NOW, apply=True)
    assert quarantined.status is Status.DONE, quarantined.message
    return mutator, before


def _part(state: RoleState | None, policy: str, tags: tuple[str, ...]) -> object:
    assert state is not None
    return state.inline_policy(policy), [state.tag(key) for key in tags]


@pytest.mark.parametrize(
    ("only", "kept_policy", "kept_tags", "gone_policy", "gone_tags"),
    [
        (ReleasePart.QUARANTINE, RESTRICT_POLICY_NAME, RESTRICT_TAGS, QUARANTINE_POLICY_NAME,
         QUARANTINE_TAGS),
        (ReleasePart.RESTRICTION, QUARANTINE_POLICY_NAME, QUARANTINE_TAGS, RESTRICT_POLICY_NAME,
         RESTRICT_TAGS),
    ],
)  # fmt: skip
def test_release_only_one_part_keeps_the_other_exactly(
    only: ReleasePart,
    kept_policy: str,
    kept_tags: tuple[str, ...],
    gone_policy: str,
    gone_tags: tuple[str, ...],
) -> None:
    mutator, before = _both()
    during = mutator.describe_role("app")
    kept = _part(during, kept_policy, kept_tags)
    [outcome] = release(mutator, [Target("app")], apply=True, only=frozenset({only}))
    assert outcome.status is Status.DONE, outcome.message
    after = mutator.describe_role("app")
    assert _part(after, kept_policy, kept_tags) == kept
    assert _part(after, gone_policy, gone_tags) == (None, [None] * len(gone_tags))
    # Releasing the same part again changes nothing; the other part then goes on its own.
    [again] = release(mutator, [Target("app")], apply=True, only=frozenset({only}))
    assert again.status is Status.UNCHANGED
    assert again.message == f"role app is not {only.done_word}"
    [rest] = release(mutator, [Target("app")], apply=True)
    assert rest.status is Status.DONE
    assert mutator.describe_role("app") == before


def test_release_without_only_undoes_both() -> None:
    mutator, before = _both()
    [outcome] = release(mutator, [Target("app")], apply=True)
    assert outcome.status is Status.DONE
    assert mutator.describe_role("app") == before
    [again] = release(mutator, [Target("app")], apply=True)
    assert again.message == "role app is neither quarantined nor restricted"


def test_a_foreign_policy_of_the_other_part_does_not_stop_a_release_of_one() -> None:
    mutator, _ = _both()
    # Someone rewrites the restrict policy by hand: dormant no longer recognizes it.
    mutator.execute(
        Step(
            "PutRolePolicy",
            {
                "RoleName": "app",
                "PolicyName": RESTRICT_POLICY_NAME,
                "PolicyDocument": '{"Version": "2012-10-17", "Statement": []}',
            },
        )
    )
    [both] = release(mutator, [Target("app")], apply=False)
    assert both.status is Status.REFUSED
    [quarantine_only] = release(
        mutator, [Target("app")], apply=True, only=frozenset({ReleasePart.QUARANTINE})
    )
    assert quarantine_only.status is Status.DONE, quarantine_only.message
    state = mutator.describe_role("app")
    assert state is not None
    assert state.inline_policy(QUARANTINE_POLICY_NAME) is None
    assert state.inline_policy(RESTRICT_POLICY_NAME) == {"Version": "2012-10-17", "Statement": []}


def test_cli_release_only_takes_quarantine_or_restriction(
    dormant: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    bad = dormant("release", "app", "--only", "everything")
    assert bad.returncode == 2
    assert "invalid value for '--only'" in bad.stderr
    assert "'quarantine', 'restriction'" in bad.stderr
