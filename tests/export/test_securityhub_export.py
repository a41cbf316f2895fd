"""`dormant export securityhub`: the plan, the adapter, and the command against the simulation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from asff_support import validate_batch_import
from dormant.aws.securityhub import SecurityHubFindings
from dormant.core.errors import FindingImportError
from dormant.core.settings import Settings
from dormant.report.asff import KINDS, asff_finding
from dormant.report.securityhub import plan_export
from dormant.roles.decide import evaluate_role
from dormant.roles.layout import Row, row_from_finding
from dormant.roles.model import Role
from dormant_sim import securityhub as simulated_hub
from dormant_sim import seed

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ROLES = KINDS["roles"]


def _row(name: str, days_unused: int | None) -> Row:
    role = Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=500),
        last_used=None if days_unused is None else NOW - timedelta(days=days_unused),
        last_used_region=None if days_unused is None else "us-east-1",
        account_id=ACCOUNT,
    )
    return row_from_finding(evaluate_role(role, Settings(), NOW))


def _held(row: Row, created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    finding = asff_finding(row, ROLES, region="us-east-1", updated_at=NOW)
    return {**finding, "CreatedAt": created, "ProcessedAt": created}


# ---- the plan (pure)


def test_plan_imports_problems_and_archives_what_is_resolved_or_gone() -> None:
    stale, still_stale, fixed, healthy = (
        _row("stale", 100),
        _row("still-stale", None),
        _row("fixed", 2),
        _row("healthy", 1),
    )
    gone = _held(_row("deleted", 300))
    earlier = [_held(_row("still-stale", None)), _held(_row("fixed", 100)), gone]
    later = NOW + timedelta(days=1)
    plan = plan_export(
        [stale, still_stale, fixed, healthy],
        ROLES,
        region="us-east-1",
        updated_at=later,
        earlier=earlier,
    )
    assert (plan.new, plan.updated, plan.resolved, plan.gone, plan.compliant) == (1, 1, 1, 1, 1)
    validate_batch_import(list(plan.findings))
    by_id = {f["Id"].rsplit("/", 1)[-1]: f for f in plan.findings}
    assert set(by_id) == {"AROASTALE", "AROASTILL-STALE", "AROAFIXED", "AROADELETED"}
    assert by_id["AROASTALE"]["RecordState"] == "ACTIVE"
    # An update keeps the finding's first CreatedAt; every finding is updated now.
    assert by_id["AROASTILL-STALE"]["CreatedAt"] == "2026-01-01T00:00:00Z"
    assert by_id["AROASTALE"]["CreatedAt"] == "2026-03-16T12:00:00Z"
    assert {f["UpdatedAt"] for f in plan.findings} == {"2026-03-16T12:00:00Z"}
    assert by_id["AROAFIXED"]["RecordState"] == "ARCHIVED"
    assert by_id["AROAFIXED"]["Compliance"]["Status"] == "PASSED"
    assert by_id["AROADELETED"]["RecordState"] == "ARCHIVED"
    assert "ProcessedAt" not in by_id["AROADELETED"]


def test_plan_archives_a_finding_whose_resource_became_not_applicable() -> None:
    earlier = _held(_row("slr", None))
    role = Role(
        role_id="AROASLR",
        name="slr",
        path="/aws-service-role/support.amazonaws.com/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/slr",
        created=NOW - timedelta(days=500),
        account_id=ACCOUNT,
    )
    row = row_from_finding(evaluate_role(role, Settings(), NOW))
    plan = plan_export([row], ROLES, region="us-east-1", updated_at=NOW, earlier=[earlier])
    assert (plan.gone, len(plan.findings)) == (1, 1)
    assert plan.findings[0]["RecordState"] == "ARCHIVED"


# ---- the adapter, against the simulated Security Hub


def _findings(count: int) -> list[dict[str, Any]]:
    return [
        asff_finding(_row(f"r{n}", None), ROLES, region="us-east-1", updated_at=NOW)
        for n in range(count)
    ]


@pytest.fixture
def hub(sim) -> SecurityHubFindings:
    client = sim.client("securityhub")
    client.enable_security_hub()
    return SecurityHubFindings(client, account_id=ACCOUNT, region="us-east-1", sleep=lambda _: None)


def test_adapter_imports_in_batches_of_100_and_reads_back_only_its_findings(sim, hub) -> None:
    hub.import_findings(_findings(250))
    assert hub.calls == 3
    assert sim.recorder.calls("securityhub", "BatchImportFindings") == 3
    other = {**_findings(1)[0], "Id": "another-tool/1", "GeneratorId": "another-tool"}
    sim.client("securityhub").batch_import_findings(Findings=[other])
    assert len(list(hub.active(ROLES.generator_id))) == 250


def test_adapter_retries_refused_findings(sim, hub) -> None:
    simulated_hub.fail_findings(3)
    hub.import_findings(_findings(10))
    assert hub.calls == 2
    assert len(list(hub.active(ROLES.generator_id))) == 10


def test_adapter_fails_loudly_when_findings_stay_refused(sim, hub) -> None:
    simulated_hub.fail_findings(1, calls=5)
    with pytest.raises(FindingImportError, match=r"refused 1 finding.*AROAR0.*Injected"):
        hub.import_findings(_findings(2))


# ---- the command, as a subprocess against the served simulation


def _delete_role(sim_server: Any, name: str) -> None:
    iam = sim_server.client("iam")
    for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


def _stored(sim_server: Any) -> dict[str, dict[str, Any]]:
    client = sim_server.client("securityhub")
    found = client.get_findings(MaxResults=100)["Findings"]
    return {f["Resources"][0]["Details"]["AwsIamRole"]["RoleName"]: f for f in found}


def test_export_dry_run_then_apply_then_archive(dormant, sim_server) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    sim_server.seed_demo_account(ACCOUNT, now)
    sim_server.client("securityhub").enable_security_hub()
    scan = ("export", "securityhub", "--as-of", now.isoformat(), "--allow",
            seed.DEMO_ALLOW_PATTERNS)  # fmt: skip

    dry = dormant(*scan, env=sim_server.env())
    assert dry.returncode == 1, dry.stderr
    assert "5 findings of non-compliant roles to import as ACTIVE (5 new, 0 updated)" in dry.stdout
    assert "Dry run: nothing sent. --apply imports 5 findings (1 BatchImportFindings" in dry.stdout
    assert _stored(sim_server) == {}

    applied = dormant(*scan, "--apply", env=sim_server.env())
    assert applied.returncode == 1, applied.stderr
    assert "Imported 5 findings (1 BatchImportFindings calls)." in applied.stdout
    stored = _stored(sim_server)
    assert set(stored) == {
        "ReportingRole",
        "Ec2DevRole",
        "LegacyEtlRole",
        "VendorAuditRole",
        "SamlReadOnlyRole",
    }
    assert {f["RecordState"] for f in stored.values()} == {"ACTIVE"}
    assert stored["VendorAuditRole"]["Severity"]["Label"] == "HIGH"

    # Later: LegacyEtlRole (61 days unused) is inside a 65-day window, Ec2DevRole is gone.
    _delete_role(sim_server, "Ec2DevRole")
    again = dormant(*scan, "--max-days", "65", "--apply", env=sim_server.env())
    assert again.returncode == 1, again.stderr
    assert "3 findings of non-compliant roles to import as ACTIVE (0 new, 3 updated)" in (
        again.stdout
    )
    assert "1 earlier findings whose resource is now compliant" in again.stdout
    assert "1 earlier findings whose resource is gone or not applicable" in again.stdout
    after = _stored(sim_server)
    assert after["LegacyEtlRole"]["RecordState"] == "ARCHIVED"
    assert after["LegacyEtlRole"]["Compliance"]["Status"] == "PASSED"
    assert after["Ec2DevRole"]["RecordState"] == "ARCHIVED"
    assert after["ReportingRole"]["RecordState"] == "ACTIVE"


def test_export_refuses_org_and_names_a_disabled_security_hub(dormant, sim_server) -> None:
    refused = dormant("export", "securityhub", "--org", env=sim_server.env())
    assert refused.returncode == 2
    assert "no such option '--org'" in refused.stderr
    sim_server.seed_demo_account(ACCOUNT, datetime.now(UTC))
    disabled = dormant("export", "securityhub", env=sim_server.env())
    assert disabled.returncode == 2
    assert "securityhub:GetFindings" in disabled.stderr
    assert "InvalidAccessException" in disabled.stderr
    assert disabled.stdout == ""  # the scan ran, but nothing was planned or sent


def test_export_of_another_accounts_snapshot_is_refused(dormant, sim_server, example) -> None:
    result = dormant("export", "securityhub", "--snapshot", str(example), env=sim_server.env())
    assert result.returncode == 2
    assert result.stderr.startswith("dormant: error: invalid parameter --snapshot:")
    assert "111111111111" in result.stderr
    assert ACCOUNT in result.stderr
