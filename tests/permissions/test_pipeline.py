"""The pipelined job scheduler over the in-memory jobs: order, bounds, budget, nothing lost.

Time is the fake's virtual clock (sleeps move it on, each call may cost some of it), so these
tests assert on call order, concurrency and in-flight bounds and on simulated time, and never
on the wall clock.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dormant.core.errors import AwsAccessError
from dormant.permissions.model import ServiceAccess
from dormant.permissions.scan.pipeline import GENERATE, GET, Polling, read_access
from dormant.roles.model import Role
from dormant.testing import AccessCall, InMemoryAccessSource, VirtualClock

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def role(name: str) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::111111111111:role/{name}",
        created=NOW - timedelta(days=400),
        account_id="111111111111",
    )


def middle(low: float, high: float) -> float:
    return (low + high) / 2


def source(**kwargs: object) -> InMemoryAccessSource:
    clock = VirtualClock()
    polling = Polling(sleep=clock.sleep, clock=clock, jitter=middle)
    return InMemoryAccessSource(clock=clock, polling=polling, **kwargs)  # type: ignore[arg-type]


def order(jobs: InMemoryAccessSource) -> list[str]:
    return [f"{'gen' if c.operation == GENERATE else 'get'} {c.role_name}" for c in jobs.calls]


def test_jobs_are_started_ahead_and_polled_round_robin() -> None:
    jobs = source(polls_to_complete=1)
    read = read_access(jobs, [role(n) for n in "abcde"], workers=1, in_flight=3)
    assert order(jobs) == [
        *("gen a", "get a", "gen b", "get b", "gen c", "get c"),  # 3 in flight, each waits
        *("get a", "get b", "get c"),  # due together: finished before anything new starts
        *("gen d", "get d", "gen e", "get e"),
        *("get d", "get e"),
    ]
    assert [o.role.name for o in read.outcomes] == list("abcde")
    assert read.left == []
    assert jobs.max_in_flight == 3
    assert jobs.clock.slept == [0.5, 0.5]  # one wait per round, not one per job


def test_calls_at_once_never_exceed_the_workers() -> None:
    gate = threading.Barrier(4, timeout=10)
    held = iter(range(4))

    def hold_the_first_four(_: AccessCall) -> None:
        if next(held, None) is not None:
            gate.wait()  # passes only when four calls are inside at once

    clock = VirtualClock()
    jobs = InMemoryAccessSource(
        clock=clock,
        polls_to_complete=2,
        polling=Polling(sleep=clock.sleep, clock=clock),
        on_call=hold_the_first_four,
    )
    roles = [role(f"r{i:02}") for i in range(50)]
    read = read_access(jobs, roles, workers=4, in_flight=8)
    assert jobs.max_concurrent == 4
    assert jobs.max_in_flight == 8
    assert sorted(o.role.name for o in read.outcomes) == [r.name for r in roles]
    assert all(o.error is None for o in read.outcomes)
    assert len(jobs.calls) == 50 * (1 + 3)  # 1 generate + 2 IN_PROGRESS + the completing poll


def test_pipelined_time_is_close_to_the_round_trip_floor() -> None:
    """Simulated: 40 ms a call, jobs complete at their second poll, one worker."""

    def elapsed(in_flight: int) -> tuple[float, int]:
        jobs = source(polls_to_complete=1, call_seconds=0.04)
        read_access(jobs, [role(f"r{i:03}") for i in range(200)], workers=1, in_flight=in_flight)
        return jobs.clock(), len(jobs.calls)

    pipelined, calls = elapsed(32)
    serial, _ = elapsed(1)
    floor = calls * 0.04 / 1
    assert calls == 200 * 3
    assert pipelined <= 1.5 * floor
    assert serial >= 4 * pipelined  # one job at a time waits out every back-off


def test_a_page_at_a_time_until_the_last() -> None:
    services = [ServiceAccess(f"s{i}", f"S{i}") for i in range(5)]
    jobs = source(access={"a": services}, polls_to_complete=1, page_size=2)
    (outcome,) = read_access(jobs, [role("a")]).outcomes
    assert outcome.access == tuple(services)
    assert [(c.operation, c.marker) for c in jobs.calls] == [
        (GENERATE, None),
        (GET, None),
        (GET, None),
        (GET, "2"),
        (GET, "4"),
    ]


def test_failures_are_the_roles_own() -> None:
    jobs = source(polls_to_complete=1)
    jobs.fail("b", "AccessDenied", "not authorized")
    jobs.fail_job("c", "Service is busy")
    jobs.fail("d", "Throttling", "Rate exceeded", operation="Get")
    read = read_access(jobs, [role(n) for n in "abcde"], workers=2, in_flight=4)
    errors = {o.role.name: o.error for o in read.outcomes}
    assert errors["a"] is None
    assert errors["e"] is None
    assert isinstance(errors["b"], AwsAccessError)
    assert errors["b"].denied
    assert "job job-2 ended FAILED: JobFailed: Service is busy" in str(errors["c"])
    assert isinstance(errors["d"], AwsAccessError)
    assert not errors["d"].denied
    assert "Throttling" in str(errors["d"])


def test_a_job_that_never_completes_fails_after_the_longest_wait() -> None:
    clock = VirtualClock()
    jobs = InMemoryAccessSource(
        clock=clock,
        polls_to_complete=1000,
        polling=Polling(sleep=clock.sleep, clock=clock, jitter=middle, max_wait=30),
    )
    (outcome,) = read_access(jobs, [role("slow")]).outcomes
    assert "still IN_PROGRESS after" in str(outcome.error)
    assert "(the limit is 30 s)" in str(outcome.error)
    assert clock() <= 30


class StopAfter:
    """A budget that allows ``starts`` jobs, and stops everything after ``calls`` calls."""

    def __init__(self, jobs: InMemoryAccessSource, starts: int, calls: int = 10**9) -> None:
        self.jobs, self.starts, self.calls = jobs, starts, calls

    def may_start(self) -> bool:
        if self.starts <= 0:
            return False
        self.starts -= 1
        return True

    def must_stop(self) -> bool:
        return len(self.jobs.calls) >= self.calls


def test_a_budget_that_stops_starting_leaves_the_rest_in_order() -> None:
    jobs = source(polls_to_complete=1)
    roles = [role(n) for n in "abcdefgh"]
    read = read_access(jobs, roles, workers=2, in_flight=4, budget=StopAfter(jobs, 5))
    assert [o.role.name for o in read.outcomes] == list("abcde")
    assert all(o.error is None for o in read.outcomes)
    assert [r.name for r in read.left] == list("fgh")


def test_a_budget_that_stops_now_leaves_the_unfinished_jobs_too() -> None:
    jobs = source(polls_to_complete=1)
    roles = [role(n) for n in "abcdef"]
    read = read_access(jobs, roles, workers=1, in_flight=3, budget=StopAfter(jobs, 99, calls=7))
    # a, b, c started and polled once (6 calls), then a's second poll completes it (7).
    assert [o.role.name for o in read.outcomes] == ["a"]
    assert [r.name for r in read.left] == list("bcdef")


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        read_access(source(), [role("a")], workers=0)
    with pytest.raises(ValueError, match="in_flight"):
        read_access(source(), [role("a")], in_flight=0)


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(0, 60),
    workers=st.integers(1, 6),
    in_flight=st.integers(1, 12),
    polls=st.integers(0, 3),
    page_size=st.integers(1, 4),
    failing=st.sets(st.integers(0, 59), max_size=8),
    starts=st.integers(0, 70),
)
def test_nothing_is_lost_and_the_bounds_hold(
    count: int,
    workers: int,
    in_flight: int,
    polls: int,
    page_size: int,
    failing: set[int],
    starts: int,
) -> None:
    services = [ServiceAccess(f"s{i}", f"S{i}") for i in range(5)]
    names = [f"r{i:02}" for i in range(count)]
    jobs = source(
        access=dict.fromkeys(names, services), polls_to_complete=polls, page_size=page_size
    )
    for index in failing:
        if index < count:
            jobs.fail(names[index], "Throttling", "Rate exceeded", operation="Get")
    read = read_access(
        jobs,
        [role(n) for n in names],
        workers=workers,
        in_flight=in_flight,
        budget=StopAfter(jobs, starts),
    )
    seen = [o.role.name for o in read.outcomes] + [r.name for r in read.left]
    assert sorted(seen) == names  # every role once: read, failed, or left
    assert [r.name for r in read.left] == names[min(starts, count) :]
    assert jobs.max_concurrent <= workers
    assert jobs.max_in_flight <= in_flight
    for outcome in read.outcomes:
        if outcome.error is None:
            assert outcome.access == tuple(services)
        else:
            assert names.index(outcome.role.name) in failing
