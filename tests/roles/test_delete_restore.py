"""Delete with a verified backup, and restore, against the simulated account."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dormant.core.settings import Settings
from dormant.remediation import Outcome, Status, Target
from dormant.remediation.quarantine import QUARANTINE_POLICY_NAME
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate import (
    BACKUP_FORMAT,
    RoleState,
    backup_path,
    delete,
    quarantine,
    read_backup,
    release,
    restore,
)
from dormant_sim import faults
from dormant_sim.seed import ensure_aws_managed_policy
from dormant_sim.server import Simulation
from remediation_support import ACCOUNT, READ_ONLY, describe_raw, put_full_role, role_exists

# Fields IAM assigns on creation (or usage sets) and a recreated role cannot keep.
ASSIGNED = ("RoleId", "CreateDate", "RoleLastUsed")


def run_delete(
    mutator: IamRoleMutator,
    names: Iterable[str],
    now: datetime,
    backup_dir: Path,
    *,
    apply: bool = True,
) -> list[Outcome]:
    return list(
        delete(
            mutator,
            [Target(n) for n in names],
            settings=Settings(),
            now=now,
            apply=apply,
            backup_dir=backup_dir,
            clock=lambda: now,
        )
    )


def without_assigned(description: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in description.items() if k not in ASSIGNED}


def test_delete_then_restore_gives_back_an_equal_role(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    iam = sim.client("iam")
    before = describe_raw(iam, "OldJob")

    [deleted] = run_delete(mutator, ["OldJob"], now, tmp_path)
    assert deleted.status is Status.DONE
    assert not role_exists(iam, "OldJob")
    path = backup_path(tmp_path, ACCOUNT, "OldJob")
    assert deleted.backup == path
    document = json.loads(path.read_text())
    assert document["format"] == BACKUP_FORMAT
    assert document["account_id"] == ACCOUNT
    role = document["role"]
    assert role["arn"] == before["Arn"]
    assert role["role_id"] == before["RoleId"]
    assert role["max_session_duration"] == 7200
    assert role["permissions_boundary_arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert role["description"] == "OldJob for the nightly job"
    assert sorted(p["name"] for p in role["inline_policies"]) == ["read-bucket", "write-logs"]
    assert sorted(role["attached_policy_arns"]) == before["Attached"]
    assert role["instance_profiles"] == [{"name": "OldJob-profile", "path": "/"}]
    assert {t["key"]: t["value"] for t in role["tags"]} == {"team": "data", "cost-center": "42"}
    # The backup's version recorded on the role first (a delete that stops part-way is
    # finished from it), then IAM's dependency order, nothing skipped.
    assert [c.operation for c in sim.recorder.write_calls()] == [
        "TagRole",
        "RemoveRoleFromInstanceProfile",
        "DetachRolePolicy",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ]

    [restored] = list(restore(mutator, [path], apply=True))
    assert restored.status is Status.DONE, restored.message
    after = describe_raw(iam, "OldJob")
    assert after["RoleId"] != before["RoleId"]
    assert without_assigned(after) == without_assigned(before)


def test_restore_recreates_a_deleted_instance_profile_with_its_path(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    iam = sim.client("iam")
    iam.create_instance_profile(InstanceProfileName="web", Path="/fleet/")
    put_full_role(sim, "WebRole", now, instance_profile="web")
    before = describe_raw(iam, "WebRole")
    run_delete(mutator, ["WebRole"], now, tmp_path)
    iam.delete_instance_profile(InstanceProfileName="web")

    [restored] = list(restore(mutator, [backup_path(tmp_path, ACCOUNT, "WebRole")], apply=True))
    assert restored.status is Status.DONE, restored.message
    assert [s.operation for s in restored.steps][-2:] == [
        "CreateInstanceProfile",
        "AddRoleToInstanceProfile",
    ]
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Path"] == (
        "/fleet/"
    )
    assert without_assigned(describe_raw(iam, "WebRole")) == without_assigned(before)


def test_delete_dry_run_writes_nothing_anywhere(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    [planned] = run_delete(mutator, ["OldJob"], now, tmp_path / "backups", apply=False)
    assert planned.status is Status.PLANNED
    assert planned.steps[-1].describe() == "iam:DeleteRole RoleName=OldJob"
    assert sim.recorder.write_calls() == []
    assert not (tmp_path / "backups").exists()
    assert role_exists(sim.client("iam"), "OldJob")


def test_a_conflict_on_one_role_leaves_it_intact_and_the_others_deleted(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    for name in ("JobA", "JobB", "JobC"):
        put_full_role(sim, name, now)
    iam = sim.client("iam")
    before = describe_raw(iam, "JobB")
    sim.inject_error(
        "iam",
        "DeleteRole",
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        status=409,
        when=lambda params: params.get("RoleName") == "JobB",
    )
    outcomes = run_delete(mutator, ["JobA", "JobB", "JobC"], now, tmp_path)
    assert [o.status for o in outcomes] == [Status.DONE, Status.FAILED, Status.DONE]
    assert "iam:DeleteRole failed" in outcomes[1].message
    assert "DeleteConflict" in outcomes[1].message
    assert "the 5 earlier change(s) were undone" in outcomes[1].message
    assert outcomes[1].message.endswith(f"; backup {backup_path(tmp_path, ACCOUNT, 'JobB')}")
    assert not role_exists(iam, "JobA")
    assert not role_exists(iam, "JobC")
    after = describe_raw(iam, "JobB")
    # As it was, and its verified backup recorded on it: the next attempt relies on that.
    recorded = [t for t in after["Tags"] if t["Key"] == "dormant:backup-version"]
    assert len(recorded) == 1
    after["Tags"] = [t for t in after["Tags"] if t["Key"] != "dormant:backup-version"]
    assert after == before
    assert backup_path(tmp_path, ACCOUNT, "JobB").exists()


def test_deleting_a_role_already_gone_with_its_backup_is_not_an_error(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    run_delete(mutator, ["OldJob"], now, tmp_path)
    sim.recorder.reset()
    [again] = run_delete(mutator, ["OldJob"], now, tmp_path)
    assert again.status is Status.UNCHANGED
    assert again.message.startswith("role OldJob is already deleted, backup ")
    assert sim.recorder.write_calls() == []

    [no_backup] = run_delete(mutator, ["OldJob"], now, tmp_path / "elsewhere")
    assert no_backup.status is Status.FAILED
    assert "does not exist in account 123456789012 and there is no backup" in no_backup.message


def test_service_linked_roles_are_refused_although_the_simulation_would_delete_them(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    sim.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=now - timedelta(days=800),
    )
    [refused] = run_delete(mutator, ["AWSServiceRoleForSupport"], now, tmp_path)
    assert refused.status is Status.REFUSED
    assert "service-linked" in refused.message
    assert sim.recorder.write_calls() == []
    assert role_exists(sim.client("iam"), "AWSServiceRoleForSupport")
    assert not tmp_path.joinpath(f"{ACCOUNT}-AWSServiceRoleForSupport.json").exists()


def test_a_recently_used_role_is_not_deleted(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "BusyAgain", now, last_used_days=1)
    [skipped] = run_delete(mutator, ["BusyAgain"], now, tmp_path)
    assert skipped.status is Status.SKIPPED
    assert sim.recorder.write_calls() == []
    assert role_exists(sim.client("iam"), "BusyAgain")


class ChangesDuringBackup(IamRoleMutator):
    """Someone attaches a policy to the role while its backup is being written."""

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim.client("iam"), sim.client("sts"))
        self._sim = sim
        self.reads = 0

    def describe_role(self, name: str) -> RoleState | None:
        self.reads += 1
        if self.reads == 2:
            self._sim.client("iam").attach_role_policy(
                RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
            )
        return super().describe_role(name)


def test_no_delete_when_the_backup_does_not_match_the_live_role(
    sim: Simulation, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    ensure_aws_managed_policy(ACCOUNT, "arn:aws:iam::aws:policy/AdministratorAccess")
    [failed] = run_delete(ChangesDuringBackup(sim), ["OldJob"], now, tmp_path)
    assert failed.status is Status.FAILED
    assert "does not match role OldJob" in failed.message
    assert "attached_policy_arns" in failed.message
    assert "nothing deleted" in failed.message
    assert [c.operation for c in sim.recorder.write_calls()] == ["AttachRolePolicy"]
    assert role_exists(sim.client("iam"), "OldJob")


def test_restore_is_idempotent_and_refuses_to_overwrite_a_different_role(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    run_delete(mutator, ["OldJob"], now, tmp_path)
    path = backup_path(tmp_path, ACCOUNT, "OldJob")
    list(restore(mutator, [path], apply=True))
    sim.recorder.reset()

    [same] = list(restore(mutator, [path], apply=True))
    assert same.status is Status.UNCHANGED
    assert sim.recorder.write_calls() == []

    iam = sim.client("iam")
    iam.tag_role(RoleName="OldJob", Tags=[{"Key": "team", "Value": "platform"}])
    sim.recorder.reset()
    [refused] = list(restore(mutator, [path], apply=True))
    assert refused.status is Status.REFUSED
    assert refused.message == (
        f"role OldJob already exists and differs from backup {path} in tags; it was not changed"
    )
    assert sim.recorder.write_calls() == []


def test_restore_refuses_a_backup_from_another_account(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    run_delete(mutator, ["OldJob"], now, tmp_path)
    path = backup_path(tmp_path, ACCOUNT, "OldJob")
    document = json.loads(path.read_text())
    document["account_id"] = "222222222222"
    document["role"]["arn"] = "arn:aws:iam::222222222222:role/app/OldJob"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document))
    sim.recorder.reset()
    [refused] = list(restore(mutator, [other], apply=True))
    assert refused.status is Status.REFUSED
    assert "in account 222222222222, but the credentials act in account" in refused.message
    assert sim.recorder.write_calls() == []


def test_a_failed_restore_removes_what_it_created(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    run_delete(mutator, ["OldJob"], now, tmp_path)
    path = backup_path(tmp_path, ACCOUNT, "OldJob")
    sim.inject_error("iam", "AttachRolePolicy", "LimitExceeded", "Cannot exceed quota")
    [failed] = list(restore(mutator, [path], apply=True))
    assert failed.status is Status.FAILED
    assert "iam:AttachRolePolicy failed" in failed.message
    assert not role_exists(sim.client("iam"), "OldJob")
    # The backup is untouched and a second attempt succeeds.
    assert read_backup(path).state.name == "OldJob"
    [retried] = list(restore(mutator, [path], apply=True))
    assert retried.status is Status.DONE


def test_a_broken_backup_fails_alone(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim, "OldJob", now)
    run_delete(mutator, ["OldJob"], now, tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "dormant.role-backup", "version": 7}')
    good = backup_path(tmp_path, ACCOUNT, "OldJob")
    outcomes = list(restore(mutator, [broken, good], apply=True))
    assert [o.status for o in outcomes] == [Status.FAILED, Status.DONE]
    assert outcomes[0].message == (
        f"backup {broken}: field version is 7; this dormant reads version 1 only"
    )


DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll"


def _inline_quarantined(sim: Simulation, mutator: IamRoleMutator, now: datetime) -> None:
    put_full_role(sim, "OldJob", now)
    ensure_aws_managed_policy(ACCOUNT, DENY_ALL)
    (held,) = quarantine(
        mutator, [Target("OldJob")], settings=Settings(), now=now, apply=True, clock=lambda: now
    )
    assert held.status is Status.DONE, held.message


def test_a_delete_killed_before_delete_role_leaves_the_inline_quarantined_role_denied(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    """The command line's inline quarantine cannot be a boundary: before it is deleted for
    DeleteRole, AWS's AWSDenyAll becomes the role's boundary. A run killed there leaves the
    role denied; release refuses it; the next delete finishes from the first backup, and
    restore gives back the role's own boundary."""
    _inline_quarantined(sim, mutator, now)
    (planned,) = run_delete(mutator, ["OldJob"], now, tmp_path, apply=False)
    operations = [s.operation for s in planned.steps]
    assert operations[-3:] == ["PutRolePermissionsBoundary", "DeleteRolePolicy", "DeleteRole"]
    assert planned.steps[-3].params["PermissionsBoundary"] == DENY_ALL
    assert planned.steps[-2].params["PolicyName"] == QUARANTINE_POLICY_NAME

    faults.kill_at("iam", "DeleteRole", when=lambda params: params.get("RoleName") == "OldJob")
    with pytest.raises(faults.RunKilled):
        run_delete(mutator, ["OldJob"], now, tmp_path)
    sim.clear_injections()
    iam = sim.client("iam")
    left = describe_raw(iam, "OldJob")
    assert left["Inline"] == {}
    assert left["Attached"] == []
    assert left["PermissionsBoundary"]["PermissionsBoundaryArn"] == DENY_ALL

    (refused,) = release(mutator, [Target("OldJob")], apply=True, clock=lambda: now)
    assert refused.status is Status.REFUSED
    assert "part-way through a delete" in refused.message

    (finished,) = run_delete(mutator, ["OldJob"], now, tmp_path)
    assert finished.status is Status.DONE, finished.message
    assert not role_exists(iam, "OldJob")
    (restored,) = restore(mutator, [backup_path(tmp_path, ACCOUNT, "OldJob")], apply=True)
    assert restored.status is Status.DONE, restored.message
    back = describe_raw(iam, "OldJob")
    assert back["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY


def test_a_failed_delete_role_gives_the_inline_quarantined_role_its_own_boundary_back(
    sim: Simulation, mutator: IamRoleMutator, now: datetime, tmp_path: Path
) -> None:
    _inline_quarantined(sim, mutator, now)
    sim.inject_error(
        "iam",
        "DeleteRole",
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        status=409,
        when=lambda params: params.get("RoleName") == "OldJob",
    )
    (failed,) = run_delete(mutator, ["OldJob"], now, tmp_path)
    assert failed.status is Status.FAILED
    back = describe_raw(sim.client("iam"), "OldJob")
    assert QUARANTINE_POLICY_NAME in back["Inline"]  # the deny back first
    assert back["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
