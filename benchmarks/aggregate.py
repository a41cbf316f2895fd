"""Org-wide reports: ``dormant report --aggregator`` over a simulated Config aggregator.

The simulation holds A accounts with R roles each (seeded straight into moto) and the rule's
results for every role in every account (posted through PutEvaluations by uncounted seeding
clients), and an aggregator over all of them in the management account. With a latency on
every request, ``dormant report --aggregator`` runs as a child process once per worker
count. The recorder counts the calls: 1 DescribeAggregateComplianceByConfigRules per 1,000
pairs, ceil(R/100) GetAggregateComplianceDetailsByConfigRule and ceil(R/100)
ListAggregateDiscoveredResources per account; every role must come back, named.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from _common import BenchmarkError, log, ratio, run_child

MANAGEMENT_ACCOUNT_ID = "123456789012"
RULE = "iam-role-last-used"
AGGREGATOR = "organization"


@dataclass(frozen=True)
class AggregatePlan:
    accounts: int
    roles_per_account: int
    latency_s: float
    workers: tuple[int, ...]


def _account_ids(count: int) -> list[str]:
    return [f"{300000000000 + i:012d}" for i in range(1, count + 1)]


def _seed(sim: Any, accounts: list[str], roles: int) -> None:
    from dormant_sim import seed

    now = datetime.now(UTC)
    for account in accounts:
        seeded = sim.bulk_roles(account, roles, now=now)
        token = sim.issue_result_token(RULE, account)
        config = seed.internal_client("config", account, endpoint_url=sim.endpoint_url)
        evaluations = [
            {
                "ComplianceResourceType": "AWS::IAM::Role",
                "ComplianceResourceId": role.role_id,
                "ComplianceType": "NON_COMPLIANT" if i % 3 == 0 else "COMPLIANT",
                "Annotation": "No record of usage" if i % 3 == 0 else "Role age is 1 days",
                "OrderingTimestamp": now,
            }
            for i, role in enumerate(seeded)
        ]
        for start in range(0, len(evaluations), 100):
            config.put_evaluations(Evaluations=evaluations[start : start + 100], ResultToken=token)
    management = seed.internal_client(
        "config", MANAGEMENT_ACCOUNT_ID, endpoint_url=sim.endpoint_url
    )
    management.put_configuration_aggregator(
        ConfigurationAggregatorName=AGGREGATOR,
        AccountAggregationSources=[{"AccountIds": accounts, "AwsRegions": ["us-east-1"]}],
    )


def _check(calls: Counter[str], document: dict[str, Any], plan: AggregatePlan) -> dict[str, int]:
    pages = math.ceil(plan.roles_per_account / 100)
    expected = {
        "sts:GetCallerIdentity": 1,
        "config:DescribeAggregateComplianceByConfigRules": math.ceil(plan.accounts / 1000),
        "config:GetAggregateComplianceDetailsByConfigRule": plan.accounts * pages,
        "config:ListAggregateDiscoveredResources": plan.accounts * pages,
    }
    if dict(calls) != expected:
        raise BenchmarkError(f"aggregator report made {dict(calls)}, expected {expected}")
    roles = plan.accounts * plan.roles_per_account
    if document["summary"]["roles"] != roles or document["failures"]:
        raise BenchmarkError(f"aggregator report: {document['summary']}, {document['failures']}")
    unnamed = [f for f in document["findings"] if f["role_name"] == f["role_id"]]
    if unnamed:
        raise BenchmarkError(f"{len(unnamed)} roles left unnamed, e.g. {unnamed[0]['role_id']}")
    return expected


def run_aggregate(plan: AggregatePlan) -> dict[str, Any]:
    from dormant_sim.server import SimulatedAws

    result: dict[str, Any] = {
        "accounts": plan.accounts,
        "roles_per_account": plan.roles_per_account,
        "latency_s": plan.latency_s,
        "runs": [],
    }
    accounts = _account_ids(plan.accounts)
    with SimulatedAws() as sim:
        sim.reset()
        log(f"aggregate: seeding {plan.accounts} accounts x {plan.roles_per_account} results")
        _seed(sim, accounts, plan.roles_per_account)
        sim.set_latency(plan.latency_s)
        env = sim.env()
        baseline: float | None = None
        for workers in plan.workers:
            log(f"aggregate: report with {workers} worker(s)")
            sim.recorder.reset()
            cpu_mark = time.process_time()
            run = run_child(
                [sys.executable, "-m", "dormant", "report", "--aggregator", AGGREGATOR,
                 "--workers", str(workers), "--format", "json"],
                env=env,
                ok_codes=(1,),
            )  # fmt: skip
            simulator_cpu = time.process_time() - cpu_mark
            calls = Counter(sim.recorder.counts())
            expected = _check(calls, json.loads(run.stdout), plan)
            baseline = run.wall_s if baseline is None else baseline
            result["runs"].append(
                {
                    "workers": workers,
                    "run_s": run.wall_s,
                    "speedup": ratio(baseline, run.wall_s),
                    "process_cpu_s": run.cpu_s,
                    "simulator_cpu_s": simulator_cpu,
                    "calls": expected,
                    "total_calls": sum(expected.values()),
                    # Every call waits the latency; a pool of W overlaps W of them at best.
                    "latency_floor_s": sum(expected.values()) * plan.latency_s / workers,
                }
            )
        sim.set_latency(0)
    return result
