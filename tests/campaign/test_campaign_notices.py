"""Notices that match what happens: a notice lasts its whole days whatever the hours of the
runs, no quarantine under a notice whose announced day passed (notices only, a failed run),
and a role quarantined outside the campaign is told before its delete, which then waits the
whole notice."""

from __future__ import annotations

from campaign_support import DENY, Account, on, stale, steps

from dormant.remediation.notice import TAG_NOTICE_AT


def notice_of(account: Account, name: str) -> str | None:
    state = account.iam.describe_role(name)
    assert state is not None
    return state.tag(TAG_NOTICE_AT)


def test_a_notice_given_late_in_the_day_still_lasts_its_whole_days() -> None:
    # Given at 23:00 (a run by hand); the next run at 01:00 fourteen dates later is only 13
    # days and 2 hours on. Counting dates, it quarantined there; the notice day counts as
    # none, so the quarantine waits for the day the notice announced.
    account = Account()
    account.iam.add_role(stale("AppRole"))
    assert steps(account.run(on(0, hours=17))) == {"AppRole": "notify"}
    assert f"AppRole: quarantined on {on(15).date()} unless used" in account.channel.sent[-1].text
    early = account.run(on(13, hours=19))
    assert steps(early) == {"AppRole": "keep"}
    assert f"quarantined on {on(15).date()} unless used or exempted" in (
        early.roles[0].retirement.reason
    )
    assert steps(account.run(on(14, hours=19))) == {"AppRole": "quarantine"}


def test_switching_notify_to_apply_gives_a_fresh_notice_before_any_quarantine() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    assert steps(account.run(on(0), notices_only=True)) == {"AppRole": "notify"}
    day20 = account.run(on(20), notices_only=True)
    assert steps(day20) == {"AppRole": "keep"}
    assert "told again when quarantines are on" in day20.roles[0].retirement.reason
    assert len(account.channel.sent) == 1  # notices only: not told again and again

    # The stack is switched to Apply on day 30: the day announced (15) passed long ago.
    day30 = account.run(on(30))
    assert steps(day30) == {"AppRole": "notify"}
    assert notice_of(account, "AppRole") == on(30).date().isoformat()
    assert f"AppRole: quarantined on {on(45).date()} unless used" in account.channel.sent[-1].text
    assert "which passed without one" in account.channel.sent[-1].text
    assert steps(account.run(on(44))) == {"AppRole": "keep"}
    assert steps(account.run(on(45))) == {"AppRole": "quarantine"}


def test_a_run_that_failed_on_the_announced_day_gives_the_notice_again() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    account.run(on(0))
    account.channel.fail("team-a", "HTTP 500")
    day15 = account.run(on(15))
    assert day15.roles[0].failed  # its quarantine waited for a delivered notice
    account.channel.recover()

    day16 = account.run(on(16))
    assert steps(day16) == {"AppRole": "notify"}
    assert day16.roles[0].retirement.next is not None
    assert day16.roles[0].retirement.next.on == on(31).date()
    state = account.iam.describe_role("AppRole")
    assert state is not None
    assert DENY not in state.role.attached_policy_arns


def test_a_role_quarantined_elsewhere_is_told_and_its_delete_waits_the_notice() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    account.quarantine_elsewhere("AppRole", -40)
    # Quarantined 40 days ago, past the 30 after which the campaign deletes: told first.
    day0 = account.run(on(0))
    assert steps(day0) == {"AppRole": "notify"}
    (told,) = account.channel.sent
    assert f"AppRole: quarantined; deleted on {on(15).date()} unless used or exempted" in (
        told.text
    )
    day14 = account.run(on(14))
    assert steps(day14) == {"AppRole": "keep"}
    assert "after the 14 days of its notice of" in day14.roles[0].retirement.reason
    assert "AppRole" in account.iam.role_names()
    assert steps(account.run(on(15))) == {"AppRole": "delete"}
    assert "AppRole" not in account.iam.role_names()
