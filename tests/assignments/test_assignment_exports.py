"""The assignments' findings as ASFF and OCSF: one per permission set and account."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dormant.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "src/dormant/examples/identity-center"


def _export(fmt: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(
        cli,
        ["assignments", "--snapshot", str(EXAMPLE), "--as-of", "2026-06-01T00:00:00Z", "-f", fmt],
    )
    assert result.exit_code == 1, result.output
    if fmt == "ocsf":  # JSON Lines
        return [json.loads(line) for line in result.stdout.splitlines()]
    return list(json.loads(result.stdout))


def test_asff_names_the_permission_set_in_each_account() -> None:
    findings = _export("asff")
    failed = [f for f in findings if f["Compliance"] == {"Status": "FAILED"}]
    assert len(failed) == 3
    admin = next(
        f
        for f in failed
        if f["AwsAccountId"] == "222222222222" and "AdministratorAccess" in str(f["Title"])
    )
    assert admin["Title"] == "Unused Identity Center permission set AdministratorAccess"
    resource = admin["Resources"][0]  # type: ignore[index]
    assert resource["Type"] == "Other"
    assert resource["Details"]["Other"]["PermissionSetName"] == "AdministratorAccess"
    # The same permission set in two accounts is two findings.
    ids = [f["Id"] for f in findings]
    assert len(ids) == len(set(ids))


def test_ocsf_findings() -> None:
    findings = _export("ocsf")
    assert len(findings) == 8  # the NOT_APPLICABLE pair is no finding
    assert all(f["resources"][0]["type"] == "AWS::SSO::PermissionSet" for f in findings)  # type: ignore[index]
