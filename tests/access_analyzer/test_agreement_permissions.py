"""The permissions' join: each AWS UnusedPermission finding gets dormant's per-service decision
and whether they agree. Table-driven, one row per kind of (dis)agreement, over plain values:
`evaluate_permissions` (the command's one decision) decides, `join_permission_findings`
compares."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.aws_findings import AwsFinding, UnusedAction, UnusedService
from dormant.core.settings import DEFAULT_EXEMPT_TAG_KEY, Settings
from dormant.permissions.agreement import (
    flagged_role_names,
    join_permission_findings,
    needs_details,
)
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.model import ServiceAccess, TrackedAction
from dormant.roles.model import Role

ACCOUNT = "123456789012"
OTHER = "111111111111"
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ANALYZED = NOW - timedelta(days=2)
SETTINGS = Settings(max_days=90)


def days_ago(days: int | None) -> datetime | None:
    return None if days is None else NOW - timedelta(days=days)


def role(
    name: str,
    *,
    path: str = "/",
    age: int = 400,
    tags: dict[str, str] | None = None,
    account: str = ACCOUNT,
) -> Role:
    return Role(
        role_id=f"AROA{name.upper()[:12]:0<12}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{account}:role{path}{name}",
        created=NOW - timedelta(days=age),
        last_used=NOW - timedelta(days=1),
        last_used_region="us-east-1",
        tags=tuple((tags or {}).items()),
        account_id=account,
    )


def access(namespace: str, used: int | None, **actions: int | None) -> ServiceAccess:
    return ServiceAccess(
        namespace,
        namespace.upper(),
        days_ago(used),
        None if used is None else "us-east-1",
        tuple(TrackedAction(name, days_ago(days)) for name, days in actions.items()),
    )


def flagged(namespace: str, used: int | None, *actions: str) -> UnusedService:
    return UnusedService(namespace, days_ago(used), tuple(UnusedAction(a) for a in actions))


def aws(target: Role, *services: UnusedService, window: int = 90) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"finding-{target.name}",
        type="UnusedPermission",
        status="ACTIVE",
        analyzed_at=ANALYZED,
        resource_arn=target.arn,
        account_id=target.account_id,
        window_days=window,
        analyzer_arn=f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
        services=services,
        detailed=True,
    )


CASES = [
    # (label, role, its access, AWS's services, settings, agrees, why)
    ("both unused", role("a"), [access("kms", None)], [flagged("kms", None)], SETTINGS, True, None),
    (
        "one in common is enough",
        role("b"),
        [access("kms", 200), access("sqs", 10)],
        [flagged("kms", 200), flagged("sqs", 95)],
        SETTINGS,
        True,
        None,
    ),
    (
        "service-linked",
        role("AWSServiceRoleForX", path="/aws-service-role/x.amazonaws.com/"),
        [access("kms", None)],
        [flagged("kms", None)],
        SETTINGS,
        False,
        "service-linked: AWS manages it",
    ),
    (
        "exempt",
        role("c", tags={DEFAULT_EXEMPT_TAG_KEY: "until=2027-01-31 audit"}),
        [access("kms", None)],
        [flagged("kms", None)],
        SETTINGS,
        False,
        "exempt by tag until 2027-01-31",
    ),
    (
        "allow-listed",
        role("d", path="/ci/"),
        [access("kms", None)],
        [flagged("kms", None)],
        Settings(max_days=90, allow_patterns=("/ci/*",)),
        False,
        "allow-listed (/ci/*)",
    ),
    (
        "young",
        role("e", age=60),
        [access("kms", None)],
        [flagged("kms", None)],
        SETTINGS,
        False,
        "role is 60 days old, within dormant's 90",
    ),
    (
        "no longer granted",
        role("f"),
        [access("s3", 1)],
        [flagged("kms", None)],
        SETTINGS,
        False,
        "AWS flags kms, no longer granted (changed after its analysis)",
    ),
    (
        "used after the analysis",
        role("g"),
        [access("kms", 1)],
        [flagged("kms", 120)],
        SETTINGS,
        False,
        "used after AWS's last analysis: kms",
    ),
    (
        "windows differ",
        role("h"),
        [access("kms", 100)],
        [flagged("kms", 100)],
        Settings(max_days=120),
        False,
        "AWS window 90 days, dormant's 120",
    ),
    (
        "used within dormant's window",
        role("i"),
        [access("kms", 60)],
        [flagged("kms", None)],  # AWS saw no access where IAM's last-access data does
        SETTINGS,
        False,
        "AWS flags kms, dormant finds them used within its 90 days",
    ),
    (
        "actions only",
        role("j"),
        [access("s3", 3, GetObject=3, PutObject=None)],
        [flagged("s3", 3, "PutObject")],
        SETTINGS,
        False,
        "AWS flags s3 (actions only), dormant finds no service unused",
    ),
    (
        "actions only, dormant finds another service unused",
        role("k"),
        [access("s3", 3, GetObject=3, PutObject=None), access("sqs", None)],
        [flagged("s3", 3, "PutObject")],
        SETTINGS,
        False,
        "AWS flags unused actions of s3; dormant finds unused sqs",
    ),
]


@pytest.mark.parametrize(
    ("target", "records", "services", "settings", "agrees", "why"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_agreement(
    target: Role,
    records: list[ServiceAccess],
    services: list[UnusedService],
    settings: Settings,
    agrees: bool,
    why: str | None,
) -> None:
    finding = evaluate_permissions(target, records, settings, NOW)
    (joined,), failures = join_permission_findings(
        [aws(target, *services)],
        [finding],
        settings=settings,
        now=NOW,
        reachable_accounts={ACCOUNT},
    )
    assert failures == []
    assert joined.agreement is not None
    assert (joined.agreement.agrees, joined.agreement.why) == (agrees, why)
    assert (joined.compliance, joined.annotation) == (finding.compliance, finding.annotation)


def test_details_are_read_only_for_roles_dormant_weighed_service_by_service() -> None:
    weighed = evaluate_permissions(role("l"), [access("kms", None)], SETTINGS, NOW)
    spared = evaluate_permissions(role("m", age=10), [], SETTINGS, NOW)
    summary = replace(aws(role("l")), detailed=False)
    assert needs_details(summary, weighed)
    assert not needs_details(aws(role("l")), weighed)  # the source gave them already
    assert not needs_details(summary, spared)
    assert not needs_details(summary, None)


def test_what_cannot_be_joined_is_a_failure_and_names_narrow() -> None:
    here, gone, there = role("n"), role("o"), role("p", account=OTHER)
    a_user = replace(aws(here), resource_arn=f"arn:aws:iam::{ACCOUNT}:user/bob", id="u")
    findings = [aws(here, flagged("kms", None)), aws(gone), aws(there), a_user]
    assert flagged_role_names(findings) == ["n", "o", "p"]
    decided = [evaluate_permissions(here, [access("kms", None)], SETTINGS, NOW)]
    joined, failures = join_permission_findings(
        findings, decided, settings=SETTINGS, now=NOW, reachable_accounts={ACCOUNT}
    )
    assert [j.role.name for j in joined] == ["n"]
    messages = [f.message for f in failures]
    assert "no longer holds" in messages[0]
    assert gone.arn in messages[0]
    assert "judges roles only" in messages[1]
    assert "cannot reach" in messages[2]
    assert failures[2].account_id == OTHER
    narrowed, none = join_permission_findings(
        findings, decided, settings=SETTINGS, now=NOW, reachable_accounts={ACCOUNT}, wanted={"n"}
    )
    assert ([j.role.name for j in narrowed], none) == (["n"], [])
