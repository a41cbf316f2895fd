"""Reading IAM's credential report: special values, both input shapes, the join, errors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from dormant.core.errors import CredentialReportError
from dormant.users.model import Credential, CredentialKind
from dormant.users.records import join_user_details, parse_credential_report, read_credential_report

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
ROOT = (
    "<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,"
    "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
ALICE = (
    "alice,arn:aws:iam::111111111111:user/ops/alice,2023-01-01T00:00:00+00:00,true,"
    "no_information,2023-02-01T00:00:00+00:00,N/A,false,true,2023-03-01T00:00:00+00:00,"
    "2024-05-30T08:00:00+00:00,eu-west-1,s3,false,2023-04-01T00:00:00+00:00,N/A,N/A,N/A,"
    "false,N/A,false,N/A"
)
BOB = (
    "bob,arn:aws:iam::111111111111:user/bob,2023-06-01T12:00:00Z,false,N/A,N/A,N/A,false,"
    "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
REPORT = "\n".join([HEADER, ROOT, ALICE, BOB]) + "\n"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_special_value_reads_as_what_it_means() -> None:
    root, alice, bob = parse_credential_report(REPORT, where="report.csv")
    assert root.is_root
    assert root.credentials == ()
    assert alice.path == "/ops/"
    assert alice.account_id == "111111111111"
    assert alice.user_id is None
    assert alice.credentials == (
        Credential(CredentialKind.PASSWORD, True, at("2023-02-01T00:00:00"), None),
        Credential(
            CredentialKind.ACCESS_KEY_1,
            True,
            at("2023-03-01T00:00:00"),
            at("2024-05-30T08:00:00"),
            "eu-west-1",
            "s3",
        ),
        Credential(CredentialKind.ACCESS_KEY_2, False, at("2023-04-01T00:00:00"), None),
    )
    assert bob.credentials == ()
    assert bob.created == at("2023-06-01T12:00:00")


def test_json_of_the_aws_cli_reads_like_the_csv() -> None:
    document = {
        "Content": base64.b64encode(REPORT.encode()).decode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2024-06-01T00:00:00+00:00",
    }
    assert read_credential_report(json.dumps(document)) == parse_credential_report(REPORT)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            REPORT.replace(",2024-05-30T08:00:00+00:00,", ",yesterday,"),
            "credential report r.csv: user alice: column access_key_1_last_used_date: "
            "expected an ISO 8601 timestamp",
        ),
        (
            REPORT.replace(
                "alice,arn:aws:iam::111111111111:user/ops/alice,2023-01-01T00:00:00+00:00,true",
                "alice,arn:aws:iam::111111111111:user/ops/alice,2023-01-01T00:00:00+00:00,maybe",
            ),
            "credential report r.csv: user alice: column password_enabled: expected true or false",
        ),
        (
            REPORT.replace(",access_key_2_active,", ",access_key_2_enabled,"),
            "credential report r.csv: user <root_account>: column access_key_2_active: missing",
        ),
        (HEADER.replace(",access_key_1_active", "") + "\n", "column access_key_1_active: missing"),
        ("not,a,report\n", "no header row with a 'user' column"),
        ('{"Content": "%%%"}', "'Content' is not base64"),
        ('{"ReportFormat": "text/csv"}', "no 'Content' string"),
    ],
)
def test_malformed_reports_are_one_line_naming_user_and_column(text: str, message: str) -> None:
    with pytest.raises(CredentialReportError) as raised:
        read_credential_report(text, where="r.csv")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_short_row_names_its_user() -> None:
    short = "\n".join([HEADER, ALICE.rsplit(",", 6)[0]]) + "\n"
    with pytest.raises(CredentialReportError, match="user alice: column access_key_2_"):
        parse_credential_report(short, where="r.csv")


def test_join_adds_ids_paths_and_tags_by_arn_and_drops_deleted_users() -> None:
    users = parse_credential_report(REPORT)
    details = [
        {
            "UserName": "alice",
            "UserId": "AIDAALICE",
            "Arn": "arn:aws:iam::111111111111:user/ops/alice",
            "Path": "/ops/",
            "Tags": [{"Key": "team", "Value": "data"}],
        },
        {
            "UserName": "carol",  # created after the report: no row yet
            "UserId": "AIDACAROL",
            "Arn": "arn:aws:iam::111111111111:user/carol",
            "Path": "/",
        },
    ]
    joined = join_user_details(users, details)
    assert [(u.name, u.user_id, u.tags) for u in joined] == [
        ("<root_account>", None, ()),
        ("alice", "AIDAALICE", (("team", "data"),)),
    ]


def test_join_rejects_a_detail_without_its_id() -> None:
    with pytest.raises(CredentialReportError, match="user alice in account 111111111111 has no"):
        join_user_details([], [{"UserName": "alice"}], where="account 111111111111")


def test_booleans_are_read_whatever_their_case() -> None:
    shouting = REPORT.replace(",true,", ",TRUE,").replace(",false,", ",False,")
    assert parse_credential_report(shouting, where="r.csv") == parse_credential_report(
        REPORT, where="r.csv"
    )
    with pytest.raises(CredentialReportError, match="expected true or false, got 'yes'"):
        parse_credential_report(shouting.replace(",TRUE,", ",yes,", 1), where="r.csv")
