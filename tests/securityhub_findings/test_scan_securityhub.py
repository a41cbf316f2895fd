"""`dormant scan --source securityhub` end to end: the real command in a subprocess against the
simulated AWS, under IAM enforcement with exactly the policies docs/aws-findings.md documents
(checked against IAM's service reference).

One account: a disagreement of each kind AWS can produce (Security Hub never reports a
service-linked role, so that reason is the join's own table test). An organization: the
management account's organization analyzer reports roles in three accounts; the member role
of one account does not trust the caller, so that account's AssumeRole and each AWS finding
there are failures naming it, and the other accounts are joined.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.policy_reference import PolicyKind, check_policy

from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
from dormant_sim import access_analyzer, seed
from dormant_sim.seed.clients import internal_client
from dormant_sim.server import SimulatedAws

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
MEMBER = "111111111111"
DENIED = "333333333333"
ROLE_NAME = "dormant-audit"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "aws-findings.md"


def documented(marker: str, account: str = ACCOUNT) -> dict[str, Any]:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, f"docs/aws-findings.md no longer documents {marker}"
    rendered = (
        match.group(1)
        .replace("<region>", "us-east-1")
        .replace("<account-id>", account)
        .replace("<member-role>", ROLE_NAME)
    )
    policy: dict[str, Any] = json.loads(rendered)
    return policy


@pytest.mark.parametrize(
    "marker", ["securityhub-scan-policy", "organization-scan-policy", "member-read-policy"]
)
def test_the_documented_policies_hold_to_iams_service_reference(marker: str) -> None:
    assert [str(v) for v in check_policy(documented(marker), PolicyKind.IDENTITY)] == []


def _hub(sim: SimulatedAws, account: str = ACCOUNT) -> None:
    internal_client("securityhub", account, endpoint_url=sim.endpoint_url).enable_security_hub()


def _scan(
    sim: SimulatedAws, reader: Any, *args: str, source: str = "securityhub"
) -> subprocess.CompletedProcess[str]:
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", "scan", "--source", source, *args],
            capture_output=True,
            text=True,
            env=sim.env(credentials=reader),
            timeout=120,
            check=False,
        )


def _one_account(sim: SimulatedAws) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    sim.put_role(ACCOUNT, "idle", created=old, last_used=now - timedelta(days=200))
    sim.put_role(ACCOUNT, "back-in-use", created=old, last_used=now - timedelta(days=100))
    sim.put_role(ACCOUNT, "windowed", created=old, last_used=now - timedelta(days=93))
    sim.put_role(
        ACCOUNT, "kept", created=old, tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"}
    )
    sim.put_role(ACCOUNT, "glass", path="/break-glass/", created=old)
    sim.put_stack_role(ACCOUNT, "app", "app-role", created=old)
    sim.put_role(ACCOUNT, "profiled", created=old)
    iam = internal_client("iam", ACCOUNT, endpoint_url=sim.endpoint_url)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="profiled")
    access_analyzer.create_analyzer(ACCOUNT, "securityhub", endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(now - timedelta(days=2))
    from moto.iam.models import iam_backends

    iam_backends[ACCOUNT]["aws"].get_role("back-in-use").last_used = now - timedelta(days=1)
    _hub(sim)
    return now


def test_a_disagreement_of_each_kind_through_security_hub(sim_server: SimulatedAws) -> None:
    _one_account(sim_server)
    reader = sim_server.principal(
        "findings-reader", kind="user", policies=[documented("securityhub-scan-policy")]
    )
    result = _scan(
        sim_server, reader, "--max-days", "95", "--allow", "/break-glass/*", "-f", "json"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == f"account {ACCOUNT}, securityhub us-east-1"
    why = {f["role_name"]: f["disagreement"] for f in report["findings"]}
    assert why == {
        "idle": None,
        "back-in-use": "used 1 day ago, after AWS's last analysis",
        "windowed": "AWS window 90 days, dormant's 95",
        "kept": "exempt by tag until 2099-01-31",
        "glass": "allow-listed (/break-glass/*)",
        "app-role": "managed by cloudformation",
        "profiled": "referenced by 1 resource",
    }
    idle = next(f for f in report["findings"] if f["role_name"] == "idle")
    assert idle["agrees"] is True
    assert idle["compliance"] == "NON_COMPLIANT"
    aws = idle["aws_finding"]
    assert (aws["source"], aws["type"], aws["status"], aws["window_days"]) == (
        "securityhub",
        "UnusedIAMRole",
        "New",
        90,
    )
    assert aws["id"].startswith(f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/")
    assert aws["resource_arn"] == f"arn:aws:iam::{ACCOUNT}:role/idle"

    rows = list(csv.DictReader(io.StringIO(_scan(sim_server, reader, "-f", "csv").stdout)))
    assert {r["role_name"] for r in rows if r["agrees"] == "false"} >= {"kept", "app-role"}
    tsv = _scan(sim_server, reader, "-f", "tsv").stdout.splitlines()
    assert any(line.startswith("idle\tNON_COMPLIANT\t") and line.endswith("\tyes") for line in tsv)
    assert any(
        line.startswith("kept\t") and line.endswith("\tno: exempt by tag until 2099-01-31")
        for line in tsv
    )
    options = ("--max-days", "95", "--allow", "/break-glass/*")
    html = _scan(sim_server, reader, *options, "-f", "html").stdout
    assert 'id="disagree-only"' in html
    assert html.count('data-agrees="0"') == 6

    markdown = _scan(sim_server, reader, *options, "-f", "markdown").stdout
    assert "| AWS agrees |" in markdown
    assert "no: referenced by 1 resource" in markdown
    asff = {
        f["Resources"][0]["Details"]["AwsIamRole"]["RoleName"]: f["ProductFields"]
        for f in json.loads(_scan(sim_server, reader, *options, "-f", "asff").stdout)
    }
    assert asff["idle"]["dormant/agrees"] == "true"
    assert asff["idle"]["dormant/aws_finding_id"] == aws["id"]
    assert asff["glass"]["dormant/disagreement"] == "allow-listed (/break-glass/*)"
    ocsf = [
        json.loads(line) for line in _scan(sim_server, reader, "-f", "ocsf").stdout.splitlines()
    ]
    unmapped = {f["resources"][0]["name"]: f["unmapped"] for f in ocsf}
    assert unmapped["idle"]["aws_finding"]["id"] == aws["id"]
    assert unmapped["idle"]["agrees"] is True


def test_without_security_hub_or_its_grant_the_scan_stops_with_one_line(
    sim_server: SimulatedAws,
) -> None:
    _one_account(sim_server)
    policy = documented("securityhub-scan-policy")
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "ReadItsFindings"]
    reader = sim_server.principal("no-hub-reader", kind="user", policies=[policy])
    result = _scan(sim_server, reader, "-f", "json")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "securityhub:GetFindings" in line
    assert ACCOUNT in line


def _organization(sim: SimulatedAws) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    sim.create_organization([MEMBER, DENIED])
    for account in (ACCOUNT, MEMBER, DENIED):
        sim.put_role(account, f"idle-{account}", created=old, last_used=now - timedelta(days=200))
        sim.put_role(account, "busy", created=old, last_used=now - timedelta(days=1))
    sim.put_role(
        MEMBER, "kept", created=old, tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"}
    )
    member_policy = documented("member-read-policy")
    trust = seed.trust_policy_for_account(ACCOUNT)
    sim.principal(ROLE_NAME, account_id=MEMBER, policies=[member_policy], trust=trust)
    # This member's role trusts only its own account: the caller's AssumeRole is denied.
    sim.principal(
        ROLE_NAME,
        account_id=DENIED,
        policies=[member_policy],
        trust=seed.trust_policy_for_account(DENIED),
    )
    access_analyzer.create_analyzer(
        ACCOUNT,
        "organization",
        analyzer_type="ORGANIZATION_UNUSED_ACCESS",
        endpoint_url=sim.endpoint_url,
    )
    access_analyzer.analyze(now - timedelta(days=1))
    _hub(sim)
    return now


@pytest.mark.parametrize("source", ["securityhub", "access-analyzer"])
def test_an_organization_analyzer_over_three_accounts_one_denying_the_member_role(
    sim_server: SimulatedAws, source: str
) -> None:
    _organization(sim_server)
    administrator = sim_server.principal(
        "findings-administrator", kind="user", policies=[documented("organization-scan-policy")]
    )
    result = _scan(
        sim_server, administrator, "--org", "--role-name", ROLE_NAME, "-f", "json", source=source
    )
    assert result.returncode == 3, result.stderr  # an account failed: the louder news
    report = json.loads(result.stdout)
    joined = {(f["account_id"], f["role_name"]): f["disagreement"] for f in report["findings"]}
    assert joined == {
        (ACCOUNT, f"idle-{ACCOUNT}"): None,
        (MEMBER, f"idle-{MEMBER}"): None,
        (MEMBER, "kept"): "exempt by tag until 2099-01-31",
    }
    assert all(f["aws_finding"]["source"] == source for f in report["findings"])
    failures = [(f["account_id"], f["operation"]) for f in report["failures"]]
    read = (
        "securityhub:GetFindingsV2"
        if source == "securityhub"
        else ("access-analyzer:ListFindingsV2")
    )
    assert failures == [(DENIED, "sts:AssumeRole"), (DENIED, read)]
    assert f"arn:aws:iam::{DENIED}:role/idle-{DENIED}" in report["failures"][1]["message"]
    assert "cannot reach" in report["failures"][1]["message"]
    assert f"account {DENIED}" in result.stderr


def test_accounts_narrow_aws_findings_to_the_listed_accounts(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    _organization(sim_server)
    administrator = sim_server.principal(
        "findings-administrator", kind="user", policies=[documented("organization-scan-policy")]
    )
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"{MEMBER}\n", encoding="utf-8")
    result = _scan(
        sim_server,
        administrator,
        "--accounts",
        str(listing),
        "--role-name",
        ROLE_NAME,
        "-f",
        "json",
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {(f["account_id"], f["role_name"]) for f in report["findings"]} == {
        (MEMBER, f"idle-{MEMBER}"),
        (MEMBER, "kept"),
    }
    assert report["failures"] == []


def test_a_snapshot_is_refused_with_any_aws_source(dormant: Any, tmp_path: Path) -> None:
    snapshot = tmp_path / "gaad.json"
    snapshot.write_text('{"RoleDetailList": []}', encoding="utf-8")
    result = dormant("scan", "--source", "securityhub", "--snapshot", str(snapshot))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--snapshot" in result.stderr
    assert "--source securityhub" in result.stderr
    arn = dormant(
        "scan",
        "--source",
        "securityhub",
        "--analyzer-arn",
        "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a",
    )
    assert arn.returncode == 2
    assert "--analyzer-arn" in arn.stderr
