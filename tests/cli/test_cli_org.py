"""`dormant scan --org` / `--accounts` against a simulated organization on loopback.

One member refuses the AssumeRole: its failure is reported in the output and on stderr,
every other account is scanned, and the exit code (3) says the scan is incomplete.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dormant_sim import seed

MANAGEMENT = seed.DEFAULT_ACCOUNT_ID
MEMBER = "111111111111"
DENIED = "333333333333"
ROLE_NAME = "dormant-audit"


def _organization(sim_server: Any) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    sim_server.create_organization([MEMBER, DENIED])
    for account in (MANAGEMENT, MEMBER, DENIED):
        sim_server.put_role(
            account,
            f"stale-{account}",
            created=now - timedelta(days=400),
            last_used=now - timedelta(days=100),
            last_used_region="eu-west-1",
        )
        sim_server.put_role(
            account, "recent", created=now - timedelta(days=300), last_used=now - timedelta(days=2)
        )
    sim_server.deny_assume_role(DENIED, ROLE_NAME)
    return now


def test_org_scan_reports_the_failed_account_everywhere(dormant, sim_server) -> None:
    now = _organization(sim_server)
    common = ("scan", "--org", "--role-name", ROLE_NAME, "--as-of", now.isoformat())
    result = dormant(*common, "-f", "json", env=sim_server.env())
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert [(f["account_id"], f["operation"]) for f in document["failures"]] == [
        (DENIED, "sts:AssumeRole")
    ]
    assert "AccessDenied" in document["failures"][0]["message"]
    found = {(f["account_id"], f["role_name"], f["compliance"]) for f in document["findings"]}
    assert found == {
        (MANAGEMENT, f"stale-{MANAGEMENT}", "NON_COMPLIANT"),
        (MANAGEMENT, "recent", "COMPLIANT"),
        (MEMBER, f"stale-{MEMBER}", "NON_COMPLIANT"),
        (MEMBER, "recent", "COMPLIANT"),
    }
    assert document["summary"]["failed_accounts"] == 1
    assert document["summary"]["accounts"] == 2
    stderr = result.stderr.splitlines()
    assert len(stderr) == 1
    assert stderr[0].startswith(f"dormant: account {DENIED} failed: sts:AssumeRole: ")

    tsv = dormant(*common, "-f", "tsv", env=sim_server.env())
    assert tsv.returncode == 3
    assert f"{MEMBER}\tstale-{MEMBER}\tNON_COMPLIANT\tWas last used in eu-west-1 100 days ago" in (
        tsv.stdout.splitlines()
    )
    assert tsv.stderr.startswith(f"dormant: account {DENIED} failed")

    markdown = dormant(*common, "-f", "markdown", env=sim_server.env())
    assert "## Accounts that could not be scanned" in markdown.stdout
    assert f"| {DENIED} | sts:AssumeRole |" in markdown.stdout

    html = dormant(*common, "-f", "html", env=sim_server.env())
    assert f"Account {MANAGEMENT}" in html.stdout
    assert f"Account {MEMBER}" in html.stdout
    assert f"<td>{DENIED}</td><td>sts:AssumeRole</td>" in html.stdout


def test_accounts_file_scans_only_the_listed_accounts(dormant, sim_server, tmp_path: Path) -> None:
    now = _organization(sim_server)
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# audited this quarter\n{MEMBER}\n")
    result = dormant(
        "scan",
        "--accounts",
        str(listing),
        "--role-name",
        ROLE_NAME,
        "--as-of",
        now.isoformat(),
        "-f",
        "csv",
        env=sim_server.env(),
    )
    assert result.returncode == 1, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["account_id"], r["role_name"]) for r in rows} == {
        (MEMBER, f"stale-{MEMBER}"),
        (MEMBER, "recent"),
    }
    assert sim_server.recorder.calls("organizations") == 0
    assert sim_server.recorder.calls("sts", "AssumeRole") == 1


def test_bad_accounts_file_names_the_line(dormant, sim_server, tmp_path: Path) -> None:
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"{MEMBER}\n12345\n")
    result = dormant("scan", "--accounts", str(listing), env=sim_server.env())
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "accounts.txt line 2" in lines[0]
    assert sim_server.recorder.calls() == 0
