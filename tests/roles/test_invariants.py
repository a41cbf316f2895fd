"""The campaign's promises as predicates (dormant.roles.remediate.invariants): each names the
role and why when it breaks, and says nothing when it holds; delete asks them first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.roles.model import Role
from dormant.roles.remediate import delete
from dormant.roles.remediate.backup import RoleBackup
from dormant.roles.remediate.invariants import (
    DeliveredNotice,
    Observation,
    Promises,
    changed_otherwise,
    delete_refusal,
    deleted_while_kept,
    deleted_while_used,
    deleted_without_notice,
    left_without_deny,
    lost_backups,
    quarantined_without_notice,
    touched_while_kept,
)
from dormant.roles.remediate.state import InstanceProfileRef, RoleState
from dormant.testing import InMemoryRoleMutator

NOW = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
DENY = f"arn:aws:iam::{ACCOUNT}:policy/dormant/dormant-quarantine-deny"
PROMISES = Promises(
    Settings(max_days=30, allow_patterns=("/Assumer",)), notice_days=7, deny_policy_arn=DENY
)


def role(name: str, *, used_days_ago: int = 200, **changes: object) -> RoleState:
    base = Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=used_days_ago),
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=(("owner", "team-a"),),
        account_id=ACCOUNT,
    )
    return RoleState(replace(base, **changes))  # type: ignore[arg-type]


def quarantined(state: RoleState, since: datetime = NOW) -> RoleState:
    role_ = state.role
    return replace(
        state,
        role=replace(
            role_,
            tags=(*role_.tags, ("dormant:quarantined-at", since.isoformat())),
            attached_policy_arns=(*role_.attached_policy_arns, DENY),
        ),
    )


def seen(at: datetime, *states: RoleState, **references: tuple[str, ...]) -> Observation:
    return Observation(at, {s.name: s for s in states}, references)


def test_a_role_used_within_the_window_is_never_deleted() -> None:
    later = NOW + timedelta(days=1)
    recent, stale = role("Recent", used_days_ago=20), role("Stale")
    found = deleted_while_used(seen(NOW, recent, stale), seen(later), PROMISES)
    assert [(v.role, v.promise) for v in found] == [("Recent", "deleted_while_used")]
    assert "21 days before it was deleted (the window is 30 days)" in found[0].why


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (role("OrganizationAccountAccessRole"), "managed by organizations"),
        (role("Assumer"), "allow_listed"),
        (role("Held", tags=(("dormant:exempt", "until=2026-04-01 audit"),)), "exempt"),
        (role("Svc", path="/aws-service-role/"), "service_linked"),
    ],
)
def test_kept_roles_are_never_deleted(state: RoleState, says: str) -> None:
    found = deleted_while_kept(seen(NOW, state), seen(NOW), PROMISES)
    assert found
    assert all(v.role == state.name for v in found)
    assert any(says in v.why for v in found)


def test_a_referenced_role_is_never_deleted_but_a_plain_one_may_be() -> None:
    held, plain = role("Held"), role("Plain")
    before = seen(NOW, held, plain, Held=("instance profile ip-Held",))
    found = deleted_while_kept(before, seen(NOW), PROMISES)
    assert [(v.role, v.why) for v in found] == [("Held", "referenced by instance profile ip-Held")]


def test_a_quarantine_needs_a_notice_that_still_holds() -> None:
    start = role("App")
    day7 = NOW + timedelta(days=7)
    on_time = [DeliveredNotice("App", NOW, date(2026, 3, 22))]
    after = seen(day7, quarantined(start, day7))
    assert quarantined_without_notice(seen(NOW, start), after, on_time, PROMISES) == []
    early = seen(NOW + timedelta(days=3), quarantined(start))
    (short,) = quarantined_without_notice(seen(NOW, start), early, on_time, PROMISES)
    assert "3 days before, under the 7 days of notice" in short.why
    late = seen(NOW + timedelta(days=9), quarantined(start))
    (passed,) = quarantined_without_notice(seen(NOW, start), late, on_time, PROMISES)
    assert "announced quarantine on 2026-03-22, which passed" in passed.why
    used = role("App", last_used=NOW + timedelta(days=2))
    (withdrawn,) = quarantined_without_notice(seen(NOW, used), after, on_time, PROMISES)
    assert "after its last notice" in withdrawn.why
    (never,) = quarantined_without_notice(seen(NOW, start), after, [], PROMISES)
    assert never.why == "no notice naming it was ever delivered"


def test_a_delete_needs_a_notice_since_the_quarantine() -> None:
    day30 = NOW + timedelta(days=30)
    history = [seen(NOW, quarantined(role("App"))), seen(day30)]
    (found,) = deleted_without_notice(
        history, [DeliveredNotice("App", NOW - timedelta(1))], PROMISES
    )
    assert found.promise == "deleted_without_notice"
    assert deleted_without_notice(history, [DeliveredNotice("App", NOW)], PROMISES) == []


def test_a_backup_equal_to_the_owners_role_and_read_by_restore() -> None:
    owners = replace(role("App"), instance_profiles=(InstanceProfileRef("ip-App"),))
    whole = RoleBackup(ACCOUNT, NOW, quarantined(owners))
    stripped = RoleBackup(ACCOUNT, NOW, replace(quarantined(owners), instance_profiles=()))
    deleted = {"App": owners}
    assert lost_backups(deleted, {"App": [stripped, whole]}, {"App": whole}, PROMISES) == []
    (read_wrong,) = lost_backups(deleted, {"App": [stripped, whole]}, {"App": stripped}, PROMISES)
    assert "differs from the role in instance_profiles" in read_wrong.why
    (lost,) = lost_backups(deleted, {"App": [stripped]}, {"App": stripped}, PROMISES)
    assert "none of its 1 backup versions" in lost.why


def test_a_quarantined_role_never_loses_its_deny_while_it_exists() -> None:
    held = quarantined(role("App"))
    bare = replace(held, role=replace(held.role, attached_policy_arns=()))
    (found,) = left_without_deny(seen(NOW, held), seen(NOW, bare), PROMISES)
    assert DENY in found.why
    assert left_without_deny(seen(NOW, held), seen(NOW), PROMISES) == []


def test_the_deny_as_the_boundary_counts_as_denied_and_nothing_else_does() -> None:
    own = f"arn:aws:iam::{ACCOUNT}:policy/owner-boundary"
    held = quarantined(role("App", permissions_boundary_arn=own))
    bounded = replace(held, role=replace(held.role, permissions_boundary_arn=DENY))
    bare = replace(bounded, role=replace(bounded.role, attached_policy_arns=()))
    # A delete's boundary step, then its detach: denied throughout, and no other change.
    for before, after in ((held, bounded), (bounded, bare)):
        assert left_without_deny(seen(NOW, before), seen(NOW, after), PROMISES) == []
        assert changed_otherwise(seen(NOW, before), seen(NOW, after), PROMISES) == []
    # The undo gives the role's own boundary back, once the deny is on again.
    assert changed_otherwise(seen(NOW, bounded), seen(NOW, held), PROMISES) == []
    # Another boundary, or the deny's boundary gone with the deny: both still caught.
    other = replace(held, role=replace(held.role, permissions_boundary_arn=None))
    (found,) = changed_otherwise(seen(NOW, held), seen(NOW, other), PROMISES)
    assert found.why == "permissions_boundary_arn changed"
    loose = replace(bare, role=replace(bare.role, permissions_boundary_arn=own))
    (found,) = left_without_deny(seen(NOW, bare), seen(NOW, loose), PROMISES)
    assert "is not on it" in found.why


def test_only_markers_and_a_quarantined_roles_delete_parts_change() -> None:
    app = role("App", inline_policies=(("p", {"Version": "2012-10-17", "Statement": []}),))
    held = quarantined(app)
    stripped = replace(held, role=replace(held.role, inline_policies=()))
    assert changed_otherwise(seen(NOW, app), seen(NOW, held), PROMISES) == []
    assert changed_otherwise(seen(NOW, held), seen(NOW, stripped), PROMISES) == []
    unheld = replace(app, role=replace(app.role, inline_policies=()))
    (found,) = changed_otherwise(seen(NOW, app), seen(NOW, unheld), PROMISES)
    assert found.why == "inline_policies changed"


def test_the_organizations_roles_are_never_marked() -> None:
    org = role("OrganizationAccountAccessRole")
    (found,) = touched_while_kept(seen(NOW, org), seen(NOW, quarantined(org)), PROMISES)
    assert "dormant:quarantined-at, the deny added, but managed by organizations" in found.why
    app = role("App")
    assert touched_while_kept(seen(NOW, app), seen(NOW, quarantined(app)), PROMISES) == []


def test_delete_asks_the_promises_first(tmp_path: Path) -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(role("OrganizationAccountAccessRole").role)
    targets = [Target("OrganizationAccountAccessRole")]
    settings = Settings(max_days=30)
    (refused,) = delete(
        mutator, targets, settings=settings, now=NOW, apply=True, backup_dir=tmp_path
    )
    assert refused.status is Status.REFUSED
    assert "managed by organizations" in refused.message
    assert mutator.write_calls() == []
    (forced,) = delete(
        mutator, targets, settings=settings, now=NOW, apply=True, backup_dir=tmp_path, force=True
    )
    assert forced.status is Status.DONE


def test_delete_refusal_never_lets_force_delete_a_used_role() -> None:
    used = role("App", used_days_ago=3)
    assert "was used on" in str(delete_refusal(used, now=NOW, promises=PROMISES, force=True))
    assert delete_refusal(role("App"), now=NOW, promises=PROMISES) is None
