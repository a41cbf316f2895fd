"""AWS's findings as a source: N unused-role findings read and joined without a call per role.

One simulated account (``dormant_sim.server.SimulatedAws`` on loopback) holds N roles, all
unused for longer than the analyzer's 90-day window and older than it, and an
ACCOUNT_UNUSED_ACCESS analyzer that has analyzed them (N ACTIVE UnusedIAMRole findings). The
harness runs what ``dormant scan --source access-analyzer`` runs: ListAnalyzers, ListFindingsV2
filtered on ACTIVE and UnusedIAMRole (1,000 a page), GetAccountAuthorizationDetails (1,000
roles a page), dormant's decision on every role, and the join.

Expected exactly: 1 ListAnalyzers, ceil(N/1000) ListFindingsV2 and ceil(N/1000) GAAD calls,
nothing else (no GetFindingV2, no GetRole); the run stops (exit 1) if a count breaks that. The
join (``join_findings``) is timed alone, median of the reps: the processing beyond the calls.
The same findings read through Security Hub (``--source securityhub``: GetFindingsV2, 100 a
page) cost exactly ceil(N/100) calls, each translated from OCSF; timed as read and translate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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


@dataclass(frozen=True)
class AwsFindingsPlan:
    roles: int
    reps: int


def run_aws_findings(plan: AwsFindingsPlan) -> dict[str, Any]:
    from dormant.aws.access_analyzer import find_analyzer, read_findings
    from dormant.aws.securityhub_findings import MAX_RESULTS, read_securityhub_findings
    from dormant.core.settings import Settings
    from dormant.roles.agreement import join_findings
    from dormant.roles.aws import IamRoleSource
    from dormant.roles.decide import evaluate_roles

    now = datetime.now(UTC)
    settings = Settings(max_days=90)
    # bulk_roles ages and last uses are relative to its `now`: 400 days back makes every
    # role older than the window and unused for longer than it.
    with analyzed_account(
        now,
        f"aws_findings: seeding {plan.roles} roles",
        lambda sim: sim.bulk_roles(ACCOUNT_ID, plan.roles, now=now - timedelta(days=400)),
    ) as account:
        client = account.analyzer_client
        with measured(account.sim) as read:
            analyzer = find_analyzer(client, ACCOUNT_ID)
            aws_findings = list(
                read_findings(client, analyzer, ["UnusedIAMRole"], account_id=ACCOUNT_ID)
            )
            roles = IamRoleSource(account.iam, account_id=ACCOUNT_ID).roles()
            decided = list(evaluate_roles(roles, settings, now))
            joined, failures = join_findings(
                aws_findings, decided, settings=settings, now=now, reachable_accounts={ACCOUNT_ID}
            )
        hub = account.sim.client("securityhub", ACCOUNT_ID, region=REGION)
        hub.enable_security_hub()
        with measured(account.sim) as hub_read:
            hub_findings = list(
                read_securityhub_findings(hub, ["UnusedIAMRole"], account_id=ACCOUNT_ID)
            )
    join_s = median_seconds(
        lambda: join_findings(
            aws_findings, decided, settings=settings, now=now, reachable_accounts={ACCOUNT_ID}
        ),
        plan.reps,
    )
    pages = math.ceil(plan.roles / PAGE)
    expected = {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": pages,
        "iam:GetAccountAuthorizationDetails": pages,
    }
    if read.calls != expected:
        raise BenchmarkError(f"aws_findings: calls {read.calls}, expected exactly {expected}")
    hub_expected = {"securityhub:GetFindingsV2": math.ceil(plan.roles / MAX_RESULTS)}
    if hub_read.calls != hub_expected or len(hub_findings) != plan.roles:
        raise BenchmarkError(
            f"aws_findings: Security Hub calls {hub_read.calls} for {len(hub_findings)} "
            f"findings, expected exactly {hub_expected} for {plan.roles}"
        )
    if len(joined) != plan.roles or failures:
        raise BenchmarkError(
            f"aws_findings: {len(joined)} joined of {plan.roles}, {len(failures)} failures"
        )
    agreed = sum(1 for f in joined if f.agreement is not None and f.agreement.agrees)
    return {
        "roles": plan.roles,
        "findings": len(aws_findings),
        "agreed": agreed,
        "calls": read.calls,
        "expected_calls": expected,
        "read_and_join_s": round(read.seconds, 3),
        "join_s": round(join_s, 4),
        "securityhub_calls": hub_read.calls,
        "securityhub_expected_calls": hub_expected,
        "securityhub_read_s": round(hub_read.seconds, 3),
    }


def print_aws_findings(result: dict[str, Any]) -> None:
    print(f"\n## AWS's findings as a source: {result['roles']} unused roles on loopback\n")
    calls = calls_text(result["calls"])
    print(
        table(
            ["findings", "agreed", "calls", "read+decide+join", "join alone (median)"],
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
    hub_calls = calls_text(result["securityhub_calls"])
    print(
        f"\nThrough Security Hub: {hub_calls}, read and translated from OCSF in "
        f"{fmt_seconds(result['securityhub_read_s'])}."
    )


def aws_findings_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return [
        calls_target(
            "aws_findings: ceil(N/1000) ListFindingsV2 and GAAD pages, no call per role",
            result["calls"],
            result["expected_calls"],
        ),
        calls_target(
            "aws_findings: ceil(N/100) GetFindingsV2 pages through Security Hub",
            result["securityhub_calls"],
            result["securityhub_expected_calls"],
        ),
        join_target("aws_findings", result),
    ]
