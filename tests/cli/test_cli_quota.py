"""A live `dormant scan` reports the account's roles against its quota (GetAccountSummary)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dormant.core.model import RoleQuota
from dormant_sim import seed

ACCOUNT = seed.DEFAULT_ACCOUNT_ID


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_quota_in_json_summary_line_and_html(dormant, sim_server) -> None:
    now = _now()
    sim_server.bulk_roles(ACCOUNT, 12, now=now)
    document = json.loads(dormant("scan", "-f", "json", env=sim_server.env()).stdout)
    assert document["quota"] == {"roles": 12, "roles_quota": 1000}
    table = dormant("scan", "-f", "table", env=sim_server.env())
    assert table.stdout.splitlines()[-1].endswith("; 12 of 1000 roles quota (1%)")
    assert table.stderr == ""
    html = dormant("scan", "-f", "html", env=sim_server.env()).stdout
    assert '<div class="card"><b>12 / 1000</b>roles quota (1%)</div>' in html


def test_above_ninety_percent_warns_on_stderr(dormant, sim_server) -> None:
    now = _now()
    sim_server.bulk_roles(ACCOUNT, 901, now=now)
    result = dormant("scan", "-f", "tsv", env=sim_server.env())
    assert result.stderr.splitlines() == [
        f"dormant: warning: account {ACCOUNT} uses 901 of its 1000 roles quota (90%); "
        "retire unused roles or ask AWS for a higher quota"
    ]


def test_a_denied_summary_still_reports(dormant, sim_server) -> None:
    now = _now()
    sim_server.bulk_roles(ACCOUNT, 3, now=now)
    sim_server.inject_error(
        "iam", "GetAccountSummary", "AccessDenied", "not allowed", status=403, times=None
    )
    result = dormant("scan", "-f", "json", env=sim_server.env())
    document = json.loads(result.stdout)
    assert "quota" not in document
    assert len(document["findings"]) == 3
    assert result.stderr.startswith("dormant: warning: role quota not read: iam:GetAccountSummary")


def test_snapshots_have_no_quota(dormant, example) -> None:
    document = json.loads(dormant("scan", "--snapshot", str(example), "-f", "json").stdout)
    assert "quota" not in document


def test_nearly_full_is_strictly_above_ninety_percent() -> None:
    assert not RoleQuota(900, 1000).nearly_full
    assert RoleQuota(901, 1000).nearly_full
    assert RoleQuota(812, 1000).percent == 81
    assert RoleQuota(0, 0).percent == 0
