"""AWS's findings as a source for users: N credential findings read and joined, details only
where the summary cannot say which access key a finding is about.

One simulated account holds N users with one access key each (a third unused for a year, so
about N/3 UnusedIAMUserAccessKey findings) and T users with two keys, both unused (2T
findings whose key only GetFindingV2 names). The harness runs what ``dormant users --source
access-analyzer`` runs after the credential report: ListAnalyzers, ListFindingsV2 filtered on
ACTIVE and the two user types (1,000 a page), GetFindingV2 for the two-key users' findings,
one ListAccessKeys per two-key user, and the join.

Expected exactly: 1 ListAnalyzers, ceil(F/1000) ListFindingsV2, 2T GetFindingV2 and T
ListAccessKeys; the run stops (exit 1) if a count breaks that. The join alone is timed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from _common import BenchmarkError, fmt_seconds, table
from findings_world import (
    ACCOUNT_ID,
    PAGE,
    REGION,
    analyzed_account,
    calls_target,
    calls_text,
    join_target,
    measured,
    median_seconds,
)

if TYPE_CHECKING:
    from dormant_sim.server import SimulatedAws


@dataclass(frozen=True)
class AwsUserFindingsPlan:
    users: int
    two_key_users: int
    reps: int


def run_aws_user_findings(plan: AwsUserFindingsPlan) -> dict[str, Any]:
    from dormant.aws.access_analyzer import find_analyzer
    from dormant.aws.findings_source import AccessAnalyzerReader
    from dormant.core.settings import Settings
    from dormant.users.agreement import join_user_findings
    from dormant.users.aws import IamUserSource
    from dormant.users.aws_findings import joined_with_reader
    from dormant.users.decide import evaluate_users
    from dormant_sim.seed.users import KeySeed

    now = datetime.now(UTC)
    settings = Settings(max_days=90)
    old = now - timedelta(days=400)

    def seed(sim: SimulatedAws) -> None:
        sim.bulk_users(ACCOUNT_ID, plan.users, now=now)
        for index in range(plan.two_key_users):
            sim.put_user(
                ACCOUNT_ID,
                f"two-keys-{index:04d}",
                created=old,
                keys=[KeySeed(created=old), KeySeed(created=old + timedelta(days=1))],
            )

    seeding = f"aws_findings_users: seeding {plan.users} + {plan.two_key_users} users"
    with analyzed_account(now, seeding, seed) as account:
        client, iam = account.analyzer_client, account.iam
        decided = list(
            evaluate_users(IamUserSource(iam, account_id=ACCOUNT_ID).users(), settings, now)
        )
        with measured(account.sim) as read:
            reader = AccessAnalyzerReader(client, find_analyzer(client, ACCOUNT_ID), ACCOUNT_ID)
            joined, failures = joined_with_reader(
                reader, lambda: iam, decided, ACCOUNT_ID, settings=settings, now=now
            )
    aws_findings = [f.aws_finding for f in joined if f.aws_finding is not None]
    join_s = median_seconds(
        lambda: join_user_findings(
            aws_findings, decided, settings=settings, now=now, reachable_accounts={ACCOUNT_ID}
        ),
        plan.reps,
    )
    expected = {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": max(1, math.ceil(len(aws_findings) / PAGE)),
        "accessanalyzer:GetFindingV2": 2 * plan.two_key_users,
        "iam:ListAccessKeys": plan.two_key_users,
    }
    if read.calls != expected:
        raise BenchmarkError(f"aws_findings_users: calls {read.calls}, expected exactly {expected}")
    if failures or any(f.aws_credential is None for f in joined):
        raise BenchmarkError(f"aws_findings_users: {len(failures)} failures or unmatched keys")
    agreed = sum(1 for f in joined if f.agreement is not None and f.agreement.agrees)
    return {
        "users": plan.users + plan.two_key_users,
        "findings": len(aws_findings),
        "agreed": agreed,
        "calls": read.calls,
        "expected_calls": expected,
        "read_and_join_s": round(read.seconds, 3),
        "join_s": round(join_s, 4),
    }


def print_aws_user_findings(result: dict[str, Any]) -> None:
    print(f"\n## AWS's findings as a source for users: {result['users']} users on loopback\n")
    calls = calls_text(result["calls"])
    print(
        table(
            ["findings", "agreed", "calls", "read+join", "join alone (median)"],
            [
                [
                    result["findings"],
                    result["agreed"],
                    calls,
                    fmt_seconds(result["read_and_join_s"]),
                    fmt_seconds(result["join_s"]),
                ]
            ],
        )
    )


def aws_user_findings_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return [
        calls_target(
            "aws_findings_users: ceil(F/1000) ListFindingsV2, GetFindingV2 only for two-key users",
            result["calls"],
            result["expected_calls"],
        ),
        join_target("aws_findings_users", result),
    ]


# --------------------------------------------------------------------------- permissions


@dataclass(frozen=True)
class AwsPermissionFindingsPlan:
    roles: int  # each kind: as many roles spared by an exemption tag as weighed roles


def run_aws_permission_findings(plan: AwsPermissionFindingsPlan) -> dict[str, Any]:
    """R weighed roles and R exempt ones, each allowed kms and s3 and never using them: the
    used and old enough get an UnusedPermission finding. What ``dormant permissions --source
    access-analyzer`` runs: the listing, GAAD, a last-access job per weighed flagged role,
    GetFindingV2 only for those (an exempt role is spared whatever its services)."""
    from dormant.aws.access_analyzer import find_analyzer
    from dormant.aws.findings_source import AccessAnalyzerReader
    from dormant.core.settings import Settings
    from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
    from dormant.permissions.agreement import PERMISSION_FINDING_TYPES, flagged_role_names
    from dormant.permissions.aws_accounts import account_permissions
    from dormant.permissions.aws_findings import joined_with_aws_findings
    from dormant_sim import access

    now = datetime.now(UTC)
    settings = Settings(max_days=90)
    grants = {
        "app": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["kms:Decrypt", "s3:GetObject"], "Resource": "*"}
            ],
        }
    }

    def seed(sim: SimulatedAws) -> None:
        access.set_polls_to_complete(1)
        sim.bulk_roles(ACCOUNT_ID, plan.roles, now=now, prefix="weighed-", inline_policies=grants)
        sim.bulk_roles(
            ACCOUNT_ID,
            plan.roles,
            now=now,
            prefix="exempt-",
            inline_policies=grants,
            tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 benchmark"},
        )
        # Every role old and in use (bulk_roles varies both): each gets an UnusedPermission
        # finding rather than an UnusedIAMRole one.
        from moto.iam.models import iam_backends

        for role in iam_backends[ACCOUNT_ID]["aws"].roles.values():
            role.create_date = now - timedelta(days=400)
            role.last_used = now - timedelta(days=1)
            role.last_used_region = REGION

    seeding = f"aws_findings_permissions: seeding {2 * plan.roles} roles"
    with analyzed_account(now, seeding, seed) as account:
        client = account.analyzer_client
        with measured(account.sim) as read:
            reader = AccessAnalyzerReader(client, find_analyzer(client, ACCOUNT_ID), ACCOUNT_ID)
            aws_findings = list(reader.findings(PERMISSION_FINDING_TYPES))
            names = flagged_role_names(aws_findings)
            result = account_permissions(
                account.iam,
                ACCOUNT_ID,
                names,
                settings=settings,
                now=now,
                workers=4,
                filter_names=True,
            )
            joined, failures = joined_with_aws_findings(
                reader,
                aws_findings,
                result.findings,
                ACCOUNT_ID,
                settings=settings,
                now=now,
                wanted=None,
            )
        access.set_polls_to_complete(2)
    calls = read.calls
    weighed = sum(1 for name in names if name.startswith("weighed-"))
    expected = {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": max(1, math.ceil(len(aws_findings) / PAGE)),
        "accessanalyzer:GetFindingV2": weighed,
        "iam:GetAccountAuthorizationDetails": math.ceil(2 * plan.roles / PAGE),
        "iam:GenerateServiceLastAccessedDetails": weighed,
    }
    counted = {k: calls.get(k, 0) for k in expected}
    if counted != expected or result.failures or failures:
        raise BenchmarkError(
            f"aws_findings_permissions: calls {calls}, expected {expected}; "
            f"{len(result.failures) + len(failures)} failures"
        )
    agreed = sum(1 for f in joined if f.agreement is not None and f.agreement.agrees)
    return {
        "roles": 2 * plan.roles,
        "findings": len(aws_findings),
        "weighed": weighed,
        "agreed": agreed,
        "calls": calls,
        "expected_calls": expected,
        "read_and_join_s": round(read.seconds, 3),
    }


def print_aws_permission_findings(result: dict[str, Any]) -> None:
    print(f"\n## AWS's findings as a source for permissions: {result['roles']} roles on loopback\n")
    calls = calls_text(result["calls"])
    print(
        table(
            ["findings", "weighed", "agreed", "calls", "read+decide+join"],
            [
                [
                    result["findings"],
                    result["weighed"],
                    result["agreed"],
                    calls,
                    fmt_seconds(result["read_and_join_s"]),
                ]
            ],
        )
    )


def aws_permission_findings_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    counted = {k: result["calls"].get(k, 0) for k in result["expected_calls"]}
    return [
        calls_target(
            "aws_findings_permissions: GetFindingV2 and last-access jobs only for weighed roles",
            counted,
            result["expected_calls"],
        ),
    ]
