"""The loop over owners every kind's campaign runs (``dormant.campaign.owners``), over plain
items: owners in order, each told before its changes, a failed delivery failing only that
owner's steps, a dry run stopping nothing, the time budget keeping whole owners for the next
run; and the same wording for a kept owner in Identity Center's assignment campaign as in
the roles' one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.assignments.test_assignment_retire import START, World

from dormant.assignments.remediate.backup import LocalTextStore
from dormant.campaign.assignments import run_assignment_campaign
from dormant.campaign.owners import by_owner, tell_then_change
from dormant.campaign.run import Campaign
from dormant.core.errors import InvalidParameter
from dormant.remediation.budget import Budget
from dormant.remediation.notice import LifecycleStep
from dormant.testing.notify import InMemoryChannel


@dataclass(frozen=True)
class Item:
    name: str
    owner: str | None
    step: LifecycleStep = LifecycleStep.QUARANTINE
    reason: str = "unused for 200 days"


@dataclass(frozen=True)
class Result:
    retirement: Item
    how: str


@dataclass(frozen=True)
class Told:
    owner: str
    delivered: bool
    error: str | None = None


class Run:
    """Records every notice and change the loop asks for, in order."""

    def __init__(self, undelivered: Sequence[str] = ()) -> None:
        self.undelivered = set(undelivered)
        self.calls: list[str] = []

    def tell(self, owner: str, items: Sequence[Item]) -> Told:
        self.calls.append(f"tell {owner}: {' '.join(i.name for i in items)}")
        if owner in self.undelivered:
            return Told(owner, False, f"the notice to {owner} was not delivered")
        return Told(owner, True)

    def change(self, items: Sequence[Item]) -> list[Result]:
        self.calls.append(f"change {' '.join(i.name for i in items)}")
        return [Result(item, "done") for item in items]


def kept(item: Item) -> Result:
    return Result(item, "kept")


def failed(item: Item, message: str) -> Result:
    return Result(item, message)


PLAN = [Item("b1", "team-b"), Item("a1", "team-a"), Item("idle", None, LifecycleStep.KEEP)]
GROUPS = {"team-b": [PLAN[0]], "team-a": [PLAN[1]]}


def loop(run: Run, *, apply: bool = True) -> list[str]:
    results, notices = tell_then_change(
        PLAN,
        GROUPS,
        apply=apply,
        budget=None,
        tell=run.tell,
        change=run.change,
        kept=kept,
        failed=failed,
    )
    assert [n.owner for n in notices] == ["team-a", "team-b"]
    return [f"{r.retirement.name} {r.retirement.step} {r.how}" for r in results]


def test_each_owner_in_order_is_told_then_changed_and_results_keep_the_plans_order() -> None:
    run = Run()
    assert loop(run) == ["b1 quarantine done", "a1 quarantine done", "idle keep kept"]
    assert run.calls == ["tell team-a: a1", "change a1", "tell team-b: b1", "change b1"]


def test_an_undelivered_notice_fails_only_its_owners_steps() -> None:
    run = Run(undelivered=["team-a"])
    assert loop(run)[:2] == [
        "b1 quarantine done",
        "a1 quarantine not changed: the notice to team-a was not delivered",
    ]
    assert run.calls == ["tell team-a: a1", "tell team-b: b1", "change b1"]


def test_a_dry_run_sends_nothing_so_its_notices_stop_nothing() -> None:
    run = Run(undelivered=["team-a", "team-b"])
    assert loop(run, apply=False)[:2] == ["b1 quarantine done", "a1 quarantine done"]


def test_without_a_tell_the_changes_are_made_as_they_are() -> None:
    run = Run()
    results, notices = tell_then_change(
        PLAN[:2],
        {"": PLAN[:2]},
        apply=True,
        budget=None,
        tell=None,
        change=run.change,
        kept=kept,
        failed=failed,
    )
    assert notices == []
    assert run.calls == ["change b1 a1"]
    assert [r.how for r in results] == ["done", "done"]


def test_an_owner_whose_turn_comes_under_the_margin_is_kept_whole_for_the_next_run() -> None:
    run = Run()
    left = [900_000]

    def change(items: Sequence[Item]) -> list[Result]:
        left[0] = 60_000  # the first owner's changes take the run under its margin
        return run.change(items)

    results, _ = tell_then_change(
        PLAN,
        GROUPS,
        apply=True,
        budget=Budget(lambda: left[0]),
        tell=run.tell,
        change=change,
        kept=kept,
        failed=failed,
    )
    assert run.calls == ["tell team-a: a1", "change a1"]
    b1 = results[0]
    assert (b1.retirement.step, b1.how) == (LifecycleStep.KEEP, "kept")
    assert b1.retirement.reason == (
        "due to quarantine (unused for 200 days), not started: 60 s left in this run, "
        "under its margin of 120 s; the next run takes it"
    )


def test_an_item_with_no_owner_and_no_default_is_named() -> None:
    assert by_owner(PLAN[:2], None, lambda i: f"role {i.name}") == {
        "team-b": [PLAN[0]],
        "team-a": [PLAN[1]],
    }
    assert by_owner(PLAN, "ops", lambda i: f"role {i.name}")["ops"] == [PLAN[2]]
    with pytest.raises(
        InvalidParameter, match="role idle has no owner tag, so nobody would be told"
    ):
        by_owner(PLAN, None, lambda i: f"role {i.name}")


def test_an_assignment_kept_under_the_margin_says_the_margin_as_a_role_does(
    tmp_path: Path,
) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    report = run_assignment_campaign(
        account_id="999999999999",
        findings=world.findings(START),
        read_pair=lambda f: f,
        writer=world.writer,
        store=store,
        now=START,
        campaign=Campaign(notice_days=7, apply=True, channels=(channel,)),
        clock=lambda: START,
        budget=Budget(lambda: 60_000),
    )
    (result,) = report.results
    assert result.retirement.step is LifecycleStep.KEEP
    assert "not started: 60 s left in this run, under its margin of 120 s; the next run" in (
        result.retirement.reason
    )
    assert report.failed == 0
    assert channel.sent == []
    assert world.writer.calls == []
