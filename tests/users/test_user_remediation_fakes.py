"""Users' quarantine and release over the in-memory fake: the runner's rules as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Status
from dormant.testing import InMemoryUserMutator
from dormant.users.remediate import (
    AccessKeyState,
    UserState,
    UserTarget,
    quarantine_users,
    release_users,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
WINDOW = Settings(max_days=45)


def state(
    name: str = "alice",
    *,
    path: str = "/",
    password_used: int | None = None,
    key_used: tuple[int | None, ...] = (100,),
    active: tuple[bool, ...] = (True,),
) -> UserState:
    return UserState(
        name=name,
        user_id=f"AIDA{name.upper()}",
        arn=f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
        path=path,
        created=NOW - timedelta(days=500),
        account_id=ACCOUNT,
        password_created=None if password_used is None else NOW - timedelta(days=400),
        password_last_used=None if password_used is None else NOW - timedelta(days=password_used),
        keys=tuple(
            AccessKeyState(
                key_id=f"AKIA{name.upper()}{index}",
                active=on,
                created=NOW - timedelta(days=300 - index),
                last_used=None if used is None else NOW - timedelta(days=used),
            )
            for index, (used, on) in enumerate(zip(key_used, active, strict=True))
        ),
        tags=(("team", "data"),),
    )


CASES = [
    ("stale key", state(), WINDOW, Status.PLANNED),
    ("stale key beside a fresh password", state(password_used=1), WINDOW, Status.PLANNED),
    ("all used lately", state(password_used=1, key_used=(3,)), WINDOW, Status.SKIPPED),
    ("allow-listed", state(path="/emergency/"), Settings(45, ("/emergency/*",)), Status.REFUSED),
    ("the caller itself", state("operator"), WINDOW, Status.REFUSED),
    ("no active credential", state(active=(False,)), WINDOW, Status.SKIPPED),
]


@pytest.mark.parametrize(
    ("subject", "settings", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_quarantine_outcomes(subject: UserState, settings: Settings, status: Status) -> None:
    mutator = InMemoryUserMutator(ACCOUNT)
    mutator.add_user(subject)
    (outcome,) = quarantine_users(
        mutator, [UserTarget(subject.name)], settings=settings, now=NOW, apply=False
    )
    assert outcome.status == status, outcome.message
    assert mutator.write_calls() == []


def test_failed_second_key_undoes_the_first_and_the_policy() -> None:
    mutator = InMemoryUserMutator(ACCOUNT)
    mutator.add_user(state(key_used=(100, None), active=(True, True)))
    mutator.fail("UpdateAccessKey", user_name="alice", after=1, code="AccessDenied")
    (outcome,) = quarantine_users(
        mutator, [UserTarget("alice")], settings=WINDOW, now=NOW, apply=True
    )
    assert outcome.status == Status.FAILED
    assert "the 2 earlier change(s) were undone" in outcome.message
    after = mutator.user("alice")
    assert [k.active for k in after.keys] == [True, True]
    assert after.quarantine_policy is None
    assert after.tags == (("team", "data"),)


def test_release_reactivates_only_the_keys_quarantine_deactivated() -> None:
    mutator = InMemoryUserMutator(ACCOUNT)
    mutator.add_user(state(key_used=(100, 200), active=(True, False)))
    (done,) = quarantine_users(mutator, [UserTarget("alice")], settings=WINDOW, now=NOW, apply=True)
    assert done.status == Status.DONE
    assert [k.active for k in mutator.user("alice").keys] == [False, False]
    (released,) = release_users(mutator, [UserTarget("alice")], apply=True)
    assert released.status == Status.DONE
    restored = mutator.user("alice")
    assert [k.active for k in restored.keys] == [True, False]
    assert restored.quarantine_policy is None
    assert restored.tags == (("team", "data"),)


def test_a_foreign_policy_of_the_same_name_is_left_alone() -> None:
    mutator = InMemoryUserMutator(ACCOUNT)
    mutator.add_user(_with_policy(state()))
    (outcome,) = release_users(mutator, [UserTarget("alice")], apply=True)
    assert outcome.status == Status.REFUSED
    assert "that dormant did not write (not its statements)" in outcome.message
    assert mutator.write_calls() == []


def _with_policy(subject: UserState) -> UserState:
    from dataclasses import replace

    return replace(subject, quarantine_policy={"Version": "2012-10-17", "Statement": []})
