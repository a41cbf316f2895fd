"""The join: each AWS unused-role finding gets dormant's decision and whether they agree.

Table-driven, one row per kind of (dis)agreement, over plain values: the same
`evaluate_role` the scan uses decides each role, then `join_findings` compares.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.aws_findings import Agreement, AwsFinding
from dormant.core.settings import DEFAULT_EXEMPT_TAG_KEY, Settings
from dormant.roles.agreement import join_findings
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Reference, Role, RoleReferences

ACCOUNT = "123456789012"
OTHER = "111111111111"
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ANALYZED = NOW - timedelta(days=2)


def role(
    name: str,
    *,
    path: str = "/",
    age: int = 400,
    used: int | None = None,
    tags: dict[str, str] | None = None,
    account: str = ACCOUNT,
) -> Role:
    return Role(
        role_id=f"AROA{name.upper()[:12]:0<12}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{account}:role{path}{name}",
        created=NOW - timedelta(days=age),
        last_used=None if used is None else NOW - timedelta(days=used),
        last_used_region=None if used is None else "us-east-1",
        tags=tuple((tags or {}).items()),
        account_id=account,
    )


def aws_finding(target: Role, *, window: int = 90, account: str | None = None) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"finding-{target.name}",
        type="UnusedIAMRole",
        status="ACTIVE",
        analyzed_at=ANALYZED,
        resource_arn=target.arn,
        account_id=account or target.account_id,
        window_days=window,
        analyzer_arn=f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
    )


SETTINGS = Settings(max_days=90, allow_patterns=("/break-glass/*",))

CASES = [
    ("both-unused", role("idle", used=200), 90, SETTINGS, Agreement(True)),
    ("never-used", role("never"), 90, SETTINGS, Agreement(True)),
    (
        "windows-differ",
        role("sixty", used=70),
        60,
        SETTINGS,
        Agreement(False, "AWS window 60 days, dormant's 90"),
    ),
    (
        "used-after-analysis",
        role("back", used=1),
        90,
        SETTINGS,
        Agreement(False, "used 1 day ago, after AWS's last analysis"),
    ),
    (
        "exempt",
        role("kept", tags={DEFAULT_EXEMPT_TAG_KEY: "until=2027-01-31 audit"}),
        90,
        SETTINGS,
        Agreement(False, "exempt by tag until 2027-01-31"),
    ),
    (
        "allow-listed",
        role("glass", path="/break-glass/"),
        90,
        SETTINGS,
        Agreement(False, "allow-listed (/break-glass/*)"),
    ),
    (
        "managed",
        role("stack-role", tags={"aws:cloudformation:stack-name": "app"}),
        90,
        SETTINGS,
        Agreement(False, "managed by cloudformation"),
    ),
    (
        "service-linked",
        role("AWSServiceRoleForX", path="/aws-service-role/x.amazonaws.com/"),
        90,
        SETTINGS,
        Agreement(False, "service-linked: AWS manages it"),
    ),
    (
        "young-same-window",
        role("new", age=80),
        90,
        Settings(max_days=90),
        Agreement(False, "role is 80 days old, within dormant's 90"),
    ),
]


@pytest.mark.parametrize(
    ("target", "window", "settings", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_agreement(
    target: Role, window: int, settings: Settings, expected: Agreement
) -> None:
    decided = evaluate_role(target, settings, NOW)
    joined, failures = join_findings(
        [aws_finding(target, window=window)],
        [decided],
        settings=settings,
        now=NOW,
        reachable_accounts={ACCOUNT},
    )
    assert failures == []
    assert [(f.arn, f.agreement) for f in joined] == [(target.arn, expected)]
    assert joined[0].aws_finding == aws_finding(target, window=window)
    assert joined[0].compliance == decided.compliance  # dormant's decision is its own


def test_a_referenced_role_is_not_agreed() -> None:
    target = role("used-by-lambda", used=300)
    reference = Reference(
        "AWS::Lambda::Function",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "f",
        ACCOUNT,
        "us-east-1",
        "configuration.role",
        "config",
    )
    decided = evaluate_role(target, SETTINGS, NOW)
    decided = replace(decided, references=RoleReferences((reference,), ("config",)))
    joined, _ = join_findings(
        [aws_finding(target)], [decided], settings=SETTINGS, now=NOW, reachable_accounts={ACCOUNT}
    )
    assert joined[0].agreement == Agreement(False, "referenced by 1 resource")


def test_unreachable_accounts_and_deleted_roles_are_failures_not_dropped() -> None:
    here = role("here", used=200)
    gone = role("gone", used=200)
    elsewhere = [role(f"far{n}", account=OTHER) for n in range(2)]
    joined, failures = join_findings(
        [aws_finding(here), aws_finding(gone), *map(aws_finding, elsewhere)],
        [evaluate_role(here, SETTINGS, NOW)],
        settings=SETTINGS,
        now=NOW,
        reachable_accounts={ACCOUNT},
    )
    assert [f.arn for f in joined] == [here.arn]
    assert [(f.account_id, f.operation) for f in failures] == [
        (ACCOUNT, "access-analyzer:ListFindingsV2"),
        (OTHER, "access-analyzer:ListFindingsV2"),
    ]
    assert "finding-gone" in failures[0].message
    assert "no longer" in failures[0].message
    assert "2 unused roles in account 111111111111" in failures[1].message
    assert "cannot reach" in failures[1].message
