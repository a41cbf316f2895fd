"""Pure parts of remediation: plans, refusals, targets, and the backup format."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.errors import BackupError, InvalidParameter, RemediationRefused, RoleDataError
from dormant.core.settings import Settings
from dormant.remediation import Step, Target, check_blast_radius, merge_targets, targets_from_scan
from dormant.remediation.quarantine import QUARANTINE_POLICY_NAME, quarantine_policy_document
from dormant.remediation.steps import caller_role
from dormant.roles.model import Role
from dormant.roles.remediate import (
    BACKUP_FORMAT,
    InstanceProfileRef,
    RoleBackup,
    RoleState,
    backup_from_dict,
    backup_path,
    backup_to_dict,
    delete_steps,
    differences,
    is_quarantined,
    quarantine_steps,
    read_backup,
    refusal,
    release_steps,
    restore_steps,
    write_backup,
)

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ACCOUNT = "111111111111"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}],
}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}


def make_state(name: str = "Job", path: str = "/app/", **changes: object) -> RoleState:
    role = Role(
        role_id="AROAEXAMPLE",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        created=datetime(2024, 1, 1, tzinfo=UTC),
        last_used=datetime(2025, 1, 1, 8, 30, 15, 123456, tzinfo=UTC),
        last_used_region="eu-west-1",
        trust_policy=TRUST,
        inline_policies=(("p1", DOC),),
        attached_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        tags=(("team", "data"), ("empty", "")),
        description="nightly job",
        permissions_boundary_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
        account_id=ACCOUNT,
    )
    role = replace(role, **changes)  # type: ignore[arg-type]
    return RoleState(role, 7200, (InstanceProfileRef("job-profile", "/app/"),))


def test_backup_document_round_trips_every_field() -> None:
    backup = RoleBackup(ACCOUNT, NOW, make_state())
    document = json.loads(json.dumps(backup_to_dict(backup)))
    assert document["format"] == BACKUP_FORMAT
    assert document["version"] == 1
    assert document["account_id"] == ACCOUNT
    assert document["captured_at"] == "2026-03-15T12:00:00Z"
    assert document["role"]["instance_profiles"] == [{"name": "job-profile", "path": "/app/"}]
    parsed = backup_from_dict(document, source="mem")
    assert parsed == backup
    assert differences(parsed.state, backup.state) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(format="something-else"), "format"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["role"].pop("trust_policy"), "role.trust_policy"),
        (lambda d: d["role"].update(max_session_duration="3600"), "role.max_session_duration"),
        (lambda d: d["role"]["tags"].append({"value": "x"}), "role.tags[2].key"),
        (lambda d: d["role"].update(arn="arn:aws:iam::222222222222:role/x"), "role.arn"),
        (lambda d: d["role"]["attached_policy_arns"].append("ReadOnly"), "attached_policy_arns"),
        (lambda d: d.update(captured_at="yesterday"), "captured_at"),
    ],
)
def test_bad_backups_are_rejected_naming_the_field(change: object, field: str) -> None:
    document = backup_to_dict(RoleBackup(ACCOUNT, NOW, make_state()))
    change(document)  # type: ignore[operator]
    with pytest.raises(RoleDataError, match=r"backup f\.json: field .*" + field.split("[")[0]):
        backup_from_dict(document, source="f.json")


def test_write_backup_is_atomic_and_keeps_an_older_different_backup(tmp_path: Path) -> None:
    first = RoleBackup(ACCOUNT, datetime(2026, 1, 1, tzinfo=UTC), make_state())
    path = write_backup(tmp_path, first)
    assert path == backup_path(tmp_path, ACCOUNT, "Job") == tmp_path / f"{ACCOUNT}-Job.json"
    assert read_backup(path) == first
    # The same state again replaces the file; a different one moves the older one aside.
    write_backup(tmp_path, replace(first, captured_at=NOW))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{ACCOUNT}-Job.json"]
    changed = RoleBackup(ACCOUNT, NOW, make_state(description="changed"))
    write_backup(tmp_path, changed)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{ACCOUNT}-Job.20260315T120000Z.json", f"{ACCOUNT}-Job.json"]
    assert read_backup(path) == changed
    assert read_backup(tmp_path / names[0]).state.role.description == "nightly job"


def test_a_backup_that_cannot_be_written_is_a_backup_error_not_bad_role_data(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    backup = RoleBackup(ACCOUNT, NOW, make_state())
    with pytest.raises(BackupError, match=r"backup directory .*not-a-folder: cannot be created"):
        write_backup(blocked, backup)
    with pytest.raises(BackupError, match=r"not-a-folder/sub: cannot be created") as caught:
        write_backup(blocked / "sub", backup)
    assert not isinstance(caught.value, RoleDataError)
    assert caught.value.exit_code == 2


def test_read_backup_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(RoleDataError, match=r"bad\.json: not valid JSON"):
        read_backup(bad)
    with pytest.raises(RoleDataError, match=r"missing\.json: cannot be read"):
        read_backup(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:sts::111111111111:assumed-role/Admin/alice", ("111111111111", "Admin")),
        ("arn:aws-us-gov:sts::111111111111:assumed-role/a.b@c/s/x", ("111111111111", "a.b@c")),
        ("arn:aws:iam::111111111111:user/alice", None),
        ("arn:aws:sts::111111111111:federated-user/bob", None),
    ],
)
def test_caller_role(arn: str, expected: tuple[str, str] | None) -> None:
    assert caller_role(arn) == expected


def test_refusals() -> None:
    slr = make_state("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/").role
    reserved = make_state("AWSReservedSSO_Admin_1", "/aws-reserved/sso.amazonaws.com/").role
    job = make_state().role
    assert "service-linked" in (refusal(slr) or "")
    assert "AWS-reserved" in (refusal(reserved) or "")
    allow = Settings(allow_patterns=("/other", "/app/J*"))
    assert refusal(job, settings=allow) == "role Job (/app/Job) matches allow-list pattern /app/J*"
    me = f"arn:aws:sts::{ACCOUNT}:assumed-role/Job/session-1"
    assert refusal(job, caller_arn=me) == f"role Job is the role this command runs as ({me})"
    assert refusal(job, caller_arn="arn:aws:sts::222222222222:assumed-role/Job/s") is None
    assert refusal(job, settings=Settings(), caller_arn="arn:aws:iam::1:user/x") is None


def test_quarantine_plan_and_release_plan_mirror_each_other() -> None:
    state = make_state()
    steps = quarantine_steps(state, NOW, "arn:aws:iam::111111111111:user/ops")
    assert [s.operation for s in steps] == ["PutRolePolicy", "TagRole"]
    assert json.loads(steps[0].params["PolicyDocument"]) == quarantine_policy_document(NOW)
    assert steps[0].params["PolicyName"] == QUARANTINE_POLICY_NAME
    assert [s.operation for s in steps[0].undo] == ["DeleteRolePolicy"]
    quarantined = replace(
        state,
        role=replace(
            state.role,
            inline_policies=(
                *state.role.inline_policies,
                (QUARANTINE_POLICY_NAME, quarantine_policy_document(NOW)),
            ),
            tags=(
                *state.role.tags,
                ("dormant:quarantined-at", "x"),
                ("dormant:quarantined-by", "y"),
            ),
        ),
    )
    assert is_quarantined(quarantined)
    assert quarantine_steps(quarantined, NOW, "arn") == []
    release = release_steps(quarantined)
    assert [(s.operation, dict(s.params)) for s in release] == [
        ("DeleteRolePolicy", {"RoleName": "Job", "PolicyName": QUARANTINE_POLICY_NAME}),
        (
            "UntagRole",
            {"RoleName": "Job", "TagKeys": ["dormant:quarantined-at", "dormant:quarantined-by"]},
        ),
    ]
    assert release_steps(state) == []


def test_the_quarantined_by_tag_holds_only_what_iam_accepts_in_a_tag_value() -> None:
    caller = "arn:aws:sts::111111111111:assumed-role/Ops/alice,bob@example.com"
    [_, tag] = quarantine_steps(make_state(), NOW, caller)
    assert tag.params["Tags"][1] == {
        "Key": "dormant:quarantined-by",
        "Value": "arn:aws:sts::111111111111:assumed-role/Ops/alice_bob@example.com",
    }


def test_delete_plan_follows_iams_dependency_order_and_restore_reverses_it() -> None:
    state = make_state()
    assert [s.describe() for s in delete_steps(state)] == [
        "iam:RemoveRoleFromInstanceProfile InstanceProfileName=job-profile RoleName=Job",
        "iam:DetachRolePolicy RoleName=Job PolicyArn=arn:aws:iam::aws:policy/ReadOnlyAccess",
        "iam:DeleteRolePolicy RoleName=Job PolicyName=p1",
        "iam:DeleteRole RoleName=Job",
    ]
    restore = restore_steps(state, [InstanceProfileRef("job-profile", "/app/")])
    assert [s.operation for s in restore] == [
        "CreateRole",
        "PutRolePolicy",
        "AttachRolePolicy",
        "CreateInstanceProfile",
        "AddRoleToInstanceProfile",
    ]
    create = restore[0].params
    assert create["Path"] == "/app/"
    assert create["MaxSessionDuration"] == 7200
    assert create["PermissionsBoundary"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert create["Tags"] == [{"Key": "team", "Value": "data"}, {"Key": "empty", "Value": ""}]
    assert json.loads(create["AssumeRolePolicyDocument"]) == TRUST
    assert restore[3].params == {"InstanceProfileName": "job-profile", "Path": "/app/"}


def test_steps_only_name_write_operations_and_print_on_one_line() -> None:
    with pytest.raises(ValueError, match="GetRole"):
        Step("GetRole", {"RoleName": "x"})
    long = Step("PutRolePolicy", {"RoleName": "x", "PolicyDocument": "x" * 500})
    assert len(long.describe()) < 160
    assert "\n" not in long.describe()


def test_targets_from_scan_takes_non_compliant_findings_with_their_account() -> None:
    scan = {
        "kind": "scan",
        "findings": [
            {"role_name": "A", "compliance": "NON_COMPLIANT", "account_id": ACCOUNT},
            {"role_name": "B", "compliance": "COMPLIANT", "account_id": ACCOUNT},
            {"role_name": "C", "compliance": "NON_COMPLIANT", "account_id": "222222222222"},
            {"role_name": "D", "compliance": "NON_COMPLIANT"},
        ],
    }
    assert targets_from_scan(json.dumps(scan), source="scan.json") == [
        Target("A", ACCOUNT),
        Target("C", "222222222222"),
        Target("D", ""),
    ]
    with pytest.raises(InvalidParameter, match=r"scan\.json has no top-level 'findings'"):
        targets_from_scan("[]", source="scan.json")
    with pytest.raises(InvalidParameter, match="not valid JSON"):
        targets_from_scan("{", source="scan.json")
    with pytest.raises(InvalidParameter, match=r"findings\[0\] has no role_name"):
        targets_from_scan(
            '{"kind": "scan", "findings": [{"compliance": "NON_COMPLIANT"}]}', source="s"
        )


def test_a_finding_aws_and_dormant_disagree_on_is_never_a_target() -> None:
    scan = {
        "kind": "scan",
        "findings": [
            {"role_name": "A", "compliance": "NON_COMPLIANT", "agrees": True},
            {"role_name": "B", "compliance": "NON_COMPLIANT", "agrees": False},
            {"role_name": "C", "compliance": "NON_COMPLIANT", "agrees": None},
        ],
    }
    targets = targets_from_scan(json.dumps(scan), source="scan.json")
    assert targets == [Target("A", ""), Target("C", "")]


def test_merged_targets_name_each_role_once_and_keep_the_findings_account() -> None:
    merged = merge_targets(
        [Target("A"), Target("B"), Target("A")],
        [Target("B", ACCOUNT), Target("C", ACCOUNT), Target("C", "222222222222")],
    )
    assert merged == [Target("A"), Target("B", ACCOUNT), Target("C", ACCOUNT)]


def test_blast_radius() -> None:
    check_blast_radius(10, 10)
    with pytest.raises(RemediationRefused, match="11 roles exceed the limit of 10"):
        check_blast_radius(11, 10)


@pytest.mark.parametrize("max_roles", [0, -3])
def test_a_bad_max_roles_is_an_invalid_parameter_naming_the_option(max_roles: int) -> None:
    with pytest.raises(InvalidParameter, match=f"--max-roles: must be at least 1, got {max_roles}"):
        check_blast_radius(1, max_roles)


_names = st.text(alphabet="abcXYZ019+=,.@_-", min_size=1, max_size=20)
_values = st.text(max_size=30)


@given(
    tags=st.dictionaries(_names, _values, max_size=5),
    policies=st.dictionaries(_names, st.dictionaries(_names, _values, max_size=3), max_size=4),
    profiles=st.lists(st.tuples(_names, st.sampled_from(["/", "/a/", "/a/b/"])), max_size=3),
    description=st.one_of(st.none(), _values),
    max_session=st.integers(min_value=3600, max_value=43200),
)
def test_any_role_survives_the_backup_format(
    tags: dict[str, str],
    policies: dict[str, dict[str, str]],
    profiles: list[tuple[str, str]],
    description: str | None,
    max_session: int,
) -> None:
    base = make_state()
    state = RoleState(
        replace(
            base.role,
            tags=tuple(tags.items()),
            inline_policies=tuple((name, dict(doc)) for name, doc in policies.items()),
            description=description,
        ),
        max_session,
        tuple(InstanceProfileRef(n, p) for n, p in profiles),
    )
    backup = RoleBackup(ACCOUNT, NOW, state)
    text = json.dumps(backup_to_dict(backup))
    parsed = backup_from_dict(json.loads(text), source="mem")
    assert differences(parsed.state, state) == []
    assert parsed == backup
