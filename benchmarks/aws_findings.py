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
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import BenchmarkError, fmt_seconds, log, median, table

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PAGE = 1000


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
    from dormant_sim import access_analyzer
    from dormant_sim.server import SimulatedAws

    now = datetime.now(UTC)
    settings = Settings(max_days=90)
    with SimulatedAws() as sim:
        sim.reset()  # moto's state is the process's: the earlier sections' roles are there
        log(f"aws_findings: seeding {plan.roles} roles")
        # bulk_roles ages and last uses are relative to its `now`: 400 days back makes every
        # role older than the window and unused for longer than it.
        sim.bulk_roles(ACCOUNT_ID, plan.roles, now=now - timedelta(days=400))
        access_analyzer.create_analyzer(ACCOUNT_ID, "unused", endpoint_url=sim.endpoint_url)
        access_analyzer.analyze(now - timedelta(days=1))
        analyzer_client = sim.client("accessanalyzer", ACCOUNT_ID, region=REGION)
        iam = sim.client("iam", ACCOUNT_ID, region=REGION)
        sim.recorder.reset()
        started = time.perf_counter()
        analyzer = find_analyzer(analyzer_client, ACCOUNT_ID)
        aws_findings = list(
            read_findings(analyzer_client, analyzer, ["UnusedIAMRole"], account_id=ACCOUNT_ID)
        )
        decided = list(
            evaluate_roles(IamRoleSource(iam, account_id=ACCOUNT_ID).roles(), settings, now)
        )
        joined, failures = join_findings(
            aws_findings, decided, settings=settings, now=now, reachable_accounts={ACCOUNT_ID}
        )
        read_s = time.perf_counter() - started
        calls = sim.recorder.counts()
        hub = sim.client("securityhub", ACCOUNT_ID, region=REGION)
        hub.enable_security_hub()
        sim.recorder.reset()
        started = time.perf_counter()
        hub_findings = list(
            read_securityhub_findings(hub, ["UnusedIAMRole"], account_id=ACCOUNT_ID)
        )
        hub_s = time.perf_counter() - started
        hub_calls = sim.recorder.counts()
    joins = []
    for _ in range(plan.reps):
        began = time.perf_counter()
        join_findings(
            aws_findings, decided, settings=settings, now=now, reachable_accounts={ACCOUNT_ID}
        )
        joins.append(time.perf_counter() - began)
    pages = math.ceil(plan.roles / PAGE)
    expected = {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": pages,
        "iam:GetAccountAuthorizationDetails": pages,
    }
    if calls != expected:
        raise BenchmarkError(f"aws_findings: calls {calls}, expected exactly {expected}")
    hub_expected = {"securityhub:GetFindingsV2": math.ceil(plan.roles / MAX_RESULTS)}
    if hub_calls != hub_expected or len(hub_findings) != plan.roles:
        raise BenchmarkError(
            f"aws_findings: Security Hub calls {hub_calls} for {len(hub_findings)} findings, "
            f"expected exactly {hub_expected} for {plan.roles}"
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
        "calls": calls,
        "expected_calls": expected,
        "read_and_join_s": round(read_s, 3),
        "join_s": round(median(joins), 4),
        "securityhub_calls": hub_calls,
        "securityhub_expected_calls": hub_expected,
        "securityhub_read_s": round(hub_s, 3),
    }


def print_aws_findings(result: dict[str, Any]) -> None:
    print(f"\n## AWS's findings as a source: {result['roles']} unused roles on loopback\n")
    calls = ", ".join(f"{k} {v}" for k, v in sorted(result["calls"].items()))
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
    hub_calls = ", ".join(f"{k} {v}" for k, v in sorted(result["securityhub_calls"].items()))
    print(
        f"\nThrough Security Hub: {hub_calls}, read and translated from OCSF in "
        f"{fmt_seconds(result['securityhub_read_s'])}."
    )


def aws_findings_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return [
        (
            "aws_findings: ceil(N/1000) ListFindingsV2 and GAAD pages, no call per role",
            result["calls"] == result["expected_calls"],
            ", ".join(f"{k} {v}" for k, v in sorted(result["calls"].items())),
        ),
        (
            "aws_findings: ceil(N/100) GetFindingsV2 pages through Security Hub",
            result["securityhub_calls"] == result["securityhub_expected_calls"],
            ", ".join(f"{k} {v}" for k, v in sorted(result["securityhub_calls"].items())),
        ),
        (
            "aws_findings: join under 1 s beyond the calls",
            result["join_s"] < 1.0,
            f"join {result['join_s']:.3f} s for {result['findings']} findings",
        ),
    ]
