"""`dormant scan` and `dormant report` against the simulated AWS served on loopback.

The command runs as a real subprocess; boto3 in it follows AWS_ENDPOINT_URL to the
simulation (`sim_server.env()`), which records every call it serves.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dormant.handler import lambda_handler
from dormant_sim import seed

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
RULE = "iam-role-last-used"
GAAD = "iam:GetAccountAuthorizationDetails"
ONE_LINE_ERROR = "dormant: error: "


def _now() -> datetime:
    # The seed dates roles relative to now; evaluate at the same instant.
    return datetime.now(UTC).replace(microsecond=0)


def _run_rule(sim_server: Any, monkeypatch: pytest.MonkeyPatch, now: datetime) -> dict[str, Any]:
    """The real Lambda handler, in this process, against the served simulation."""
    for key, value in sim_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    event = sim_server.scheduled_event(
        RULE,
        ACCOUNT,
        rule_parameters={"role_whitelist": seed.DEMO_ALLOW_PATTERNS},
        notification_time=now,
    )
    return lambda_handler(event, None)


def test_live_scan_decides_like_the_rule_with_one_call(dormant, sim_server) -> None:
    now = _now()
    seeded = sim_server.seed_demo_account(ACCOUNT, now)
    result = dormant(
        "scan",
        "-f",
        "json",
        "--as-of",
        now.isoformat(),
        "--allow",
        seed.DEMO_ALLOW_PATTERNS,
        env=sim_server.env(),
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""  # no progress bar off a terminal
    document = json.loads(result.stdout)
    assert document["source"] == f"account {ACCOUNT}"
    found = {f["role_name"]: f for f in document["findings"]}
    assert set(found) == {role.name for role in seeded}
    for role in seeded:
        assert found[role.name]["compliance"] == role.expected_compliance, role.name
        if role.expected_annotation is not None:
            assert found[role.name]["annotation"] == role.expected_annotation
        assert found[role.name]["role_id"] == role.role_id
        assert found[role.name]["account_id"] == ACCOUNT
    vendor = found["VendorAuditRole"]
    assert (vendor["admin"], vendor["trusted_accounts"]) == (True, ["222222222222"])
    assert sim_server.recorder.counts() == {
        GAAD: 1,
        "cloudformation:ListStacks": 1,  # the account's stacks hold none of its roles
        "sts:GetCallerIdentity": 1,
        "iam:GetAccountSummary": 1,
    }
    assert document["quota"] == {"roles": len(seeded), "roles_quota": 1000}


def test_live_scan_pages_a_thousand_roles_a_call(dormant, sim_server) -> None:
    now = _now()
    sim_server.bulk_roles(ACCOUNT, 2001, now=now)
    result = dormant("scan", "-f", "tsv", "--as-of", now.isoformat(), env=sim_server.env())
    assert len(result.stdout.splitlines()) == 2001
    assert sim_server.recorder.calls("iam", "GetAccountAuthorizationDetails") == 3


def test_live_scan_access_denied_names_the_call(dormant, sim_server, tmp_path) -> None:
    sim_server.put_role(ACCOUNT, "some-role", created=_now() - timedelta(days=400))
    sim_server.inject_error(
        "iam", "GetAccountAuthorizationDetails", "AccessDenied", "not allowed", times=None
    )
    target = tmp_path / "out.html"
    result = dormant("scan", "-o", str(target), env=sim_server.env())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{ONE_LINE_ERROR}iam:GetAccountAuthorizationDetails in account {ACCOUNT} denied: "
        "AccessDenied: not allowed"
    ]
    assert not target.exists()


def test_report_prints_the_blog_lines_from_config(
    dormant, sim_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = _now()
    seeded = sim_server.seed_demo_account(ACCOUNT, now)
    summary = _run_rule(sim_server, monkeypatch, now)
    assert summary["roles"] == len(seeded)
    sim_server.recorder.reset()
    result = dormant("report", "-f", "tsv", env=sim_server.env())
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "AdminRole\tCOMPLIANT\tWas last used in us-west-2 46 days ago" in lines
    assert len(lines) == len(seeded)
    by_name = {line.split("\t")[0]: line.split("\t")[1:] for line in lines}
    for role in seeded:
        assert by_name[role.name][0] == role.expected_compliance
    # Names come from one GetAccountAuthorizationDetails, never a GetRole per role.
    assert sim_server.recorder.counts() == {
        "sts:GetCallerIdentity": 1,
        "config:GetComplianceDetailsByConfigRule": 1,
        GAAD: 1,
    }


def test_report_filters_and_keeps_deleted_roles_by_id(
    dormant, sim_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = _now()
    seeded = {r.name: r for r in sim_server.seed_demo_account(ACCOUNT, now)}
    _run_rule(sim_server, monkeypatch, now)
    iam = seed.internal_client("iam", ACCOUNT, endpoint_url=sim_server.endpoint_url)
    iam.delete_role(RoleName="LegacyEtlRole")
    result = dormant("report", "--compliance", "NON_COMPLIANT", "-f", "json", env=sim_server.env())
    findings = json.loads(result.stdout)["findings"]
    assert {f["compliance"] for f in findings} == {"NON_COMPLIANT"}
    names = {f["role_name"] for f in findings}
    expected = {n for n, r in seeded.items() if r.expected_compliance == "NON_COMPLIANT"}
    deleted_id = seeded["LegacyEtlRole"].role_id
    assert names == (expected - {"LegacyEtlRole"}) | {deleted_id}
    deleted = next(f for f in findings if f["role_name"] == deleted_id)
    assert (deleted["role_id"], deleted["arn"], deleted["last_used"]) == (deleted_id, None, None)
    assert deleted["annotation"] == "Was last used in eu-west-1 61 days ago"
    assert deleted["recorded_at"].endswith("Z")


def test_report_on_an_unknown_rule_names_the_call(dormant, sim_server) -> None:
    result = dormant("report", "--rule-name", "no-such-rule", env=sim_server.env())
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{ONE_LINE_ERROR}config:GetComplianceDetailsByConfigRule")
    assert "NoSuchConfigRuleException" in lines[0]


def test_report_rejects_an_unknown_compliance_type(dormant, sim_server) -> None:
    result = dormant("report", "--compliance", "STALE", env=sim_server.env())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{ONE_LINE_ERROR}invalid parameter --compliance: expected one of COMPLIANT, "
        "NON_COMPLIANT, NOT_APPLICABLE, got 'STALE'"
    ]
    assert sim_server.recorder.calls() == 0


def test_live_scan_needs_no_region(dormant, sim_server) -> None:
    now = _now()
    sim_server.put_role(ACCOUNT, "old", created=now - timedelta(days=400))
    env = sim_server.env()
    for key in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        env.pop(key, None)
    result = dormant("scan", "-f", "tsv", env=env)
    assert result.stdout.splitlines() == ["old\tNON_COMPLIANT\tNo record of usage"]
    assert result.returncode == 1
