"""``dormant assignments --snapshot``: the bundled example, offline, by the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from dormant.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "src/dormant/examples/identity-center"
AS_OF = "2026-06-01T00:00:00Z"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["assignments", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_bundled_example_lists_every_pair_non_compliant_first() -> None:
    code, out, err = _run("--snapshot", str(EXAMPLE), "--as-of", AS_OF, "--format", "tsv")
    assert code == 1, err
    lines = [line.split("\t") for line in out.splitlines()]
    by_pair = {(acct, name): (comp, note) for acct, name, comp, note in lines}
    assert by_pair[("222222222222", "AdministratorAccess")] == (
        "NON_COMPLIANT",
        "Unused for 132 days by group Platform-Admins (12 members). Owner: platform-team.",
    )
    # The permission set name of the full 32 characters is matched to its 64-character role.
    assert by_pair[("222222222222", "DataPlatformEngineeringReadWrite")][0] == "NON_COMPLIANT"
    assert by_pair[("111111111111", "BreakGlass")][0] == "COMPLIANT"
    assert by_pair[("222222222222", "LegacyDevelopers")][0] == "NOT_APPLICABLE"
    assert len(lines) == 9


def test_json_names_the_principals_and_the_role() -> None:
    code, out, _ = _run("--snapshot", str(EXAMPLE), "--as-of", AS_OF, "--format", "json")
    assert code == 1
    report = json.loads(out)
    first = next(
        f
        for f in report["findings"]
        if f["account_id"] == "111111111111" and f["permission_set_name"] == "AdministratorAccess"
    )
    assert [p["DisplayName"] for p in first["principals"]] == ["Platform-Admins", "jdoe"]
    assert first["role_name"] == "AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7081"
    assert first["last_used"] == "2026-05-28T10:00:00Z"


def test_an_account_without_its_roles_is_reported_and_skipped(tmp_path: Path) -> None:
    copy = tmp_path / "snap"
    shutil.copytree(EXAMPLE, copy)
    (copy / "roles" / "333333333333.json").unlink()
    code, out, err = _run("--snapshot", str(copy), "--as-of", AS_OF, "--format", "tsv")
    assert code == 3
    assert "333333333333" not in out
    assert "111111111111" in out
    assert "dormant: account 333333333333 failed: iam:GetAccountAuthorizationDetails" in err


def test_a_bad_record_is_one_line_naming_the_file_and_record(tmp_path: Path) -> None:
    copy = tmp_path / "snap"
    shutil.copytree(EXAMPLE, copy)
    doc = json.loads((copy / "identity-center.json").read_text())
    del doc["Assignments"][2]["PrincipalId"]
    (copy / "identity-center.json").write_text(json.dumps(doc))
    code, out, err = _run("--snapshot", str(copy), "--as-of", AS_OF)
    assert code == 2
    assert out == ""
    assert "Assignments[2]" in err
    assert "has no PrincipalId" in err
    assert "Traceback" not in err


def test_a_snapshot_with_an_instance_arn_is_refused_before_any_output() -> None:
    code, out, err = _run(
        "--snapshot", str(EXAMPLE), "--instance-arn", "arn:aws:sso:::instance/ssoins-1"
    )
    assert code == 2
    assert out == ""
    assert "invalid parameter --instance-arn" in err
