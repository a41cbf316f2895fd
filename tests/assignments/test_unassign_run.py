"""``dormant unassign``'s and restore's logic over the in-memory writer: refusals, the backup
before any change, the re-check just before it, and failures collected per assignment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dormant.assignments.decide import evaluate_assignment
from dormant.assignments.model import (
    AccountPermissionSet,
    AssignmentFinding,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
)
from dormant.assignments.remediate.backup import (
    LocalTextStore,
    backup_from_text,
    is_assignments_backup,
)
from dormant.assignments.remediate.run import restore_assignments, unassign
from dormant.core.errors import BackupError, RemediationRefused, RoleDataError
from dormant.core.settings import Settings
from dormant.remediation.outcome import Status
from dormant.testing import InMemoryAssignmentWriter

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNT = "111111111111"
INSTANCE = "arn:aws:sso:::instance/ssoins-1111111111111111"
SET = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa"
GROUP = Principal(PrincipalType.GROUP, "g-1", "Admins", 4)
USER = Principal(PrincipalType.USER, "u-1", "jdoe")


def _subject(used_days: int = 200, tags: tuple[tuple[str, str], ...] = ()) -> AccountPermissionSet:
    role = ReservedRole(
        "AWSReservedSSO_Admin_0123456789abcdef",
        f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
        "AROAEXAMPLE",
        "/aws-reserved/sso.amazonaws.com/",
        NOW - timedelta(days=400),
        NOW - timedelta(days=used_days),
    )
    return AccountPermissionSet(
        ACCOUNT,
        INSTANCE,
        "Admin",
        PermissionSet(SET, "Admin", tags=tags),
        (GROUP, USER),
        role,
        identity_store_id="d-1234567890",
    )


def _finding(**kwargs: object) -> AssignmentFinding:
    return evaluate_assignment(_subject(**kwargs), Settings(max_days=90), NOW)  # type: ignore[arg-type]


def _writer(subject: AccountPermissionSet) -> InMemoryAssignmentWriter:
    return InMemoryAssignmentWriter(
        subject.assignments, principals=(GROUP, USER), permission_sets=(SET,)
    )


def test_a_dry_run_plans_and_changes_nothing() -> None:
    finding = _finding()
    writer = _writer(finding.subject)
    outcomes = unassign(lambda: finding, writer, clock=lambda: NOW)
    assert [o.status for o in outcomes] == [Status.PLANNED, Status.PLANNED]
    assert writer.calls == []


def test_apply_backs_up_then_removes_and_restore_gives_back(tmp_path: Path) -> None:
    finding = _finding()
    writer = _writer(finding.subject)
    store = LocalTextStore(tmp_path)
    outcomes = unassign(lambda: finding, writer, apply=True, store=store, clock=lambda: NOW)
    assert [o.status for o in outcomes] == [Status.DONE, Status.DONE]
    assert writer.assigned == {}
    [file] = tmp_path.iterdir()
    text = file.read_text()
    assert is_assignments_backup(text)
    backup = backup_from_text(text, source=str(file))
    assert set(backup.assignments) == set(finding.subject.assignments)
    restored = restore_assignments(backup, writer, apply=True, source=str(file))
    assert [o.status for o in restored] == [Status.DONE, Status.DONE]
    assert set(writer.assigned.values()) == set(finding.subject.assignments)


def test_a_pair_used_since_the_plan_is_skipped_after_the_backup(tmp_path: Path) -> None:
    answers = iter([_finding(), _finding(used_days=1)])
    writer = _writer(_subject())
    outcomes = unassign(
        lambda: next(answers), writer, apply=True, store=LocalTextStore(tmp_path), clock=lambda: NOW
    )
    assert [o.status for o in outcomes] == [Status.SKIPPED]
    assert "re-checked just now" in outcomes[0].message
    assert writer.calls == []
    assert len(list(tmp_path.iterdir())) == 1  # the backup is kept


@pytest.mark.parametrize(
    ("finding", "why"),
    [
        (_finding(used_days=10), "it was used within the window"),
        (_finding(tags=(("dormant:exempt", "until=2026-07-01"),)), "it is exempt"),
    ],
)
def test_refusals(finding: AssignmentFinding, why: str) -> None:
    outcomes = unassign(lambda: finding, _writer(finding.subject), clock=lambda: NOW)
    assert outcomes[0].status is Status.REFUSED
    assert why in outcomes[0].message


def test_the_cap_and_an_unknown_principal_refuse_the_run() -> None:
    finding = _finding()
    with pytest.raises(RemediationRefused, match="more than the limit of 1"):
        unassign(lambda: finding, _writer(finding.subject), max_assignments=1, clock=lambda: NOW)
    with pytest.raises(RemediationRefused, match="not assigned to nobody"):
        unassign(lambda: finding, _writer(finding.subject), principal="nobody", clock=lambda: NOW)
    one = unassign(lambda: finding, _writer(finding.subject), principal="jdoe", clock=lambda: NOW)
    assert len(one) == 1
    assert "user jdoe" in one[0].message


def test_no_removal_without_a_backup_that_reads_back(tmp_path: Path) -> None:
    finding = _finding()
    writer = _writer(finding.subject)

    class Corrupting(LocalTextStore):
        def put_text(self, name: str, text: str) -> None:
            super().put_text(name, text.replace("jdoe", "jdoX"))

    with pytest.raises(BackupError, match="reads back differently"):
        unassign(lambda: finding, writer, apply=True, store=Corrupting(tmp_path), clock=lambda: NOW)
    assert writer.calls == []
    with pytest.raises(RemediationRefused, match="needs --backup-dir"):
        unassign(lambda: finding, writer, apply=True, clock=lambda: NOW)


def test_one_failing_removal_does_not_stop_the_other(tmp_path: Path) -> None:
    finding = _finding()
    writer = _writer(finding.subject)
    writer.failures.plan(
        "DeleteAccountAssignment", "ThrottlingException", "slow down", subject="g-1"
    )
    outcomes = unassign(
        lambda: finding, writer, apply=True, store=LocalTextStore(tmp_path), clock=lambda: NOW
    )
    assert sorted(o.status for o in outcomes) == [Status.DONE, Status.FAILED]


def test_restore_names_a_deleted_permission_set(tmp_path: Path) -> None:
    finding = _finding()
    writer = _writer(finding.subject)
    unassign(lambda: finding, writer, apply=True, store=LocalTextStore(tmp_path), clock=lambda: NOW)
    [file] = tmp_path.iterdir()
    backup = backup_from_text(file.read_text(), source="b.json")
    writer.permission_sets.clear()
    outcomes = restore_assignments(backup, writer, apply=True, source="b.json")
    assert {o.status for o in outcomes} == {Status.FAILED}
    assert "permission set Admin" in outcomes[0].message
    assert "no longer exists" in outcomes[0].message


def test_a_bad_backup_names_the_field(tmp_path: Path) -> None:
    finding = _finding()
    unassign(
        lambda: finding,
        _writer(finding.subject),
        apply=True,
        store=LocalTextStore(tmp_path),
        clock=lambda: NOW,
    )
    [file] = tmp_path.iterdir()
    data = json.loads(file.read_text())
    del data["assignments"][0]["PrincipalId"]
    with pytest.raises(RoleDataError, match="has no PrincipalId"):
        backup_from_text(json.dumps(data), source="b.json")
