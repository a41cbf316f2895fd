"""Backups that cannot be lost: a role's backup is taken before the campaign's first change
to it, its version recorded on the role, and a delete that stopped part-way is finished
from that version, never backed up again; a role someone else quarantined is backed up at
its first delete attempt, and the backup says so."""

from __future__ import annotations

import json
from dataclasses import replace

from campaign_support import ACCOUNT, DENY, EXTRA, INLINE, Account, on, stale, steps

from dormant.remediation import Status
from dormant.remediation.steps import Step
from dormant.remediation.targets import Target
from dormant.roles.remediate import delete_steps, release, restore
from dormant.roles.remediate.backup import TAG_BACKUP_VERSION

NAME = f"{ACCOUNT}-AppRole.json"


def document(account: Account, version: str) -> dict[str, object]:
    found = account.objects.get_version(NAME, version)
    assert found is not None
    return dict(json.loads(found[0]))


def test_a_delete_that_stopped_part_way_is_finished_from_the_first_backup() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole", full=True), instance_profiles=["app-profile"])

    assert steps(account.run(on(0))) == {"AppRole": "notify"}
    (first,) = account.objects.versions(NAME)
    app = account.iam.describe_role("AppRole")
    assert app is not None
    assert app.tag(TAG_BACKUP_VERSION) == first
    saved = document(account, first)
    assert saved["origin"] == "before_first_change"
    assert "dormant:notice-at" not in json.dumps(saved)  # the role as its owner had it

    assert steps(account.run(on(15))) == {"AppRole": "quarantine"}
    assert account.objects.versions(NAME) == [first]

    # Day 45: DeleteRole meets a conflict, and the undo cannot put back what the stack's
    # role may not (only its own deny may be attached again).
    iam = account.iam
    iam.fail("DeleteRole", role_name="AppRole", code="DeleteConflict", message="in use")
    for call in ("PutRolePolicy", "AddRoleToInstanceProfile"):
        iam.fail(call, role_name="AppRole", code="AccessDenied", message="no", times=None)
    iam.fail("AttachRolePolicy", role_name="AppRole", code="AccessDenied", times=None, after=1)
    (failed,) = account.run(on(45)).roles
    assert failed.failed
    stripped = iam.describe_role("AppRole")
    assert stripped is not None
    assert stripped.role.attached_policy_arns == (DENY,)  # still quarantined
    assert stripped.role.inline_policies == ()
    assert stripped.instance_profiles == ()
    iam.failures.clear()

    (finished,) = account.run(on(46)).roles
    assert finished.done, finished.outcome
    assert finished.outcome is not None
    assert "finishing a delete that had stopped part-way" in finished.outcome.message
    assert "AppRole" not in iam.role_names()
    assert account.objects.versions(NAME) == [first]  # never backed up again
    where = f"s3://dormant-backups/roles/{NAME}"
    assert finished.outcome.backup == f"{where}?versionId={first}"

    (restored,) = restore(
        iam, [str(finished.outcome.backup)], apply=True, reader=account.backups.read
    )
    assert restored.status is Status.DONE, restored.message
    assert f"from {where} version {first}" in restored.message
    back = iam.describe_role("AppRole")
    assert back is not None
    assert back.role.attached_policy_arns == (EXTRA,)
    assert [name for name, _ in back.role.inline_policies] == ["app-inline"]
    assert [p.name for p in back.instance_profiles] == ["app-profile"]
    assert dict(back.role.tags) == {"owner": "team-a"}


def test_a_role_quarantined_elsewhere_is_backed_up_at_its_delete_and_the_backup_says_so() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    # The command line (or the SSM automation) quarantined it 40 days before the campaign.
    account.quarantine_elsewhere("AppRole", -40)

    assert steps(account.run(on(0))) == {"AppRole": "notify"}
    assert account.objects.versions(NAME) == []  # not backed up as if untouched

    assert steps(account.run(on(15))) == {"AppRole": "delete"}
    (version,) = account.objects.versions(NAME)
    saved = document(account, version)
    assert saved["origin"] == "at_delete"
    assert "quarantine by the SSM automation, the command line" in str(saved["origin_note"])
    assert DENY in json.dumps(saved)  # as it was then


def test_the_backup_follows_the_owner_until_the_quarantine_and_never_after() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    account.run(on(0))
    (first,) = account.objects.versions(NAME)
    # The owner changes the role during its notice: its quarantine backs it up again first.
    account.iam.execute(
        Step("TagRole", {"RoleName": "AppRole", "Tags": [{"Key": "cost", "Value": "42"}]})
    )
    assert steps(account.run(on(15))) == {"AppRole": "quarantine"}
    first, second = account.objects.versions(NAME)
    assert "cost" in json.dumps(document(account, second))
    # Someone changes it while it is quarantined: that backup could not restore it, and it
    # is not backed up again over a state dormant may have made: not deleted.
    account.iam.execute(
        Step(
            "PutRolePolicy",
            {"RoleName": "AppRole", "PolicyName": "late", "PolicyDocument": json.dumps(INLINE)},
        )
    )
    (refused,) = account.run(on(45)).roles
    assert refused.outcome is not None
    assert refused.outcome.status is Status.REFUSED
    assert f"differs from its recorded backup s3://dormant-backups/roles/{NAME} version " in (
        refused.outcome.message
    )
    assert "inline_policies" in refused.outcome.message
    assert "AppRole" in account.iam.role_names()
    assert account.objects.versions(NAME) == [first, second]


def test_a_backup_taken_at_the_delete_restores_the_role_quarantined_and_says_so() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    account.quarantine_elsewhere("AppRole", -40)
    account.run(on(0))
    (deleted,) = account.run(on(15)).roles
    assert deleted.outcome is not None
    (restored,) = restore(
        account.iam, [str(deleted.outcome.backup)], apply=True, reader=account.backups.read
    )
    assert restored.status is Status.DONE, restored.message
    assert "it comes back quarantined; release it to give its access back" in restored.message


OWN_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/owner-boundary"


def test_a_delete_killed_after_the_deny_came_off_keeps_the_roles_own_boundary() -> None:
    """Killed between the deny's detach and DeleteRole: the role stays bounded by the deny,
    release refuses to hand back an empty role under it, the next run finishes the delete
    from the first backup, and restore gives the role its own boundary, never the deny."""
    account = Account()
    account.iam.add_managed_policy(OWN_BOUNDARY)
    app = replace(stale("AppRole", full=True), permissions_boundary_arn=OWN_BOUNDARY)
    account.iam.add_role(app)
    account.run(on(0))
    assert steps(account.run(on(15))) == {"AppRole": "quarantine"}
    (first,) = account.objects.versions(NAME)
    assert document(account, first)["role"]["permissions_boundary_arn"] == OWN_BOUNDARY  # type: ignore[index]

    iam = account.iam
    state = iam.describe_role("AppRole")
    assert state is not None
    for step in delete_steps(state)[:-1]:  # the run ends just before DeleteRole
        iam.execute(step)
    left = iam.describe_role("AppRole")
    assert left is not None
    assert left.role.attached_policy_arns == ()
    assert left.role.permissions_boundary_arn == DENY

    (refused,) = release(iam, [Target("AppRole")], apply=True, clock=lambda: on(21))
    assert refused.status is Status.REFUSED
    assert "part-way through a delete" in refused.message
    assert iam.describe_role("AppRole") == left

    (finished,) = account.run(on(45)).roles
    assert finished.done, finished.outcome
    assert finished.outcome is not None
    assert "finishing a delete that had stopped part-way" in finished.outcome.message
    assert account.objects.versions(NAME) == [first]

    (restored,) = restore(
        iam, [str(finished.outcome.backup)], apply=True, reader=account.backups.read
    )
    assert restored.status is Status.DONE, restored.message
    back = iam.describe_role("AppRole")
    assert back is not None
    assert back.role.permissions_boundary_arn == OWN_BOUNDARY
    assert back.role.attached_policy_arns == (EXTRA,)
