"""Users: ``dormant users`` on a simulated account of N IAM users, and the parse + decide cost.

One simulated account (``dormant_sim.server.SimulatedAws``, with a latency per request and
a credential report that takes a few GenerateCredentialReport calls) holds N users with
one access key each. ``dormant users -f json`` runs as a child process against it; the
simulation's recorder gives its exact API calls: one report generation (plus its polls),
one GetCredentialReport, ceil(N/1000) GetAccountAuthorizationDetails, and never a call per
user. Then the report the simulation served is parsed and decided in this process
(``parse_credential_report`` + ``evaluate_users``), timed alone (median of the reps).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import BenchmarkError, log, median, run_child

ACCOUNT_ID = "123456789012"  # the simulation's account for the fake default credentials


@dataclass(frozen=True)
class UsersPlan:
    users: int
    latency_s: float
    reps: int
    report_polls: int = 2


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


def run_users(plan: UsersPlan) -> dict[str, Any]:
    from dormant.core.settings import Settings
    from dormant.users.decide import DEFAULT_USER_MAX_DAYS, evaluate_users
    from dormant.users.records import parse_credential_report
    from dormant_sim import credentials
    from dormant_sim.server import SimulatedAws

    now = datetime.now(UTC)
    with SimulatedAws() as sim:
        sim.reset()
        log(f"users: seeding {plan.users} users")
        sim.bulk_users(ACCOUNT_ID, plan.users, now=now)
        credentials.set_report_polls(plan.report_polls)
        sim.set_latency(plan.latency_s)
        sim.recorder.reset()
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "users.json"
            log(f"users: dormant users on {plan.users} users")
            run = run_child(
                [sys.executable, "-m", "dormant", "users", "-f", "json", "-o", str(out)],
                env=sim.env(),
                ok_codes=(0, 1),
            )
            document = json.loads(out.read_text(encoding="utf-8"))
        calls = sim.recorder.counts()
        sim.set_latency(0)
        text = credentials.report_csv(ACCOUNT_ID)
    expected = {
        "iam:GenerateCredentialReport": plan.report_polls + 1,
        "iam:GetCredentialReport": 1,
        "iam:GetAccountAuthorizationDetails": math.ceil(plan.users / 1000),
    }
    iam_calls = {k: v for k, v in calls.items() if k.startswith("iam:")}
    _check(iam_calls == expected, f"users: IAM calls {iam_calls}, expected {expected}")
    _check(
        document["summary"]["users"] == plan.users + 1,
        f"users: {document['summary']['users']} findings for {plan.users} users and the root",
    )
    settings = Settings(max_days=DEFAULT_USER_MAX_DAYS)
    timings: list[float] = []
    non_compliant = 0
    for rep in range(plan.reps):
        log(f"users: parse + decide {plan.users} rows, {rep + 1}/{plan.reps}")
        started = time.perf_counter()
        users = parse_credential_report(text, where="benchmark")
        findings = list(evaluate_users(users, settings, now))
        timings.append(time.perf_counter() - started)
        non_compliant = sum(1 for f in findings if f.compliance == "NON_COMPLIANT")
    return {
        "users": plan.users,
        "latency_s": plan.latency_s,
        "report_polls": plan.report_polls,
        "calls": calls,
        "command_wall_s": round(run.wall_s, 3),
        "command_cpu_s": round(run.cpu_s, 3),
        "parse_decide_s": round(median(timings), 4),
        "reps": plan.reps,
        "non_compliant": non_compliant,
        "report_mb": round(len(text.encode()) / 1e6, 2),
    }
