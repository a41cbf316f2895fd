"""Which accounts to scan: account records, target files in every accepted shape, their errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dormant.core.errors import InvalidParameter
from dormant.engine.accounts import AccountTarget, is_active, target_from_record, targets_from_file

A = "111111111111"
B = "222222222222"
C = "333333333333"
ZERO = "012345678901"  # account ids may start with 0


@pytest.mark.parametrize(
    ("record", "active"),
    [
        ({"Id": A, "Status": "ACTIVE"}, True),
        ({"Id": A, "Status": "SUSPENDED"}, False),
        ({"Id": A, "Status": "PENDING_CLOSURE"}, False),
        ({"Id": A, "State": "ACTIVE"}, True),
        ({"Id": A, "State": "CLOSED"}, False),
        ({"Id": A, "State": "PENDING_ACTIVATION"}, False),
        ({"Id": A, "Status": "ACTIVE", "State": "ACTIVE"}, True),
        ({"Id": A, "Status": "SUSPENDED", "State": "ACTIVE"}, False),
        ({"Id": A, "Status": "ACTIVE", "State": "PENDING_CLOSURE"}, False),
        ({"Id": A}, True),
    ],
)
def test_is_active_reads_status_and_state(record: dict[str, Any], active: bool) -> None:
    assert is_active(record) is active
    assert (target_from_record(record) is not None) is active


def test_target_from_record_keeps_the_name() -> None:
    assert target_from_record({"Id": A, "Name": "prod", "Status": "ACTIVE"}) == AccountTarget(
        A, "prod"
    )


@pytest.mark.parametrize("bad", [{"Name": "x"}, {"Id": "12345"}, {"Id": 111111111111}, "text"])
def test_target_from_record_rejects_records_without_an_id(bad: object) -> None:
    with pytest.raises(InvalidParameter, match="ListAccounts result 4"):
        target_from_record(bad, "ListAccounts result 4")


@pytest.mark.parametrize("bad", ["12345678901", "1234567890123", "11111111111a", " " + A, ""])
def test_account_target_accepts_only_12_digits(bad: str) -> None:
    with pytest.raises(InvalidParameter, match="12-digit"):
        AccountTarget(bad)


def _write(tmp_path: Path, text: str, name: str = "accounts.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_text_file_with_comments_blank_lines_and_duplicates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"# production accounts\n{A}\n\n  {B}   # payments\r\n{A}\n{ZERO}\n",
    )
    assert targets_from_file(path) == [AccountTarget(A), AccountTarget(B), AccountTarget(ZERO)]


def test_text_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(("\ufeff" + f"{A}\n").encode())
    assert targets_from_file(str(path)) == [AccountTarget(A)]


def test_json_list_of_ids(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps([A, B, A]), "ids.json")
    assert targets_from_file(path) == [AccountTarget(A), AccountTarget(B)]


def test_json_list_accepts_a_12_digit_number(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[{A}]", "ids.json")
    assert targets_from_file(path) == [AccountTarget(A)]


def test_json_number_that_lost_its_leading_zero_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[{int(ZERO)}]", "ids.json")
    with pytest.raises(InvalidParameter, match=r"ids\.json \[0\]"):
        targets_from_file(path)


def test_list_accounts_output_skips_accounts_that_are_not_active(tmp_path: Path) -> None:
    listing = {
        "Accounts": [
            {"Id": A, "Name": "management", "Status": "ACTIVE", "State": "ACTIVE"},
            {"Id": B, "Name": "old", "Status": "SUSPENDED", "State": "SUSPENDED"},
            {"Id": C, "Name": "workload", "Status": "ACTIVE"},
            {"Id": ZERO, "Name": "closing", "State": "PENDING_CLOSURE"},
        ]
    }
    path = _write(tmp_path, json.dumps(listing, indent=2), "org.json")
    assert targets_from_file(path) == [AccountTarget(A, "management"), AccountTarget(C, "workload")]


def test_json_list_of_account_objects(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps([{"Id": A, "Name": "a"}, {"Id": B}]), "objs.json")
    assert targets_from_file(path) == [AccountTarget(A, "a"), AccountTarget(B)]


def test_bad_line_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{A}\n# fine\n{B},prod\n")
    with pytest.raises(InvalidParameter) as caught:
        targets_from_file(path)
    message = str(caught.value)
    assert "--accounts" in message
    assert f"{path} line 3" in message
    assert f"'{B},prod'" in message


def test_short_id_on_a_line_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "12345\n")
    with pytest.raises(InvalidParameter, match=r"line 1: '12345' is not a 12-digit"):
        targets_from_file(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(InvalidParameter, match=rf"--accounts: {missing}: no such file"):
        targets_from_file(missing)


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameter, match="is a directory"):
        targets_from_file(str(tmp_path))


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InvalidParameter, match="not a UTF-8 text file"):
        targets_from_file(str(path))


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, f'[\n  "{A}",\n  "{B}"\n  "{C}"\n]', "broken.json")
    with pytest.raises(InvalidParameter, match=r"broken\.json line 4: not valid JSON"):
        targets_from_file(path)


def test_json_object_without_accounts_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"Roles": []}), "other.json")
    with pytest.raises(InvalidParameter, match="list-accounts"):
        targets_from_file(path)


def test_bad_entry_in_list_accounts_output_names_it(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"Accounts": [{"Id": A}, {"Name": "x"}]}), "org.json")
    with pytest.raises(InvalidParameter, match=r"org\.json Accounts\[1\]: .*no 12-digit Id"):
        targets_from_file(path)


@pytest.mark.parametrize("text", ["", "\n# only comments\n\n", "[]", '{"Accounts": []}'])
def test_file_without_ids_is_refused(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InvalidParameter, match="no active account ids"):
        targets_from_file(path)


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{B}\n{A}\n"))
    assert targets_from_file("-") == [AccountTarget(B), AccountTarget(A)]
