"""`retire` across simulated days over dormant.testing's in-memory IAM: quarantine on day 0,
delete on day 30 with a verified backup, keep what was used, exempted or allow-listed since,
idempotent within a day, capped by max_roles, and one role's failure isolated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Status, Step
from dormant.remediation.quarantine import TAG_QUARANTINED_AT
from dormant.roles.model import Role
from dormant.roles.remediate import RetireResult, RetireStep, carry_out, plan_retire, read_backup
from dormant.roles.remediate.status import quarantined_at
from dormant.testing import InMemoryRoleMutator

DAY0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACCOUNT = "111111111111"


def stale(name: str, *, tags: tuple[tuple[str, str], ...] = (), used: bool = True) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/app/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/app/{name}",
        created=DAY0 - timedelta(days=400),
        last_used=DAY0 - timedelta(days=200) if used else None,
        last_used_region="us-east-1" if used else None,
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=tags,
        account_id=ACCOUNT,
    )


def fresh(name: str) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=DAY0 - timedelta(days=400),
        last_used=DAY0 - timedelta(days=3),
        last_used_region="us-east-1",
        account_id=ACCOUNT,
    )


def account(*roles: Role) -> InMemoryRoleMutator:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
    for role in roles:
        mutator.add_role(role)
    return mutator


def listed(mutator: InMemoryRoleMutator) -> list[Role]:
    """The account's roles as a live read would list them."""
    roles = []
    for name in mutator.role_names():
        state = mutator.describe_role(name)
        assert state is not None
        roles.append(state.role)
    return roles


def retire(
    mutator: InMemoryRoleMutator,
    now: datetime,
    backups: Path | None,
    *,
    apply: bool = True,
    settings: Settings | None = None,
    max_roles: int = 10,
) -> list[RetireResult]:
    settings = settings or Settings()
    plan = plan_retire(
        listed(mutator),
        settings=settings,
        now=now,
        max_roles=max_roles,
        caller_arn=mutator.caller_arn,
        can_delete=backups is not None,
    )
    return list(
        carry_out(
            mutator,
            plan,
            settings=settings,
            now=now,
            apply=apply,
            backup_dir=backups,
            clock=lambda: now,
        )
    )


def steps(results: list[RetireResult]) -> dict[str, tuple[str, bool]]:
    return {r.retirement.role_name: (str(r.retirement.step), r.done) for r in results}


def test_quarantine_then_delete_after_thirty_days(tmp_path: Path) -> None:
    mutator = account(stale("OldJob"), stale("NeverUsed", used=False), fresh("LiveApi"))

    day0 = retire(mutator, DAY0, tmp_path)
    assert steps(day0) == {"NeverUsed": ("quarantine", True), "OldJob": ("quarantine", True)}
    assert [r.retirement.reason for r in day0 if r.retirement.role_name == "OldJob"] == [
        "Was last used in us-east-1 200 days ago"
    ]
    state = mutator.describe_role("OldJob")
    assert state is not None
    assert quarantined_at(state.role) == DAY0

    writes = len(mutator.write_calls())
    later_that_day = retire(mutator, DAY0 + timedelta(hours=8), tmp_path)
    assert steps(later_that_day) == {"NeverUsed": ("keep", False), "OldJob": ("keep", False)}
    assert len(mutator.write_calls()) == writes  # the second run of a day changes nothing
    assert all("quarantined 0 days ago" in r.retirement.reason for r in later_that_day)

    day29 = retire(mutator, DAY0 + timedelta(days=29, hours=23), tmp_path)
    assert {s for s, _ in steps(day29).values()} == {"keep"}
    assert len(mutator.write_calls()) == writes

    day30 = DAY0 + timedelta(days=30)
    results = retire(mutator, day30, tmp_path)
    assert steps(results) == {"NeverUsed": ("delete", True), "OldJob": ("delete", True)}
    assert "quarantined 30 days ago and unused since" in results[0].retirement.reason
    assert mutator.role_names() == ["LiveApi"]
    backup = read_backup(tmp_path / f"{ACCOUNT}-OldJob.json")
    assert backup.state.name == "OldJob"

    assert retire(mutator, day30, tmp_path) == []  # nothing left to do


def test_dry_run_plans_and_changes_nothing(tmp_path: Path) -> None:
    mutator = account(stale("OldJob"))
    results = retire(mutator, DAY0, tmp_path, apply=False)
    assert steps(results) == {"OldJob": ("quarantine", False)}
    assert results[0].outcome is None
    assert mutator.write_calls() == []


def test_used_since_quarantine_is_kept(tmp_path: Path) -> None:
    mutator = account(stale("OldJob"))
    retire(mutator, DAY0, tmp_path)
    mutator.record_use("OldJob", DAY0 + timedelta(days=5))
    results = retire(mutator, DAY0 + timedelta(days=40), tmp_path)
    assert steps(results) == {"OldJob": ("keep", False)}
    assert results[0].retirement.reason == "used since quarantine: release it if it is needed"
    assert "OldJob" in mutator.role_names()


@pytest.mark.parametrize(
    ("settings", "tags", "says"),
    [
        (Settings(allow_patterns=("/app/OldJob",)), (), "Role matches allow-list pattern"),
        (Settings(), (("dormant:exempt", "until=2027-01-01 audit"),), "Exempt by tag"),
    ],
)
def test_quarantined_but_now_compliant_is_never_deleted(
    tmp_path: Path, settings: Settings, tags: tuple[tuple[str, str], ...], says: str
) -> None:
    mutator = account(stale("OldJob"))
    retire(mutator, DAY0, tmp_path)
    if tags:  # the owner exempts the role after its quarantine
        tagged = [{"Key": k, "Value": v} for k, v in tags]
        mutator.execute(Step("TagRole", {"RoleName": "OldJob", "Tags": tagged}))
    results = retire(mutator, DAY0 + timedelta(days=60), tmp_path, settings=settings)
    assert steps(results) == {"OldJob": ("keep", False)}
    assert "quarantined, but now compliant" in results[0].retirement.reason
    assert says in results[0].retirement.reason
    assert "OldJob" in mutator.role_names()


def test_without_a_backup_dir_nothing_is_deleted(tmp_path: Path) -> None:
    mutator = account(stale("OldJob"))
    retire(mutator, DAY0, tmp_path)
    results = retire(mutator, DAY0 + timedelta(days=31), None)
    assert steps(results) == {"OldJob": ("keep", False)}
    assert results[0].retirement.reason.endswith("give --backup-dir DIR to delete it")
    assert "OldJob" in mutator.role_names()


def test_unreadable_quarantine_tag_is_kept(tmp_path: Path) -> None:
    mutator = account(stale("OldJob"))
    retire(mutator, DAY0, tmp_path)
    mutator.execute(
        Step("TagRole", {"RoleName": "OldJob", "Tags": [{"Key": TAG_QUARANTINED_AT, "Value": "x"}]})
    )
    results = retire(mutator, DAY0 + timedelta(days=60), tmp_path)
    assert steps(results) == {"OldJob": ("keep", False)}
    assert "missing or unreadable" in results[0].retirement.reason


def test_max_roles_caps_the_changes_of_a_run(tmp_path: Path) -> None:
    mutator = account(*(stale(f"Job{i}") for i in range(5)))
    results = retire(mutator, DAY0, tmp_path, max_roles=2)
    changed = [r for r in results if r.done]
    deferred = [r for r in results if r.retirement.step is RetireStep.KEEP]
    assert (len(changed), len(deferred)) == (2, 3)
    assert all("--max-roles 2 reached" in r.retirement.reason for r in deferred)
    assert len(retire(mutator, DAY0, tmp_path, max_roles=2)) == 5  # 2 wait, 2 more, 1 deferred
    assert sum(1 for name in mutator.role_names() if quarantined(mutator, name)) == 4


def quarantined(mutator: InMemoryRoleMutator, name: str) -> bool:
    state = mutator.describe_role(name)
    return state is not None and state.tag(TAG_QUARANTINED_AT) is not None


def test_managed_roles_are_kept_with_where_to_retire_them(tmp_path: Path) -> None:
    mutator = account(stale("StackRole", tags=(("aws:cloudformation:stack-name", "payments"),)))
    results = retire(mutator, DAY0, tmp_path)
    assert steps(results) == {"StackRole": ("keep", False)}
    assert "remove it from the stack" in results[0].retirement.reason
    assert mutator.write_calls() == []


def test_one_failing_role_does_not_stop_the_others(tmp_path: Path) -> None:
    mutator = account(stale("Broken"), stale("OldJob"))
    mutator.fail("PutRolePolicy", role_name="Broken", code="ServiceFailure")
    results = retire(mutator, DAY0, tmp_path)
    by_name = {r.retirement.role_name: r for r in results}
    assert by_name["Broken"].failed
    assert by_name["Broken"].outcome is not None
    assert by_name["Broken"].outcome.status is Status.FAILED
    assert by_name["OldJob"].done
    record = by_name["Broken"].record()
    assert (record["step"], record["done"], record["status"]) == ("quarantine", False, "failed")
