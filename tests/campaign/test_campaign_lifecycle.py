"""The retire campaign over dormant.testing's fakes: notice on day 0, quarantine on day 15
(the notice day counts as none), delete on day 45, a role used on day 20 kept and its owner
told; one message per owner per run; an undelivered message stops that owner's changes only;
owners required; users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.core.errors import InvalidParameter
from dormant.core.settings import Settings
from dormant.remediation import Status
from dormant.remediation.notice import TAG_NOTICE_AT
from dormant.roles.model import Role
from dormant.roles.remediate.backup_store import LocalBackupStore
from dormant.testing import InMemoryChannel, InMemoryRoleMutator, InMemoryUserMutator
from dormant.users.remediate import AccessKeyState, UserState

DAY0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ACCOUNT = "111111111111"


def stale(name: str, owner: str | None = "team-a") -> Role:
    tags = (("owner", owner),) if owner else ()
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=DAY0 - timedelta(days=400),
        last_used=DAY0 - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=tags,
        account_id=ACCOUNT,
    )


def listed(mutator: InMemoryRoleMutator) -> list[Role]:
    states = [mutator.describe_role(name) for name in mutator.role_names()]
    return [s.role for s in states if s is not None]


def run(
    mutator: InMemoryRoleMutator,
    now: datetime,
    channel: InMemoryChannel | None,
    backups: Path | None,
    *,
    apply: bool = True,
    default_owner: str | None = None,
    users: InMemoryUserMutator | None = None,
    notice_days: int = 14,
) -> CampaignReport:
    return run_campaign(
        account_id=ACCOUNT,
        roles=listed(mutator),
        role_mutator=mutator,
        settings=Settings(),
        now=now,
        campaign=Campaign(
            notice_days=notice_days,
            after_days=30,
            apply=apply,
            default_owner=default_owner,
            contact="#iam-cleanup",
            channels=() if channel is None else (channel,),
        ),
        backups=None if backups is None else LocalBackupStore(backups),
        clock=lambda: now,
        caller_arn=mutator.caller_arn,
        users=None if users is None else [users.user(n).as_user() for n in users.user_names()],
        user_mutator=users,
        user_settings=Settings(max_days=45),
    )


def steps(report: CampaignReport) -> dict[str, str]:
    return {
        str(r.record().get("role_name") or r.record().get("user_name")): str(r.record()["step"])
        for r in report.results
    }


def test_sixty_days_notice_quarantine_delete_and_a_role_used_on_day_20(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    for name in ("AppRole", "BatchRole"):
        mutator.add_role(stale(name))
    channel = InMemoryChannel("sns:arn:aws:sns:us-east-1:111111111111:dormant")

    day0 = run(mutator, DAY0, channel, tmp_path)
    assert steps(day0) == {"AppRole": "notify", "BatchRole": "notify"}
    assert all(r.done for r in day0.results)
    (message,) = channel.sent
    assert message.owner == "team-a"
    assert "AppRole: quarantined on 2026-12-16 unless used or exempted" in message.text
    assert "dormant:exempt" in message.text
    assert "until=" in message.text
    assert "#iam-cleanup" in message.text
    assert f"{tmp_path}/" in message.text
    state = mutator.describe_role("AppRole")
    assert state is not None
    assert state.tag(TAG_NOTICE_AT) == "2026-12-01"
    record = day0.record()
    assert record["steps"][0]["next"] == {"step": "quarantine", "on": "2026-12-16"}  # type: ignore[index]

    # The same day again: nothing changes and nobody is told twice.
    writes = len(mutator.write_calls())
    again = run(mutator, DAY0 + timedelta(hours=3), channel, tmp_path)
    assert set(steps(again).values()) == {"keep"}
    assert len(mutator.write_calls()) == writes
    assert len(channel.sent) == 1

    day13 = run(mutator, DAY0 + timedelta(days=13, hours=14), channel, tmp_path)
    assert set(steps(day13).values()) == {"keep"}
    assert "quarantined on 2026-12-16 unless used or exempted" in day13.roles[0].retirement.reason

    # Fourteen days after the notice, to the hour: the notice day counted as none, so it
    # still runs.
    day14 = run(mutator, DAY0 + timedelta(days=14), channel, tmp_path)
    assert set(steps(day14).values()) == {"keep"}

    day15 = run(mutator, DAY0 + timedelta(days=15), channel, tmp_path)
    assert steps(day15) == {"AppRole": "quarantine", "BatchRole": "quarantine"}
    assert all(r.done for r in day15.results)
    assert "deleted on 2027-01-15 unless used or exempted" in channel.sent[-1].text

    # Used while quarantined (IAM denied the calls, and recorded the use): kept, and its
    # owner told once.
    mutator.record_use("BatchRole", DAY0 + timedelta(days=20))
    day20 = run(mutator, DAY0 + timedelta(days=20, hours=1), channel, tmp_path)
    assert steps(day20)["BatchRole"] == "clear"
    assert "BatchRole: used since its quarantine on 2026-12-16" in channel.sent[-1].text
    day21 = run(mutator, DAY0 + timedelta(days=21), channel, tmp_path)
    assert steps(day21)["BatchRole"] == "keep"
    assert "used since quarantine" in day21.roles[-1].retirement.reason

    day45 = run(mutator, DAY0 + timedelta(days=45), channel, tmp_path)
    assert steps(day45)["AppRole"] == "delete"
    assert "AppRole" not in mutator.role_names()
    assert (tmp_path / f"{ACCOUNT}-AppRole.json").exists()
    assert "AppRole: deleted today (2027-01-15)" in channel.sent[-1].text


def test_a_role_used_during_its_notice_is_kept_and_its_owner_told(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    mutator.add_role(stale("AppRole"))
    channel = InMemoryChannel()
    run(mutator, DAY0, channel, tmp_path)
    mutator.record_use("AppRole", DAY0 + timedelta(days=10))
    report = run(mutator, DAY0 + timedelta(days=14), channel, tmp_path)
    assert steps(report) == {"AppRole": "clear"}
    assert report.roles[0].done
    state = mutator.describe_role("AppRole")
    assert state is not None
    assert state.tag(TAG_NOTICE_AT) is None
    assert state.tag("dormant:quarantined-at") is None
    assert "AppRole: used since the notice of 2026-12-01: kept" in channel.sent[-1].text


def test_one_message_per_owner_and_a_failed_one_stops_only_that_owner(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    for name, owner in (("A1", "team-a"), ("A2", "team-a"), ("B1", "team-b")):
        mutator.add_role(stale(name, owner))
    channel = InMemoryChannel()
    channel.fail("team-b", "HTTP 500, after 3 attempts")
    report = run(mutator, DAY0, channel, tmp_path)
    assert [m.owner for m in channel.sent] == ["team-a"]
    by_name = {r.retirement.role_name: r for r in report.roles}
    assert by_name["A1"].done
    assert by_name["A2"].done
    assert by_name["B1"].failed
    assert by_name["B1"].outcome is not None
    assert by_name["B1"].outcome.status is Status.FAILED
    assert "the notice to team-b was not delivered" in by_name["B1"].outcome.message
    b1 = mutator.describe_role("B1")
    assert b1 is not None
    assert b1.tag(TAG_NOTICE_AT) is None  # nothing changed without a delivered notice
    notices = {n["owner"]: n for n in report.record()["notices"]}  # type: ignore[attr-defined]
    assert notices["team-a"]["delivered"] is True
    assert [r["name"] for r in notices["team-a"]["resources"]] == ["A1", "A2"]
    assert notices["team-b"]["delivered"] is False
    assert notices["team-b"]["channels"] == ["memory"]

    channel.recover()
    later = run(mutator, DAY0 + timedelta(days=1), channel, tmp_path)
    assert steps(later)["B1"] == "notify"  # its grace starts when the notice is delivered
    assert later.roles[-1].retirement.next is not None


def test_a_resource_without_an_owner_needs_a_default_owner(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    mutator.add_role(stale("Orphan", owner=None))
    channel = InMemoryChannel()
    with pytest.raises(InvalidParameter, match=r"--default-owner.*role Orphan has no owner"):
        run(mutator, DAY0, channel, tmp_path)
    assert mutator.write_calls() == []
    report = run(mutator, DAY0, channel, tmp_path, default_owner="security")
    assert steps(report) == {"Orphan": "notify"}
    assert channel.sent[0].owner == "security"


def test_notice_days_need_a_channel(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    mutator.add_role(stale("AppRole"))
    with pytest.raises(InvalidParameter, match="--notice-days: 14 days of notice need"):
        run(mutator, DAY0, None, tmp_path)


def test_without_notice_days_the_lifecycle_is_todays(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    mutator.add_role(stale("AppRole"))
    report = run(mutator, DAY0, None, tmp_path, notice_days=0)
    assert steps(report) == {"AppRole": "quarantine"}
    assert report.notices == ()


def test_a_dry_run_sends_nothing_and_lists_the_notices(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    mutator.add_role(stale("AppRole"))
    channel = InMemoryChannel()
    report = run(mutator, DAY0, channel, tmp_path, apply=False)
    assert channel.sent == []
    assert mutator.write_calls() == []
    (notice,) = report.notices
    assert (notice.owner, notice.delivered) == ("team-a", False)


def old_ci() -> InMemoryUserMutator:
    users = InMemoryUserMutator(ACCOUNT)
    users.add_user(
        UserState(
            name="old-ci",
            user_id="AIDAOLDCI",
            arn=f"arn:aws:iam::{ACCOUNT}:user/old-ci",
            path="/",
            created=DAY0 - timedelta(days=300),
            account_id=ACCOUNT,
            keys=(
                AccessKeyState(
                    "AKIAOLDCI", True, DAY0 - timedelta(days=300), DAY0 - timedelta(days=100)
                ),
            ),
            tags=(("team", "team-ci"),),
        )
    )
    return users


def test_users_get_notice_then_quarantine_and_are_never_deleted(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    users = old_ci()
    channel = InMemoryChannel()
    day0 = run(mutator, DAY0, channel, tmp_path, users=users)
    assert steps(day0) == {"old-ci": "notify"}
    assert users.user("old-ci").tag(TAG_NOTICE_AT) == "2026-12-01"
    assert (
        "old-ci: quarantined on 2026-12-16 unless used or exempted (user;" in channel.sent[0].text
    )
    day15 = run(mutator, DAY0 + timedelta(days=15), channel, tmp_path, users=users)
    assert steps(day15) == {"old-ci": "quarantine"}
    assert day15.users[0].done
    assert not users.user("old-ci").keys[0].active
    assert "access keys deactivated; users are never deleted" in channel.sent[-1].text
    day60 = run(mutator, DAY0 + timedelta(days=60), channel, tmp_path, users=users)
    assert steps(day60) == {"old-ci": "keep"}
    assert "users are never deleted" in day60.users[0].retirement.reason


def test_a_user_whose_announced_day_passed_is_told_again_before_any_quarantine(
    tmp_path: Path,
) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    users = old_ci()
    channel = InMemoryChannel()
    run(mutator, DAY0, channel, tmp_path, users=users)
    # The announced day (2026-12-16) passed without a run that could quarantine: the
    # owner is told again, with a fresh notice, and the keys stay active.
    late = run(mutator, DAY0 + timedelta(days=30), channel, tmp_path, users=users)
    assert steps(late) == {"old-ci": "notify"}
    assert users.user("old-ci").keys[0].active
    assert users.user("old-ci").tag(TAG_NOTICE_AT) == "2026-12-31"
    told = channel.sent[-1].text
    assert "old-ci: quarantined on 2027-01-15 unless used or exempted" in told
    assert "announced a quarantine on 2026-12-16, which passed without one" in told
    assert steps(run(mutator, DAY0 + timedelta(days=44), channel, tmp_path, users=users)) == {
        "old-ci": "keep"
    }
    quarantined = run(mutator, DAY0 + timedelta(days=45), channel, tmp_path, users=users)
    assert steps(quarantined) == {"old-ci": "quarantine"}
    assert not users.user("old-ci").keys[0].active
