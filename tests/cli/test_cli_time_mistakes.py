"""Time mistakes are named, never reported as findings.

A role created after --as-of did not exist then: it is left out and counted. A last use
after "now" cannot be true: a data error naming the role or user and the field. An old
snapshot read without --as-of gets a hint. A credential report in the AWS CLI's JSON is
measured from its GeneratedTime.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dormant.cli.common import input_timeline
from dormant.core.errors import RoleDataError
from dormant_sim.credentials import HEADER  # the credential report's columns


def _user_row(name: str, key_used: str) -> str:
    return (
        f"{name},arn:aws:iam::111111111111:user/{name},2023-01-01T00:00:00+00:00,false,N/A,N/A,"
        f"N/A,false,true,2023-01-02T00:00:00+00:00,{key_used},eu-west-1,s3,false,N/A,N/A,N/A,"
        "N/A,false,N/A,false,N/A"
    )


def _snapshot(example: Path, tmp_path: Path, **changes: dict[str, Any]) -> Path:
    """The bundled example with some roles' fields changed (by role name)."""
    document = json.loads(example.read_text())
    for role in document["RoleDetailList"]:
        role.update(copy.deepcopy(changes.get(role["RoleName"], {})))
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(document))
    return path


def test_roles_created_after_as_of_are_left_out_and_counted(
    dormant, example: Path, tmp_path: Path
) -> None:
    # On 2024-05-01 data-pipeline-etl (created 2024-05-10) did not exist; the three roles
    # used after that day lose their last use here, which would be an error (next test).
    never = {"RoleLastUsed": {}}
    snapshot = _snapshot(
        example,
        tmp_path,
        **dict.fromkeys(
            ["SSOReadOnly", "app-server-role", "AWSServiceRoleForOrganizations"], never
        ),
    )
    result = dormant(
        "scan", "--snapshot", str(snapshot), "--as-of", "2024-05-01T00:00:00Z", "-f", "json"
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert "data-pipeline-etl" not in {f["role_name"] for f in report["findings"]}
    assert report["summary"]["not_yet_created"] == 1
    assert report["summary"]["roles"] == 12
    assert result.stderr.splitlines() == [
        "dormant: note: 1 role created after --as-of 2024-05-01T00:00:00Z is left out "
        "(not_yet_created)"
    ]


def test_a_last_use_after_as_of_is_a_data_error(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--as-of", "2024-01-01T00:00:00Z")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("dormant: error: role ")
    assert ": last_used 2024-" in line
    assert "is after --as-of 2024-01-01T00:00:00Z" in line


def test_a_last_use_in_the_future_is_a_data_error(dormant, example: Path, tmp_path: Path) -> None:
    snapshot = _snapshot(
        example,
        tmp_path,
        AdminRole={"RoleLastUsed": {"LastUsedDate": "2099-01-01T00:00:00Z", "Region": "x"}},
    )
    result = dormant("scan", "--snapshot", str(snapshot), "-f", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("dormant: error: role AdminRole: last_used 2099-01-01T00:00:00Z is in ")
    assert "a date in the future cannot be true" in line


def test_an_old_snapshot_without_as_of_gets_one_hint(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example))
    assert result.returncode == 1
    [hint] = result.stderr.splitlines()
    assert hint.startswith("dormant: hint: the input's newest date is 2024-05-31T23:10:00Z, ")
    assert hint.endswith("add --as-of 2024-05-31T23:10:00Z")
    quiet = dormant("scan", "--snapshot", str(example), "--as-of", "2024-06-01T00:00:00Z")
    assert quiet.stderr == ""


def test_a_key_used_in_the_future_names_the_user_and_column(dormant, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("\n".join([HEADER, _user_row("eve", "2099-01-01T00:00:00+00:00")]) + "\n")
    result = dormant("users", "--credential-report", str(report))
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "dormant: error: user eve: access_key_1_last_used_date 2099-01-01T00:00:00Z is in the "
        "future (after "
    )
    assert line.endswith("): a date in the future cannot be true")


def test_the_aws_clis_report_is_measured_from_its_generated_time(dormant) -> None:
    csv_text = "\n".join([HEADER, _user_row("carol", "2024-05-01T00:00:00+00:00")]) + "\n"
    document = {
        "Content": base64.b64encode(csv_text.encode()).decode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2024-05-11T00:00:00+00:00",
    }
    args = ("users", "--credential-report", "-", "-f", "json")
    measured = dormant(*args, input=json.dumps(document))
    assert measured.returncode == 0, measured.stderr
    report = json.loads(measured.stdout)
    assert report["settings"]["as_of"] == "2024-05-11T00:00:00Z"
    assert report["findings"][0]["annotation"] == "Access key 1 last used 10 days ago"
    assert measured.stderr == ""  # measured from its own time: no staleness hint
    later = dormant(*args, "--as-of", "2024-06-01T00:00:00Z", input=json.dumps(document))
    assert json.loads(later.stdout)["findings"][0]["annotation"] == (
        "Access key 1 last used 31 days ago"
    )


def test_a_live_read_may_hold_uses_after_as_of_but_not_after_the_clock() -> None:
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    created = as_of - timedelta(days=9)
    live = input_timeline(as_of, "2026-01-01T00:00:00Z", RoleDataError, live=True)
    # The account went on being used after --as-of (the scan's own role, at least).
    assert live.admit("role a", created, [("last_used", datetime.now(UTC))])
    with pytest.raises(RoleDataError, match="role a: last_used 2099-01-01T00:00:00Z is in the"):
        live.admit("role a", created, [("last_used", datetime(2099, 1, 1, tzinfo=UTC))])
    saved = input_timeline(as_of, "2026-01-01T00:00:00Z", RoleDataError, live=False)
    soon = [("last_used", as_of + timedelta(minutes=5))]
    with pytest.raises(RoleDataError, match="role a: last_used 2026-01-01T00:05:00Z is after --as"):
        saved.admit("role a", created, soon)
    assert not saved.admit("role b", as_of + timedelta(seconds=1))
    assert saved.not_yet_created == 1


def _live_users(sim_server: Any, now: datetime, key_used: datetime) -> None:
    from dormant_sim import seed
    from dormant_sim.seed import KeySeed

    for account in (seed.DEFAULT_ACCOUNT_ID, "111111111111"):
        sim_server.put_user(
            account,
            "old-hand",
            created=now - timedelta(days=400),
            keys=[KeySeed(created=now - timedelta(days=400), last_used=now - timedelta(days=90))],
        )
    sim_server.put_user(
        "111111111111",
        "eve",
        created=now - timedelta(days=10),
        keys=[KeySeed(created=now - timedelta(days=10), last_used=key_used)],
    )


def test_a_live_users_scan_leaves_out_users_created_after_as_of(dormant, sim_server) -> None:
    """The live read names the same time mistakes as a saved credential report."""
    from dormant_sim import seed

    now = datetime.now(UTC).replace(microsecond=0)
    sim_server.put_user(seed.DEFAULT_ACCOUNT_ID, "newcomer", created=now - timedelta(days=5))
    _live_users(sim_server, now, now - timedelta(days=1))
    as_of = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    result = dormant("users", "-f", "json", "--as-of", as_of, env=sim_server.env())
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert "newcomer" not in {f["user_name"] for f in document["findings"]}
    assert document["summary"]["not_yet_created"] == 1
    assert result.stderr.splitlines() == [
        f"dormant: note: 1 user created after --as-of {as_of} is left out (not_yet_created)"
    ]


def test_a_live_users_scan_names_a_key_used_in_the_future(dormant, sim_server) -> None:
    from dormant_sim import seed

    now = datetime.now(UTC).replace(microsecond=0)
    _live_users(sim_server, now, datetime(2099, 1, 1, tzinfo=UTC))
    # One account: nothing on stdout, one line naming the user and the column, exit 2.
    env = sim_server.env()
    member = sim_server.client("sts").assume_role(
        RoleArn="arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
        RoleSessionName="test",
    )["Credentials"]
    env.update(
        {
            "AWS_ACCESS_KEY_ID": member["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": member["SecretAccessKey"],
            "AWS_SESSION_TOKEN": member["SessionToken"],
        }
    )
    alone = dormant("users", env=env)
    assert alone.returncode == 2, alone.stderr
    assert alone.stdout == ""
    [line] = alone.stderr.splitlines()
    assert line.startswith(
        "dormant: error: user eve: access_key_1_last_used_date 2099-01-01T00:00:00Z is in the "
        "future (after "
    ), line
    # Many accounts: that account fails with the same words, the others are reported.
    accounts = ["111111111111", seed.DEFAULT_ACCOUNT_ID]
    many = dormant(
        "users",
        "--accounts",
        "-",
        "--role-name",
        "OrganizationAccountAccessRole",
        "-f",
        "tsv",
        input="\n".join(accounts) + "\n",
        env=sim_server.env(),
    )
    assert many.returncode == 3, many.stderr
    assert any(
        line.startswith(f"{seed.DEFAULT_ACCOUNT_ID}\told-hand\t")
        for line in many.stdout.splitlines()
    )
    assert not any(line.startswith("111111111111") for line in many.stdout.splitlines())
    assert (
        "user eve: access_key_1_last_used_date 2099-01-01T00:00:00Z is in the future" in many.stderr
    )
