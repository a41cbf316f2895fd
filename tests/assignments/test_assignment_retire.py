"""The assignments' retire lifecycle over the in-memory writer and channel: notice, then
unassign on the announced day with the backup kept, renewals, clears, the cap, the
caller's own access, undelivered notices and the promises checked after every run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dormant.assignments.decide import evaluate_assignment
from dormant.assignments.model import (
    AccountPermissionSet,
    Assignment,
    AssignmentFinding,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
)
from dormant.assignments.remediate.backup import LocalTextStore, backup_from_text
from dormant.assignments.remediate.invariants import (
    caller_pair,
    unassign_refusal,
    unassigned_while_kept,
    unassigned_without_backup,
    unassigned_without_notice,
)
from dormant.assignments.remediate.notices import NOTICES_NAME, NoticeBook
from dormant.assignments.remediate.run import restore_assignments
from dormant.assignments.retire import plan_assignment_retire
from dormant.campaign.assignments import run_assignment_campaign
from dormant.campaign.run import Campaign
from dormant.core.errors import InvalidParameter, RoleDataError
from dormant.core.settings import Settings
from dormant.remediation.notice import LifecycleStep
from dormant.remediation.outcome import Status
from dormant.testing import InMemoryAssignmentWriter
from dormant.testing.notify import InMemoryChannel

START = datetime(2026, 6, 1, 9, tzinfo=UTC)
INSTANCE = "arn:aws:sso:::instance/ssoins-1111111111111111"
STORE_ID = "d-1234567890"
SETTINGS = Settings(max_days=90)
GROUP = Principal(PrincipalType.GROUP, "g-1", "Admins", 4)
USER = Principal(PrincipalType.USER, "u-1", "jdoe")


def _arn(name: str) -> str:
    return f"arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-{name.lower():0<16}"[:80]


class World:
    """Pairs whose reserved roles' last use the test moves; assignments in the writer."""

    def __init__(self) -> None:
        self.last_used: dict[tuple[str, str], datetime | None] = {}
        self.tags: dict[str, tuple[tuple[str, str], ...]] = {}
        self.principals: dict[tuple[str, str], tuple[Principal, ...]] = {}
        self.writer = InMemoryAssignmentWriter(principals=(GROUP, USER))

    def add(
        self,
        account: str,
        name: str,
        *,
        used_days_ago: int | None = 200,
        owner: str = "team-a",
        principals: tuple[Principal, ...] = (GROUP, USER),
    ) -> None:
        self.last_used[(account, name)] = (
            None if used_days_ago is None else START - timedelta(days=used_days_ago)
        )
        self.tags[name] = (("owner", owner),)
        self.principals[(account, name)] = principals
        self.writer.permission_sets.add(_arn(name))
        for principal in principals:
            self.writer.create(Assignment(INSTANCE, account, _arn(name), principal))
        self.writer.calls.clear()

    def subject(self, account: str, name: str) -> AccountPermissionSet:
        principals = tuple(
            p
            for p in self.principals[(account, name)]
            if self.writer.is_assigned(Assignment(INSTANCE, account, _arn(name), p))
        )
        role_name = f"AWSReservedSSO_{name}_0123456789abcdef"
        role = ReservedRole(
            role_name,
            f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/{role_name}",
            "AROAEXAMPLE",
            "/aws-reserved/sso.amazonaws.com/",
            START - timedelta(days=400),
            self.last_used[(account, name)],
        )
        permission_set = PermissionSet(_arn(name), name, tags=self.tags[name])
        return AccountPermissionSet(
            account, INSTANCE, name, permission_set, principals, role, identity_store_id=STORE_ID
        )

    def findings(self, now: datetime) -> list[AssignmentFinding]:
        return [evaluate_assignment(self.subject(a, n), SETTINGS, now) for a, n in self.last_used]

    def run(
        self,
        now: datetime,
        store: LocalTextStore,
        channel: InMemoryChannel,
        *,
        notice_days: int = 7,
        max_pairs: int = 10,
        apply: bool = True,
        caller_arn: str = "",
        notices_only: bool = False,
    ) -> dict[str, str]:
        report = run_assignment_campaign(
            account_id="999999999999",
            findings=self.findings(now),
            read_pair=lambda f: evaluate_assignment(
                self.subject(f.account_id, f.resource_name), SETTINGS, now
            ),
            writer=self.writer,
            store=store,
            now=now,
            campaign=Campaign(
                notice_days=notice_days,
                max_roles=max_pairs,
                apply=apply,
                channels=(channel,),
                notices_only=notices_only,
            ),
            clock=lambda: now,
            caller_arn=caller_arn,
        )
        assert report.failed == 0, [r.record() for r in report.results]
        return {r.retirement.name: str(r.retirement.step) for r in report.results}


def test_notice_then_unassign_on_the_announced_day_with_a_backup_restore_gives_back(
    tmp_path: Path,
) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    world.add("111111111111", "ReadOnly", used_days_ago=3)
    before = set(world.writer.assigned.values())
    assert world.run(START, store, channel) == {"Admin in 111111111111": "notify"}
    assert world.writer.calls == []  # a notice changes no assignment
    message = channel.to("team-a")[0].text
    assert "Admin in 111111111111: unassigned on 2026-06-09 unless used or exempted" in message
    assert NoticeBook.read(store).noticed_on("111111111111", "Admin") == date(2026, 6, 1)
    # Within the notice: kept, and said when.
    assert world.run(START + timedelta(days=3), store, channel) == {"Admin in 111111111111": "keep"}
    # Seven days after the notice, to the hour: the notice day counted as none, so it still
    # runs. On the announced day: the backup, then the unassignment.
    assert world.run(START + timedelta(days=7), store, channel) == {"Admin in 111111111111": "keep"}
    day = START + timedelta(days=8)
    removed = [a for a in before if a.permission_set_arn == _arn("Admin")]
    assert world.run(day, store, channel) == {"Admin in 111111111111": "unassign"}
    assert not any(world.writer.is_assigned(a) for a in removed)
    told = channel.to("team-a")[-1].text
    assert "its assignments removed today (2026-06-09)" in told
    assert "Before a permission set's assignments in an account are removed" in told
    assert "Before a role is deleted" not in told
    backups = [p for p in tmp_path.iterdir() if p.name.startswith("111111111111-Admin-")]
    assert len(backups) == 1
    backup = backup_from_text(backups[0].read_text(), source=str(backups[0]))
    assert unassigned_without_backup(removed, backup.assignments) == []
    assert NoticeBook.read(store).noticed_on("111111111111", "Admin") is None
    # Nothing more to do the next day; restore gives exactly the earlier assignments back.
    assert world.run(day + timedelta(days=1), store, channel) == {}
    outcomes = restore_assignments(backup, world.writer, apply=True, source="b")
    assert {o.status for o in outcomes} == {Status.DONE}
    assert set(world.writer.assigned.values()) == before


def test_used_since_the_notice_clears_it_and_nothing_is_removed(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    world.run(START, store, channel)
    world.last_used[("111111111111", "Admin")] = START + timedelta(days=2)
    steps = world.run(START + timedelta(days=7), store, channel)
    assert steps == {"Admin in 111111111111": "clear"}
    assert world.writer.calls == []
    assert NoticeBook.read(store).days == {}


def test_a_missed_day_is_told_again_never_unassigned_late(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    world.run(START, store, channel)
    late = START + timedelta(days=9)
    assert world.run(late, store, channel) == {"Admin in 111111111111": "notify"}
    assert world.writer.calls == []
    assert NoticeBook.read(store).noticed_on("111111111111", "Admin") == late.date()


def test_notices_only_gives_notices_and_keeps_the_due(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    world.run(START, store, channel, notices_only=True)
    steps = world.run(START + timedelta(days=7), store, channel, notices_only=True)
    assert steps == {"Admin in 111111111111": "keep"}
    assert world.writer.calls == []


def test_the_cap_unassigns_the_longest_unused_first(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin", used_days_ago=300)
    world.add("222222222222", "Admin", used_days_ago=200)
    world.run(START, store, channel, max_pairs=1)
    steps = world.run(START + timedelta(days=8), store, channel, max_pairs=1)
    assert steps == {"Admin in 111111111111": "unassign", "Admin in 222222222222": "keep"}


def test_the_callers_own_access_is_never_noticed_nor_removed(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    caller = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jdoe"
    assert caller_pair(caller) == ("111111111111", "Admin")
    assert world.run(START, store, channel, caller_arn=caller) == {"Admin in 111111111111": "keep"}
    assert channel.sent == []


def test_an_undelivered_notice_is_not_recorded(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    channel.fail("team-a")
    report = run_assignment_campaign(
        account_id="999999999999",
        findings=world.findings(START),
        read_pair=lambda f: f,
        writer=world.writer,
        store=store,
        now=START,
        campaign=Campaign(notice_days=7, apply=True, channels=(channel,)),
        clock=lambda: START,
    )
    assert report.failed == 1
    assert not (tmp_path / NOTICES_NAME).exists()


def test_no_notice_step_or_no_channel_is_refused_before_anything(tmp_path: Path) -> None:
    world = World()
    world.add("111111111111", "Admin")
    with pytest.raises(InvalidParameter, match="only retired after a notice"):
        run_assignment_campaign(
            account_id="999999999999",
            findings=world.findings(START),
            read_pair=lambda f: f,
            writer=world.writer,
            store=LocalTextStore(tmp_path),
            now=START,
            campaign=Campaign(notice_days=0, apply=True, channels=(InMemoryChannel(),)),
            clock=lambda: START,
        )


def test_a_pair_used_between_plan_and_change_is_skipped(tmp_path: Path) -> None:
    world, store, channel = World(), LocalTextStore(tmp_path), InMemoryChannel()
    world.add("111111111111", "Admin")
    world.run(START, store, channel)
    day = START + timedelta(days=8)
    findings = world.findings(day)
    world.last_used[("111111111111", "Admin")] = day  # used just now, after the plan
    report = run_assignment_campaign(
        account_id="999999999999",
        findings=findings,
        read_pair=lambda f: evaluate_assignment(
            world.subject(f.account_id, f.resource_name), SETTINGS, day
        ),
        writer=world.writer,
        store=store,
        now=day,
        campaign=Campaign(notice_days=7, apply=True, channels=(channel,)),
        clock=lambda: day,
    )
    outcome = report.results[0].outcome
    assert outcome is not None
    assert outcome.status is Status.SKIPPED
    assert "re-checked just now" in outcome.message
    assert world.writer.calls == []


def test_the_promises_name_each_broken_one() -> None:
    world = World()
    world.add("111111111111", "Admin")
    world.add("111111111111", "Used", used_days_ago=2)
    unused, used = world.findings(START)
    noticed = [("111111111111", "Admin", START - timedelta(days=8))]
    assert unassigned_without_notice([unused], noticed, at=START, notice_days=7) == []
    late = unassigned_without_notice([unused], noticed, at=START + timedelta(days=1), notice_days=7)
    assert "which passed" in late[0].why
    assert "no notice" in unassigned_without_notice([unused], [], at=START, notice_days=7)[0].why
    assert [v.promise for v in unassigned_while_kept([used])] == ["unassigned_while_kept"]
    assert unassign_refusal(unused, date(2026, 5, 24), now=START, notice_days=7) is None
    assert "under the 7 days" in str(
        unassign_refusal(unused, date(2026, 5, 30), now=START, notice_days=7)
    )


def test_the_plan_refuses_to_run_without_a_notice_period() -> None:
    world = World()
    world.add("111111111111", "Admin")
    with pytest.raises(Exception, match="never unassigned without a notice"):
        plan_assignment_retire(
            world.findings(START), NoticeBook(), now=START, notice_days=0, max_pairs=1
        )


def test_an_exemption_since_the_notice_clears_it() -> None:
    world = World()
    world.add("111111111111", "Admin")
    book = NoticeBook().with_notice("111111111111", "Admin", date(2026, 5, 30))
    world.tags["Admin"] = (*world.tags["Admin"], ("dormant:exempt", "until=2026-12-31 audit"))
    plan = plan_assignment_retire(
        world.findings(START), book, now=START, notice_days=7, max_pairs=1
    )
    assert [p.step for p in plan] == [LifecycleStep.CLEAR]
    assert plan[0].reason.startswith("now COMPLIANT (Exempt by tag dormant:exempt")


def test_a_bad_notices_document_is_named(tmp_path: Path) -> None:
    (tmp_path / NOTICES_NAME).write_text(
        '{"format": "dormant.assignment-notices", "version": 1, '
        '"notices": {"111111111111/Admin": "soon"}}'
    )
    with pytest.raises(RoleDataError, match="entry '111111111111/Admin'"):
        NoticeBook.read(LocalTextStore(tmp_path))
    assert replace(NoticeBook(), days={}).text().startswith("{")
