"""The streaming snapshot reader: same roles as json.load, bounded reads, clear errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dormant.core.errors import SnapshotError
from dormant.roles import snapshot
from dormant.roles.records import role_from_detail
from dormant.roles.snapshot import iter_snapshot_roles, read_snapshot


def role_detail(i: int, *, v2_dates: bool = False) -> dict[str, Any]:
    suffix = "+00:00" if v2_dates else "Z"
    return {
        "Path": "/team/",
        "RoleName": f"role-{i}",
        "RoleId": f"AROA{i:016d}",
        "Arn": f"arn:aws:iam::111111111111:role/team/role-{i}",
        "CreateDate": f"2020-01-01T00:00:00{suffix}",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "x"}
            ],
        },
        "RolePolicyList": [
            {"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow"}]}}
        ],
        "Tags": [{"Key": "n", "Value": 'ünïcødé "quoted" ]}'}],
        "RoleLastUsed": {
            "LastUsedDate": f"2024-0{1 + i % 9}-01T00:00:00{suffix}",
            "Region": "eu-west-1",
        }
        if i % 3
        else {},
    }


def document(n: int, **kwargs: Any) -> dict[str, Any]:
    return {
        "UserDetailList": [{"UserName": "u", "List": [1, 2, {"a": [3]}]}],
        "GroupDetailList": [],
        "RoleDetailList": [role_detail(i, **kwargs) for i in range(n)],
        "Policies": [{"PolicyName": "x", "PolicyVersionList": [{"Document": {"a": "]"}}]}],
        "IsTruncated": False,
    }


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=25),
    chunk=st.integers(min_value=1, max_value=300),
    indent=st.sampled_from([None, 0, 2, 4]),
    v2=st.booleans(),
)
def test_stream_reads_the_same_roles_as_json_load(
    n: int, chunk: int, indent: int | None, v2: bool
) -> None:
    text = json.dumps(document(n, v2_dates=v2), indent=indent, ensure_ascii=False)
    with mock.patch.object(snapshot, "_CHUNK_CHARS", chunk):
        streamed = list(iter_snapshot_roles(io.StringIO(text), "s.json"))
    loaded = [role_from_detail(d, where="s.json") for d in json.loads(text)["RoleDetailList"]]
    assert streamed == loaded


class CountingReader(io.StringIO):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.largest = 0

    def read(self, size: int | None = -1) -> str:
        chunk = super().read(size)
        self.largest = max(self.largest, len(chunk))
        return chunk


def test_roles_are_yielded_before_the_file_is_read_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot, "_CHUNK_CHARS", 4096)
    text = json.dumps(document(2000))
    reader = CountingReader(text)
    roles = iter_snapshot_roles(reader, "big.json")
    next(roles)
    assert reader.tell() < len(text) // 10
    assert reader.largest <= 4096


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("[]", "not a JSON object"),
        ('{"Users": []}', "has no RoleDetailList"),
        ('{"RoleDetailList": [{"RoleName": "Ec2DevRole"}]}', "role Ec2DevRole in f.json has no"),
        ('{"RoleDetailList": [', "not valid JSON"),
        ('{"RoleDetailList": [] "x": 1}', "expected ',' or '}'"),
        ('{"RoleDetailList": []} trailing', "extra data"),
        ('{"RoleDetailList": [7]}', r"RoleDetailList\[0\] is not a JSON object"),
    ],
)
def test_bad_snapshots_name_the_file(text: str, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        list(iter_snapshot_roles(io.StringIO(text), "f.json"))


def test_missing_create_date_names_role_and_file(tmp_path: Path) -> None:
    bad = role_detail(1)
    del bad["CreateDate"]
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"RoleDetailList": [role_detail(0), bad]}))
    with pytest.raises(SnapshotError, match=r"role role-1 in .*snap.json has no CreateDate"):
        list(read_snapshot(path))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no such file"):
        list(read_snapshot(tmp_path / "absent.json"))
    with pytest.raises(SnapshotError, match="is a directory"):
        list(read_snapshot(tmp_path))


def test_byte_order_mark_and_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document(2)).encode())
    assert [r.name for r in read_snapshot(path)] == ["role-0", "role-1"]
    path.write_bytes(b'{"RoleDetailList": ["\xff\xfe"]}')
    with pytest.raises(SnapshotError, match="not UTF-8"):
        list(read_snapshot(path))
