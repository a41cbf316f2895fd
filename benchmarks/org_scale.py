"""Organizations: ``dormant.aws.orgs.scan_accounts`` over a simulated organization, by workers.

The simulation holds an organization of A member accounts with R roles each (seeded straight
into moto's backends: no API calls, so it takes seconds), and adds a latency to every request.
The scan runs in a child process from the management account's credentials, assuming a role
in each member, once per worker count. The recorder counts calls per account: each member must
cost exactly one sts:AssumeRole (recorded in the management account, which makes it) and
ceil(R/1000) iam:GetAccountAuthorizationDetails (recorded in the member).
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from _common import DATA_DIR, BenchmarkError, client_argv, log, ratio, run_child

MANAGEMENT_ACCOUNT_ID = "123456789012"
ROLE_NAME = "DormantReadOnly"


@dataclass(frozen=True)
class OrgPlan:
    accounts: int
    roles_per_account: int
    latency_s: float
    workers: tuple[int, ...]


def member_ids(count: int) -> list[str]:
    # 2xxxxxxxxxxx: clearly made-up ids, never the management account's.
    return [f"{200000000000 + i:012d}" for i in range(1, count + 1)]


def _check_calls(sim: Any, members: list[str], roles: int) -> dict[str, Any]:
    per_account: dict[str, Counter[str]] = {m: Counter() for m in members}
    management: Counter[str] = Counter()
    for call in sim.recorder.records():
        key = f"{call.service}:{call.operation}"
        if call.account_id == MANAGEMENT_ACCOUNT_ID:
            management[key] += 1
        elif call.account_id in per_account:
            per_account[call.account_id][key] += 1
        else:
            raise BenchmarkError(f"a call in unexpected account {call.account_id}: {key}")
    gaad = math.ceil(roles / 1000)
    for account, counts in per_account.items():
        if dict(counts) != {"iam:GetAccountAuthorizationDetails": gaad}:
            raise BenchmarkError(f"account {account} saw {dict(counts)}, expected {gaad} GAAD")
    if management["sts:AssumeRole"] != len(members):
        raise BenchmarkError(
            f"{management['sts:AssumeRole']} AssumeRole calls for {len(members)} accounts"
        )
    return {
        "per_member_account": {"sts:AssumeRole": 1, "iam:GetAccountAuthorizationDetails": gaad},
        "management_account": dict(management),
        "total": sum(management.values()) + sum(sum(c.values()) for c in per_account.values()),
    }


def run_org(plan: OrgPlan) -> dict[str, Any]:
    from dormant_sim.server import SimulatedAws

    result: dict[str, Any] = {
        "accounts": plan.accounts,
        "roles_per_account": plan.roles_per_account,
        "latency_s": plan.latency_s,
        "runs": [],
    }
    members = member_ids(plan.accounts)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    accounts_file = DATA_DIR / f"org-accounts-{plan.accounts}-{os.getpid()}.txt"
    accounts_file.write_text("\n".join(members) + "\n", encoding="utf-8")
    with SimulatedAws() as sim:
        sim.reset()
        log(f"org: seeding {plan.accounts} accounts x {plan.roles_per_account} roles")
        sim.create_organization(members)
        now = datetime.now(UTC)
        for account in members:
            sim.bulk_roles(account, plan.roles_per_account, now=now)
        sim.set_latency(plan.latency_s)
        env = sim.env()
        baseline: float | None = None
        for workers in plan.workers:
            log(f"org: scan with {workers} worker(s)")
            sim.recorder.reset()
            cpu_mark = time.process_time()
            run = run_child(
                client_argv("org", ROLE_NAME, str(workers), str(accounts_file)), env=env
            )
            report = run.report
            if report["failures"]:
                raise BenchmarkError(f"org scan failures: {report['failures'][:3]}")
            expected = plan.accounts * plan.roles_per_account
            if report["findings"] != expected:
                raise BenchmarkError(f"org scan found {report['findings']} roles, not {expected}")
            # The harness process only serves requests meanwhile: its CPU time is moto's.
            simulator_cpu = time.process_time() - cpu_mark
            calls = _check_calls(sim, members, plan.roles_per_account)
            seconds = float(report["run_s"])
            baseline = seconds if baseline is None else baseline
            result["runs"].append(
                {
                    "workers": workers,
                    "run_s": seconds,
                    "speedup": ratio(baseline, seconds),
                    "process_cpu_s": run.cpu_s,
                    "simulator_cpu_s": simulator_cpu,
                    # The simulator and the scanner share the cores: no worker count beats this.
                    "cpu_floor_s": (run.cpu_s + simulator_cpu) / (os.cpu_count() or 1),
                    # The scanner's threads run Python on one core at a time (the GIL).
                    "gil_floor_s": run.cpu_s,
                    "process_wall_s": run.wall_s,
                    "calls": calls,
                    "calls_by_scanner": report["calls"],
                }
            )
        sim.set_latency(0)
    accounts_file.unlink(missing_ok=True)
    return result
