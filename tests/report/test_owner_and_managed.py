"""Owner, managed_by and hint in every format but TSV, from a snapshot through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

AS_OF = "2026-11-30T12:00:00Z"


def _detail(name: str, *, path: str = "/", tags: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "Path": path,
        "RoleName": name,
        "RoleId": f"AROA{name.upper().replace('-', '')}"[:21],
        "Arn": f"arn:aws:iam::111111111111:role{path}{name}",
        "CreateDate": "2025-01-01T00:00:00Z",
        "RoleLastUsed": {},
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    roles = [
        _detail("stack-role", tags={"aws:cloudformation:stack-name": "payments", "team": "pay"}),
        _detail("breakglass", tags={"dormant:exempt": "until=2027-01-31 break-glass"}),
        _detail("lapsed", tags={"dormant:exempt": "until=2026-10-01 migration", "owner": "<ops>"}),
        _detail("plain"),
    ]
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"RoleDetailList": roles}))
    return path


def _scan(dormant: Any, snapshot: Path, fmt: str, *extra: str) -> str:
    result = dormant("scan", "--snapshot", str(snapshot), "--as-of", AS_OF, "-f", fmt, *extra)
    assert result.returncode == 1, result.stderr
    return str(result.stdout)


def test_json_carries_owner_managed_by_and_hint(dormant, snapshot: Path) -> None:
    document = json.loads(_scan(dormant, snapshot, "json"))
    found = {f["role_name"]: f for f in document["findings"]}
    stack = found["stack-role"]
    assert (stack["owner"], stack["managed_by"]) == ("pay", "cloudformation")
    # A snapshot holds no stacks: the tag is taken as a hint, and said to be one.
    assert stack["hint"] == (
        "created by CloudFormation stack payments (by its aws:cloudformation:stack-name tag, "
        "not from a stack): remove it from the stack"
    )
    assert stack["annotation"] == "No record of usage. Owner: pay."
    assert found["breakglass"]["compliance"] == "COMPLIANT"
    assert found["breakglass"]["reason"] == "exempt"
    assert found["breakglass"]["annotation"] == (
        "Exempt by tag dormant:exempt until 2027-01-31: break-glass"
    )
    lapsed = found["lapsed"]
    assert (
        lapsed["annotation"] == "No record of usage (exemption expired 2026-10-01). Owner: <ops>."
    )
    assert (found["plain"]["owner"], found["plain"]["managed_by"], found["plain"]["hint"]) == (
        None,
        None,
        None,
    )


def test_exempt_tag_and_owner_tags_options(dormant, snapshot: Path) -> None:
    document = json.loads(
        _scan(dormant, snapshot, "json", "--exempt-tag", "Exempt", "--owner-tags", "owner")
    )
    found = {f["role_name"]: f for f in document["findings"]}
    assert found["breakglass"]["compliance"] == "NON_COMPLIANT"
    assert found["stack-role"]["owner"] is None
    assert document["settings"]["exempt_tag_key"] == "Exempt"
    assert document["settings"]["owner_tag_keys"] == ["owner"]


def test_bad_exempt_tag_option_is_a_usage_error(dormant, snapshot: Path) -> None:
    result = dormant("scan", "--snapshot", str(snapshot), "--exempt-tag", "bad,key")
    assert result.returncode == 2
    assert "--exempt-tag" in result.stderr


def test_csv_has_the_columns(dormant, snapshot: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_scan(dormant, snapshot, "csv"))))
    stack = next(r for r in rows if r["role_name"] == "stack-role")
    assert (stack["owner"], stack["managed_by"]) == ("pay", "cloudformation")
    assert stack["hint"].startswith("created by CloudFormation stack payments")


def test_table_and_markdown_show_owner_and_manager(dormant, snapshot: Path) -> None:
    table = _scan(dormant, snapshot, "table")
    assert "Owner" in table
    assert "Managed by" in table
    assert "cloudformation: created by" in table
    markdown = _scan(dormant, snapshot, "markdown")
    header = next(line for line in markdown.splitlines() if line.startswith("| Role"))
    assert "| Owner | Managed by |" in header
    assert "cloudformation: created by CloudFormation stack payments" in markdown
    assert "&lt;ops&gt;" in markdown


def test_tsv_is_unchanged_three_columns(dormant, snapshot: Path) -> None:
    for line in _scan(dormant, snapshot, "tsv").splitlines():
        assert len(line.split("\t")) == 3


def test_html_groups_by_owner_and_escapes(dormant, snapshot: Path) -> None:
    html = _scan(dormant, snapshot, "html")
    assert '<h2 id="owners">By owner</h2>' in html
    # On the page, owner and manager are lines under the role's name (the 1280 px page has
    # no room for two more columns); table, CSV and Markdown have them as columns.
    assert '<div class="small">owner: <b>pay</b></div>' in html
    assert "managed by cloudformation: created by CloudFormation stack payments" in html
    assert "&lt;ops&gt;" in html
    assert "<ops>" not in html
    owners = html.split('id="owners"')[1].split("</table>")[0]
    assert "<td>pay</td>" in owners
    assert "<td>(no owner)</td>" in owners


def test_html_without_owners_has_no_owner_section(dormant, tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"RoleDetailList": [_detail("plain")]}))
    html = _scan(dormant, path, "html")
    assert 'id="owners"' not in html
