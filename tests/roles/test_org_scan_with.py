"""The multi-account orchestration over a fake opener: merge order, failures, workers."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from dormant.core.errors import AssumeRoleError, AwsAccessError, InvalidParameter, RoleDataError
from dormant.core.model import AccountFailure, Compliance
from dormant.core.settings import Settings
from dormant.core.time import Timeline
from dormant.engine.accounts import MAX_WORKERS, AccountTarget, check_workers
from dormant.roles.model import Role
from dormant.roles.scan import RoleSource, scan_with

A, B, C, D = "111111111111", "222222222222", "333333333333", "444444444444"


@dataclass
class ListSource:
    roles_: list[Role]
    delay: float = 0.0

    def roles(self) -> Iterator[Role]:
        time.sleep(self.delay)
        yield from self.roles_


@dataclass
class FakeOpener:
    """Opens accounts from a dict; an exception instead of roles makes the account fail."""

    accounts: dict[str, list[Role] | BaseException]
    delays: dict[str, float] = field(default_factory=dict)
    opened: list[str] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def role_source(self, account_id: str) -> RoleSource:
        with self.lock:
            self.opened.append(account_id)
            self.threads.add(threading.current_thread().name)
        entry = self.accounts[account_id]
        if isinstance(entry, BaseException):
            raise entry
        return ListSource(entry, self.delays.get(account_id, 0.0))


def role(account_id: str, name: str, now: datetime, used_days_ago: int | None) -> Role:
    return Role(
        role_id=f"AROA{account_id}{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{account_id}:role/{name}",
        created=now - timedelta(days=400),
        last_used=None if used_days_ago is None else now - timedelta(days=used_days_ago),
        last_used_region=None if used_days_ago is None else "us-east-1",
        account_id=account_id,
    )


def test_results_are_merged_by_account_then_role_whatever_finishes_first(now: datetime) -> None:
    opener = FakeOpener(
        {
            C: [role(C, "zeta", now, 1), role(C, "alpha", now, None)],
            A: [role(A, "beta", now, 200)],
            B: [role(B, "alpha", now, 5)],
        },
        delays={A: 0.05, B: 0.0, C: 0.02},
    )
    done: list[tuple[str, AccountFailure | None]] = []
    callback_threads: set[str] = set()

    def account_done(account: str, failure: AccountFailure | None) -> None:
        callback_threads.add(threading.current_thread().name)
        done.append((account, failure))

    result = scan_with(
        opener,
        [AccountTarget(C), AccountTarget(A), AccountTarget(B)],
        settings=Settings(),
        now=now,
        workers=3,
        on_account_done=account_done,
    )
    assert [(f.account_id, f.role.name) for f in result.findings] == [
        (A, "beta"),
        (B, "alpha"),
        (C, "alpha"),
        (C, "zeta"),
    ]
    assert [f.compliance for f in result.findings] == [
        Compliance.NON_COMPLIANT,
        Compliance.COMPLIANT,
        Compliance.NON_COMPLIANT,
        Compliance.COMPLIANT,
    ]
    assert result.failures == []
    assert result.failed is False
    assert [t.account_id for t in result.accounts] == [A, B, C]
    assert sorted(done, key=lambda d: d[0]) == [(A, None), (B, None), (C, None)]
    # Accounts are scanned in workers; progress callbacks run in the calling thread.
    assert threading.current_thread().name not in opener.threads
    assert callback_threads == {threading.current_thread().name}


@pytest.mark.parametrize(
    ("error", "operation", "text"),
    [
        (
            AssumeRoleError("sts:AssumeRole of X failed", operation="sts:AssumeRole"),
            "sts:AssumeRole",
            "sts:AssumeRole of X failed",
        ),
        (
            AwsAccessError(
                "iam:GetAccountAuthorizationDetails failed: Throttling: Rate exceeded",
                operation="iam:GetAccountAuthorizationDetails",
            ),
            "iam:GetAccountAuthorizationDetails",
            "Throttling",
        ),
        (
            RoleDataError("role x in account 222222222222 has no CreateDate"),
            "iam:GetAccountAuthorizationDetails",
            "has no CreateDate",
        ),
        (ZeroDivisionError("division by zero"), "scan", "unexpected ZeroDivisionError"),
    ],
)
def test_one_failing_account_does_not_stop_the_others(
    now: datetime, error: Exception, operation: str, text: str
) -> None:
    opener = FakeOpener({A: [role(A, "r", now, 1)], B: error, C: [role(C, "r", now, 1)]})
    done: list[tuple[str, AccountFailure | None]] = []
    result = scan_with(
        opener,
        [AccountTarget(A), AccountTarget(B), AccountTarget(C)],
        settings=Settings(),
        now=now,
        workers=2,
        on_account_done=lambda account, failure: done.append((account, failure)),
    )
    assert [f.account_id for f in result.findings] == [A, C]
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert failure.account_id == B
    assert failure.operation == operation
    assert text in failure.message
    assert result.failed is True
    assert (B, failure) in done


def test_roles_of_another_account_fail_the_account(now: datetime) -> None:
    opener = FakeOpener({A: [role(A, "r", now, 1)], B: [role(A, "leaked", now, 1)]})
    result = scan_with(
        opener, [AccountTarget(A), AccountTarget(B)], settings=Settings(), now=now, workers=2
    )
    assert [(f.account_id, f.role.name) for f in result.findings] == [(A, "r")]
    assert [f.account_id for f in result.failures] == [B]
    assert "different account" in result.failures[0].message


def test_an_account_that_fails_midway_keeps_none_of_its_findings(now: datetime) -> None:
    class HalfSource:
        def roles(self) -> Iterator[Role]:
            yield role(B, "first", now, 1)
            raise AwsAccessError(
                "iam:GetAccountAuthorizationDetails in account 222222222222 failed",
                operation="iam:GetAccountAuthorizationDetails",
                account_id=B,
            )

    class Opener:
        def role_source(self, account_id: str) -> RoleSource:
            return HalfSource() if account_id == B else ListSource([role(A, "r", now, 1)])

    result = scan_with(
        Opener(), [AccountTarget(A), AccountTarget(B)], settings=Settings(), now=now, workers=1
    )
    assert [f.account_id for f in result.findings] == [A]
    assert [(f.account_id, f.operation) for f in result.failures] == [
        (B, "iam:GetAccountAuthorizationDetails")
    ]


def test_duplicate_targets_are_scanned_once(now: datetime) -> None:
    opener = FakeOpener({A: [role(A, "r", now, 1)]})
    result = scan_with(
        opener,
        [AccountTarget(A), AccountTarget(A, "named"), AccountTarget(A)],
        settings=Settings(),
        now=now,
        workers=4,
    )
    assert opener.opened == [A]
    assert result.accounts == [AccountTarget(A, "named")]
    assert len(result.findings) == 1


def test_workers_bound_the_threads(now: datetime) -> None:
    accounts: dict[str, list[Role] | BaseException] = {
        f"{i:012d}": [role(f"{i:012d}", "r", now, 1)] for i in range(1, 13)
    }
    opener = FakeOpener(accounts, delays=dict.fromkeys(accounts, 0.01))
    result = scan_with(
        opener, [AccountTarget(a) for a in accounts], settings=Settings(), now=now, workers=3
    )
    assert len(result.findings) == 12
    assert 1 <= len(opener.threads) <= 3


@pytest.mark.parametrize("workers", [0, -1, 65, True, 2.5, "4"])
def test_workers_must_be_a_whole_number_from_1_to_64(now: datetime, workers: object) -> None:
    with pytest.raises(InvalidParameter, match="--workers"):
        scan_with(
            FakeOpener({}),
            [AccountTarget(A)],
            settings=Settings(),
            now=now,
            workers=workers,  # type: ignore[arg-type]
        )


def test_workers_from_1_to_64_are_accepted() -> None:
    assert MAX_WORKERS == 64
    assert [check_workers(n) for n in (1, 8, 64)] == [1, 8, 64]


def test_no_targets_is_an_empty_result(now: datetime) -> None:
    result = scan_with(FakeOpener({}), [], settings=Settings(), now=now)
    assert (result.findings, result.failures, result.accounts) == ([], [], [])


def test_a_failing_callback_stops_the_run_and_leaves_no_thread_behind(now: datetime) -> None:
    accounts: dict[str, list[Role] | BaseException] = {
        f"{i:012d}": [role(f"{i:012d}", "r", now, 1)] for i in range(1, 41)
    }
    opener = FakeOpener(accounts, delays=dict.fromkeys(accounts, 0.01))

    def explode(account_id: str, failure: AccountFailure | None) -> None:
        raise KeyError(account_id)

    before = threading.active_count()
    with pytest.raises(KeyError):
        scan_with(
            opener,
            [AccountTarget(a) for a in accounts],
            settings=Settings(),
            now=now,
            workers=2,
            on_account_done=explode,
        )
    assert len(opener.opened) < len(accounts)  # accounts not started were dropped
    assert threading.active_count() == before


def test_a_timeline_leaves_out_roles_not_yet_created_and_fails_an_account_dated_later(
    now: datetime,
) -> None:
    young = dataclasses.replace(role(A, "young", now, None), created=now + timedelta(days=2))
    future = role(B, "future", now, -3)  # a last use three days after now
    timeline = Timeline(now, as_of=True, error=RoleDataError)
    result = scan_with(
        FakeOpener({A: [role(A, "old", now, 200), young], B: [future]}),
        [AccountTarget(A), AccountTarget(B)],
        settings=Settings(),
        now=now,
        workers=2,
        timeline=timeline,
    )
    assert [f.role.name for f in result.findings] == ["old"]
    assert timeline.not_yet_created == 1
    [failure] = result.failures
    assert failure.account_id == B
    assert "role future: last_used" in failure.message
