"""The browser tests' report: 300 roles in 2 accounts, built to stress the page's layout.

Names of 64 characters, paths of 100, one role trusting 40 accounts, one with 12 tags,
some exempt by tag,
one with a long description and one whose description holds markup; every compliance,
some roles with admin power. Pure: rows in, an HTML file out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dormant.core.settings import Settings
from dormant.report import ReportMeta
from dormant.report.html import render_html
from dormant.roles.decide import evaluate_role
from dormant.roles.layout import ROLE_LAYOUT, Row, row_from_finding
from dormant.roles.model import Reference, Role, RoleReferences
from dormant.roles.references import with_references

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ACCOUNTS = ("111111111111", "222222222222")
ROLES = 300
WIDE = 40  # trusted accounts on one role
HOSTILE = '<img src="x" onerror="alert(1)">'


def _padded(text: str, length: int, filler: str) -> str:
    return (text + filler * length)[:length]


def _role(index: int) -> Role:
    account = ACCOUNTS[index % 2]
    name = _padded(f"AWSReservedSSO_Team{index:03d}_Access", 64, "x")
    path = _padded(f"/org/unit-{index % 7}/team-{index % 11}/", 99, "p") + "/"
    if index % 9 == 8:  # service-linked: not applicable
        path = _padded("/aws-service-role/svc.example.com/", 99, "s") + "/"
    days = None if index % 5 == 4 else (index * 7) % 500
    trusted = [f"{300000000000 + n}" for n in range(WIDE if index == 0 else index % 3)]
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{a}:root"},
            "Action": "sts:AssumeRole",
        }
        for a in trusted
    ]
    statements.append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    return Role(
        role_id=f"AROA{index:017d}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{account}:role{path}{name}",
        created=datetime(2021, 1, 1, tzinfo=UTC) + timedelta(days=index),
        last_used=None if days is None else NOW - timedelta(days=days),
        last_used_region=None if days is None else "eu-west-1",
        trust_policy={"Version": "2012-10-17", "Statement": statements},
        attached_policy_arns=(
            ("arn:aws:iam::aws:policy/AdministratorAccess",) if index % 13 == 0 else ()
        ),
        tags=tuple((f"key{n}", f"value-{index}-{n}") for n in range(12 if index == 1 else 2))
        + ((("dormant:exempt", "until=2024-12-31 audit"),) if index % 17 == 5 else ()),
        description=HOSTILE if index == 2 else ("a long description " * 20 if index == 3 else None),
        account_id=account,
    )


@dataclass(frozen=True)
class Report:
    path: Path
    rows: tuple[Row, ...]


def _references(index: int, role: Role) -> RoleReferences | None:
    """A scan's: every fourth role (not the widest) named by five functions with the longest
    names, the rest checked and named by nothing."""
    count = 5 if index % 4 == 1 else 0
    found = tuple(
        Reference(
            "AWS::Lambda::Function",
            f"arn:aws:lambda:eu-west-1:{role.account_id}:function:{_padded(str(n), 64, 'f')}",
            _padded(f"function-{index}-{n}-", 64, "f"),
            role.account_id,
            "eu-west-1",
            "configuration.role",
            "config",
        )
        for n in range(count)
    )
    return RoleReferences(found, ("iam", "config"))


def write_big_report(folder: Path, kind: str = "scan") -> Report:
    """``kind="report"``: as ``dormant report`` writes it, with the Recorded column; a
    scan's rows also say what references each role."""
    rows = tuple(
        row_from_finding(
            with_references(
                evaluate_role(_role(index), Settings(), NOW),
                _references(index, _role(index)) if kind == "scan" else None,
            )
        )._replace(recorded_at=NOW if kind == "report" else None)
        for index in range(ROLES)
    )
    meta = ReportMeta(
        layout=ROLE_LAYOUT,
        kind=kind,
        generated_at=NOW,
        source="organization (2 active accounts)",
        settings={"max_days": 90},
        multi_account=True,
    )
    out = io.StringIO()
    render_html(rows, meta, out)
    path = folder / f"{kind}.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    return Report(path, rows)
