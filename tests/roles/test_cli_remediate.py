"""The remediation commands as users run them: subprocesses against the loopback simulation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto.iam.models import iam_backends

from dormant_sim.server import SimulatedAws
from remediation_support import ACCOUNT, describe_raw, put_full_role, role_exists

AS_OF = "2026-03-15T12:00:00Z"  # the `now` fixture


def dormant(
    server: SimulatedAws, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        input=input,
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def test_quarantine_dry_run_prints_the_plan_and_writes_nothing(
    sim_server: SimulatedAws, now: datetime
) -> None:
    put_full_role(sim_server, "OldJob", now)
    result = dormant(sim_server, "quarantine", "OldJob", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "dry run: nothing will be changed; add --apply to make these calls"
    # Quarantine goes ahead on a referenced role (it is reversible) and names what loses access.
    assert lines[1] == (
        "planned: would quarantine role OldJob (owner: data); these will lose access: "
        "AWS::IAM::InstanceProfile OldJob-profile (instance-profile)"
    )
    assert lines[2].startswith(
        "  iam:PutRolePolicy RoleName=OldJob PolicyName=dormant-quarantine PolicyDocument="
    )
    assert lines[3].startswith("  iam:TagRole RoleName=OldJob Tags=dormant:quarantined-at=20")
    assert lines[3].endswith(f",dormant:quarantined-by=arn:aws:sts::{ACCOUNT}:user/moto")
    assert lines[-1] == ("summary: planned 1, done 0, unchanged 0, skipped 0, refused 0, failed 0")
    assert sim_server.recorder.write_calls() == []
    assert sim_server.recorder.calls("sts", "GetCallerIdentity") == 1


def test_quarantine_and_release_with_apply(sim_server: SimulatedAws, now: datetime) -> None:
    put_full_role(sim_server, "OldJob", now)
    client = sim_server.client("iam")
    before = describe_raw(client, "OldJob")

    result = dormant(sim_server, "quarantine", "OldJob", "--apply")
    assert result.returncode == 0, result.stderr
    assert "dry run" not in result.stdout
    assert (
        "done: quarantined role OldJob (owner: data); these will lose access: "
        + ("AWS::IAM::InstanceProfile OldJob-profile (instance-profile)")
        in result.stdout.splitlines()
    )
    assert "dormant-quarantine" in describe_raw(client, "OldJob")["Inline"]

    again = dormant(sim_server, "quarantine", "OldJob", "--apply")
    assert "unchanged: role OldJob is already quarantined" in again.stdout.splitlines()

    released = dormant(sim_server, "release", "OldJob", "--apply")
    assert released.returncode == 0, released.stderr
    assert released.stdout.splitlines() == [
        "done: released role OldJob",
        "  iam:DeleteRolePolicy RoleName=OldJob PolicyName=dormant-quarantine",
        "  iam:UntagRole RoleName=OldJob TagKeys=dormant:quarantined-at,dormant:quarantined-by",
        "summary: planned 0, done 1, unchanged 0, skipped 0, refused 0, failed 0",
    ]
    assert describe_raw(client, "OldJob") == before


def test_refusals_exit_1_with_a_summary(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    sim_server.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=now - timedelta(days=800),
    )
    sim_server.put_role(ACCOUNT, "breakglass-role", created=now - timedelta(days=800))
    put_full_role(sim_server, "OldJob", now)
    result = dormant(
        sim_server,
        "delete",
        "AWSServiceRoleForSupport",
        "breakglass-role",
        "OldJob",
        "--backup-dir",
        str(tmp_path),
        "--allow",
        "/breakglass-role",
        "--apply",
        "--force",  # OldJob is in an instance profile: referenced
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "refused: role AWSServiceRoleForSupport is service-linked "
        "(path /aws-service-role/support.amazonaws.com/)"
    )
    assert lines[1] == (
        "refused: role breakglass-role (/breakglass-role) matches allow-list pattern "
        "/breakglass-role"
    )
    assert lines[-1] == "summary: planned 0, done 1, unchanged 0, skipped 0, refused 2, failed 0"
    assert role_exists(sim_server.client("iam"), "AWSServiceRoleForSupport")
    assert role_exists(sim_server.client("iam"), "breakglass-role")
    assert not role_exists(sim_server.client("iam"), "OldJob")


def test_delete_and_restore_from_the_command_line(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim_server, "OldJob", now)
    client = sim_server.client("iam")
    before = describe_raw(client, "OldJob")
    backups = tmp_path / "backups"

    # OldJob is in an instance profile: referenced, so it takes --force.
    refused = dormant(sim_server, "delete", "OldJob", "--backup-dir", str(backups), "--apply")
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[0] == (
        "refused: role OldJob is referenced by 1 resource or policy: "
        "AWS::IAM::InstanceProfile OldJob-profile (instance-profile); delete them or repoint "
        "them to another role first, or give --force"
    )
    assert role_exists(client, "OldJob")
    deleted = dormant(
        sim_server,
        "delete",
        "OldJob",
        "--backup-dir",
        str(backups),
        "--apply",
        "--force",
    )
    assert deleted.returncode == 0, deleted.stderr
    backup = backups / f"{ACCOUNT}-OldJob.json"
    assert (
        f"done: deleted role OldJob, backup {backup} (owner: data)" in deleted.stdout.splitlines()
    )
    assert not role_exists(client, "OldJob")

    again = dormant(sim_server, "delete", "OldJob", "--backup-dir", str(backups), "--apply")
    assert again.returncode == 0, again.stderr
    assert f"unchanged: role OldJob is already deleted, backup {backup}" in again.stdout

    plan = dormant(sim_server, "restore", str(backup))
    assert plan.returncode == 0, plan.stderr
    [planned] = [line for line in plan.stdout.splitlines() if line.startswith("planned: ")]
    assert planned.startswith(f"planned: would restore role OldJob from {backup}; ")
    assert "resource policies outside IAM that named it now hold AROA" in planned
    # The backup kept what referenced the role; the restore names it to re-check.
    recheck = (
        "; when it was deleted it was referenced by: AWS::IAM::InstanceProfile OldJob-profile "
        "(instance-profile): check that they work again; "
    )
    assert recheck in planned
    assert json.loads(backup.read_text())["references"] == [
        {
            "type": "AWS::IAM::InstanceProfile",
            "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/OldJob-profile",
            "name": "OldJob-profile",
            "account_id": ACCOUNT,
            "region": None,
            "via": "instance-profile",
            "source": "iam",
            "state": None,
        }
    ]
    assert "  iam:CreateRole Path=/app/ RoleName=OldJob" in plan.stdout
    assert not role_exists(client, "OldJob")

    restored = dormant(sim_server, "restore", str(backup), "--apply")
    assert restored.returncode == 0, restored.stderr
    assert f"done: restored role OldJob from {backup}" in restored.stdout
    assert recheck + "resource policies outside IAM" in restored.stdout
    after = describe_raw(client, "OldJob")
    assigned = ("RoleId", "CreateDate", "RoleLastUsed")
    assert {k: v for k, v in after.items() if k not in assigned} == {
        k: v for k, v in before.items() if k not in assigned
    }


def test_max_roles_refuses_the_whole_run_before_any_call(
    sim_server: SimulatedAws, now: datetime
) -> None:
    names = [f"Job{i}" for i in range(3)]
    for name in names:
        put_full_role(sim_server, name, now)
    result = dormant(sim_server, "quarantine", *names, "--max-roles", "2", "--apply")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "dormant: error: 3 roles exceed the limit of 2 per run; nothing was changed. "
        "Raise it with --max-roles 3 if this is intended"
    ]
    assert sim_server.recorder.calls() == 0

    raised = dormant(sim_server, "quarantine", *names, "--max-roles", "3", "--apply")
    assert raised.returncode == 0, raised.stderr
    assert raised.stdout.splitlines()[-1].startswith("summary: planned 0, done 3,")


def test_scan_json_piped_into_quarantine(sim_server: SimulatedAws, now: datetime) -> None:
    put_full_role(sim_server, "StaleJob", now)
    put_full_role(sim_server, "BusyJob", now, last_used_days=1)
    scan = dormant(sim_server, "scan", "--format", "json", "--as-of", AS_OF)
    assert scan.returncode in (0, 1), scan.stderr
    assert {f["role_name"] for f in json.loads(scan.stdout)["findings"]} >= {
        "StaleJob",
        "BusyJob",
    }
    sim_server.recorder.reset()

    result = dormant(sim_server, "quarantine", "--from", "-", "--as-of", AS_OF, input=scan.stdout)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "planned: would quarantine role StaleJob (owner: data); these will lose access: "
        + ("AWS::IAM::InstanceProfile StaleJob-profile (instance-profile)")
        in lines
    )
    assert not any("BusyJob" in line for line in lines)
    assert sim_server.recorder.write_calls() == []


def test_a_role_used_after_the_scan_is_skipped(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    put_full_role(sim_server, "StaleJob", now)
    scan = dormant(sim_server, "scan", "--format", "json", "--as-of", AS_OF)
    [finding] = json.loads(scan.stdout)["findings"]
    assert finding["compliance"] == "NON_COMPLIANT"
    # Someone uses the role between the scan and the remediation (which, with --apply,
    # judges as of the clock).
    used = datetime.now(UTC) - timedelta(hours=5)
    iam_backends[ACCOUNT]["aws"].get_role("StaleJob").last_used = used
    sim_server.recorder.reset()

    result = dormant(
        sim_server,
        "delete",
        "--from",
        "-",
        "--backup-dir",
        str(tmp_path),
        "--apply",
        input=scan.stdout,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "skipped: role StaleJob is no longer unused "
        "(COMPLIANT: Was last used in us-east-1 0 days ago)",
        "summary: planned 0, done 0, unchanged 0, skipped 1, refused 0, failed 0",
    ]
    assert sim_server.recorder.write_calls() == []
    assert role_exists(sim_server.client("iam"), "StaleJob")


def test_a_scan_from_another_account_is_refused_per_role(
    sim_server: SimulatedAws, now: datetime
) -> None:
    put_full_role(sim_server, "StaleJob", now)
    scan = {
        "kind": "scan",
        "findings": [
            {"account_id": "222222222222", "role_name": "StaleJob", "compliance": "NON_COMPLIANT"}
        ],
    }
    result = dormant(sim_server, "quarantine", "--from", "-", "--apply", input=json.dumps(scan))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "refused: the finding for role StaleJob is in account 222222222222, "
        f"but the credentials act in account {ACCOUNT}"
    )
    assert sim_server.recorder.write_calls() == []


def test_usage_errors_are_one_line_and_exit_2(sim_server: SimulatedAws, tmp_path: Path) -> None:
    nothing = dormant(sim_server, "quarantine")
    assert nothing.returncode == 2
    assert nothing.stderr.splitlines() == [
        "dormant: error: invalid parameter ROLE: name at least one role, or give --from FILE"
    ]
    bad_scan = dormant(
        sim_server, "delete", "--from", "-", "--backup-dir", str(tmp_path), input="[]"
    )
    assert bad_scan.returncode == 2
    assert bad_scan.stderr.splitlines() == [
        "dormant: error: invalid parameter --from: standard input has no top-level "
        "'findings' list (expected a scan's JSON)"
    ]
    future = dormant(sim_server, "quarantine", "X", "--as-of", "2999-01-01T00:00:00Z")
    assert future.returncode == 2
    assert "cannot judge roles as of a time in the future" in future.stderr
    slr = dormant(sim_server, "quarantine", "X", "--include-service-linked")
    assert slr.returncode == 2
    assert "no such option '--include-service-linked'" in slr.stderr
    assert "Traceback" not in nothing.stderr + bad_scan.stderr + future.stderr + slr.stderr


@pytest.mark.parametrize("command", ["quarantine", "delete", "retire"])
def test_as_of_never_moves_the_time_of_a_change(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path, command: str
) -> None:
    """An option may narrow what a run changes, never the time it changes AWS at: a past
    --as-of (an exemption's ceiling or a notice's day judged then) is refused with --apply."""
    put_full_role(sim_server, "OldJob", now)
    sim_server.recorder.reset()
    args = {"quarantine": ["OldJob"], "delete": ["OldJob", "--backup-dir", str(tmp_path)]}
    result = dormant(
        sim_server, command, *args.get(command, []), "--apply", "--as-of", "2025-01-01T00:00:00Z"
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        "invalid parameter --as-of: a run with --apply judges roles as of now, by this "
        "machine's clock, never as of another time; leave out --as-of, or leave out --apply "
        "to see what would have been done then (nothing was changed)"
    )
    assert sim_server.recorder.write_calls() == []
    assert list(tmp_path.iterdir()) == []
    planned = dormant(sim_server, command, *args.get(command, []), "--as-of", AS_OF)
    assert planned.returncode in (0, 1), planned.stderr
    assert sim_server.recorder.write_calls() == []
