"""Rows, ordering and summaries, in-process: what every renderer builds on."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta, timezone

from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.report import ReportMeta
from dormant.report.csv import render_csv
from dormant.report.json import render_json
from dormant.report.layout import Tally, iso
from dormant.report.tsv import render_tsv
from dormant.roles.decide import evaluate_role
from dormant.roles.layout import (
    ROLE_LAYOUT,
    Row,
    record,
    row_from_finding,
    row_from_recorded,
    sort_rows,
)
from dormant.roles.model import Role

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _role(name: str, days_unused: int | None, *, admin: bool = False, path: str = "/") -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::111111111111:role{path}{name}",
        created=NOW - timedelta(days=1000),
        last_used=None if days_unused is None else NOW - timedelta(days=days_unused, hours=1),
        last_used_region=None if days_unused is None else "us-east-1",
        attached_policy_arns=(ADMIN,) if admin else (),
        account_id="111111111111",
    )


def _rows(*roles: Role) -> list[Row]:
    return [row_from_finding(evaluate_role(r, Settings(), NOW)) for r in roles]


def test_non_compliant_first_then_riskiest_then_longest_unused() -> None:
    rows = _rows(
        _role("recent", 3),
        _role("stale-100", 100),
        _role("stale-300", 300),
        _role("never", None),
        _role("admin-stale-70", 70, admin=True),
        _role("AWSServiceRoleForX", 500, path="/aws-service-role/x.amazonaws.com/"),
    )
    assert [r.role_name for r in sort_rows(rows)] == [
        "admin-stale-70",
        "never",
        "stale-300",
        "stale-100",
        "recent",
        "AWSServiceRoleForX",
    ]


def test_summary_counts_by_compliance_and_admin() -> None:
    tally = Tally()
    kept = dataclasses.replace(_role("d", 300), tags=(("dormant:exempt", "audits"),))
    for row in _rows(_role("a", 100, admin=True), _role("b", 1), _role("c", None), kept):
        tally.add(row)
    assert tally.summary() == {
        "roles": 4,
        "compliant": 2,
        "non_compliant": 2,
        "not_applicable": 0,
        "non_compliant_admin": 1,
        "exempt": 1,
        "accounts": 1,
        "failed_accounts": 0,
    }


def test_iso_is_utc_with_z() -> None:
    assert iso(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    plus_two = datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert iso(plus_two) == "2024-01-02T03:04:05Z"
    assert iso(None) is None


def test_recorded_row_of_a_deleted_role_keeps_its_id() -> None:
    row = row_from_recorded(
        "AROAGONE", "NON_COMPLIANT", "No record of usage", NOW, None, account_id="1", now=NOW
    )
    assert (row.role_name, row.role_id, row.days_unused) == ("AROAGONE", "AROAGONE", None)
    assert record(row, recorded_at=True)["recorded_at"] == "2024-06-01T00:00:00Z"
    assert record(row)["arn"] is None


def test_recorded_row_of_a_live_role_shows_its_current_data() -> None:
    role = _role("kept", 90, admin=True)
    row = row_from_recorded(
        role.role_id, "NON_COMPLIANT", "Was last used", None, role, account_id="1", now=NOW
    )
    assert (row.role_name, row.days_unused, row.risk.admin) == ("kept", 90, True)
    assert row.account_id == "111111111111"


def test_json_streams_a_valid_document_with_failures() -> None:
    meta = ReportMeta(
        layout=ROLE_LAYOUT,
        kind="scan",
        generated_at=NOW,
        source="x",
        failures=[AccountFailure("222222222222", "sts:AssumeRole", "denied")],
    )
    out = io.StringIO()
    render_json(iter(_rows(_role("a", 100))), meta, out)
    document = json.loads(out.getvalue())
    assert document["failures"] == [
        {"account_id": "222222222222", "operation": "sts:AssumeRole", "message": "denied"}
    ]
    assert document["summary"]["failed_accounts"] == 1
    empty = io.StringIO()
    render_json(
        iter(()), ReportMeta(layout=ROLE_LAYOUT, kind="scan", generated_at=NOW, source="x"), empty
    )
    assert json.loads(empty.getvalue())["findings"] == []


def test_tsv_keeps_each_role_on_one_line() -> None:
    rows = _rows(_role("a", 100))
    rows = [rows[0]._replace(annotation="two\tcolumns\nand lines")]
    out = io.StringIO()
    render_tsv(
        rows, ReportMeta(layout=ROLE_LAYOUT, kind="report", generated_at=NOW, source="x"), out
    )
    assert out.getvalue() == "a\tNON_COMPLIANT\ttwo columns and lines\n"


def test_csv_cells_never_start_a_spreadsheet_formula() -> None:
    import csv

    rows = _rows(_role("=HYPERLINK(1)", 100), _role("plain-role", 100))
    out = io.StringIO()
    render_csv(rows, ReportMeta(layout=ROLE_LAYOUT, kind="scan", generated_at=NOW, source="x"), out)
    records = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert records[0]["role_name"] == "'=HYPERLINK(1)"
    assert records[1]["role_name"] == "plain-role"
    assert records[1]["days_unused"] == "100"


def test_recorded_results_count_as_exempt_by_their_annotation() -> None:
    from dormant.users.layout import user_line_from_recorded

    def recorded(compliance: str, annotation: str) -> Row:
        return row_from_recorded(
            "AROAGONE", compliance, annotation, NOW, None, account_id="111111111111", now=NOW
        )

    tally = Tally()
    for row in (
        recorded("COMPLIANT", "Exempt by tag dormant:exempt until 2024-12-31: audits"),
        recorded("COMPLIANT", "Was last used in us-east-1 3 days ago"),
        recorded("NON_COMPLIANT", "No record of usage (exemption expired 2024-01-01)"),
    ):
        tally.add(row)
    assert tally.summary()["exempt"] == 1
    user = user_line_from_recorded(
        "AIDAGONE", "COMPLIANT", "Exempt by tag k: why", NOW, None, account_id="111111111111"
    )
    assert user.exempt
