"""How ``referenced_snapshot`` holds its findings: each is let go once handed over, and
Python's cycle collector, off while they are held, is on again once the pass ends or is
abandoned (its results are checked in ``test_references_snapshot_oracle.py``)."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dormant.core.settings import Settings
from dormant.roles.decide import evaluate_roles
from dormant.roles.model import Finding, Role
from dormant.roles.references.snapshot import referenced_snapshot

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


def _snapshot(tmp_path: Path, roles: int) -> Path:
    details = [
        {
            "RoleName": f"r{i}",
            "RoleId": f"AROA{i:017d}",
            "Arn": f"arn:aws:iam::111111111111:role/r{i}",
            "Path": "/",
            "CreateDate": "2025-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": {"Statement": []},
            "RolePolicyList": [],
            "InstanceProfileList": [],
        }
        for i in range(roles)
    ]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps({"RoleDetailList": details}), encoding="utf-8")
    return path


def _decide(roles: Iterator[Role]) -> Iterator[Finding]:
    return evaluate_roles(roles, Settings(), NOW)


def test_each_finding_is_let_go_once_handed_over(tmp_path: Path) -> None:
    findings = referenced_snapshot(_snapshot(tmp_path, 3), _decide)
    first = next(findings)
    assert first.role.name == "r0"
    assert next(findings).role.name == "r1"
    # Nothing but this test holds the first finding now (its name and getrefcount's
    # argument): the pass let it go rather than keep every finding to the end.
    assert sys.getrefcount(first) == 2
    assert [f.role.name for f in findings] == ["r2"]


@pytest.mark.parametrize("abandoned", [False, True])
def test_the_collector_is_on_again_after_the_pass(tmp_path: Path, abandoned: bool) -> None:
    assert gc.isenabled()
    findings = referenced_snapshot(_snapshot(tmp_path, 3), _decide)
    next(findings)
    assert not gc.isenabled()  # off while findings are held
    if abandoned:
        findings.close()
    else:
        assert len(list(findings)) == 2
    assert gc.isenabled()
