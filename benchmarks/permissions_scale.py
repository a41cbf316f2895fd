"""Unused permissions: ``dormant permissions --all`` over R roles, and the Config rule over 5,000.

The simulation holds R roles (seeded straight into moto's backend), each allowed S services
inline and old enough to be judged, about half of them with some services used; every
service-last-accessed job answers IN_PROGRESS once and COMPLETED at its second poll, and every
request is delayed by the plan's latency. The read runs in a child process
(``python benchmarks/permissions_scale.py child WORKERS IN_FLIGHT``) with W workers and up to
F jobs in flight, then over a second account of T roles while every 5th IAM call is throttled
once. T is smaller than R: the simulation throttles a fixed share of calls whatever their
rate, so botocore's adaptive retries, which lower the client's send rate after each throttle
to find the rate IAM sustains, keep lowering it towards their floor (0.5 requests a second);
real IAM throttles by rate, and stops once the rate is low enough. Exact expectations (raise
when broken): per role exactly 1 GenerateServiceLastAccessedDetails and 2
GetServiceLastAccessedDetails (one page holds all S services), plus the one
GetAccountAuthorizationDetails page per 1,000 roles and one GetCallerIdentity, nothing else;
every role decided, none lost, also when throttled. The *floor* is the calls made x the
latency / W, from the same run: what W workers need if every call waited only on its round
trip. Wall times are reported, not enforced.

The rule (``run_permissions_rule``, section ``permissions_rule``): a third account of N roles;
the real Lambda handler runs in a child (``rulechild BUDGET_S``) on a ScheduledNotification
event with ``kind=permissions``, its context's remaining time counted down from BUDGET_S of
wall time; runs repeat (a day apart) until Config holds a result for every role, or 5 runs.
Exact: every role reached once, 1 generate + 2 polls per role read, nothing marked
NOT_APPLICABLE.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import BenchmarkError, fmt_seconds, log, ratio, run_child, table

ACCOUNT_ID = "123456789012"
THROTTLED_ACCOUNT_ID = "111111111111"
RULE_ACCOUNT_ID = "222222222222"
RULE_NAME = "iam-role-last-used-permissions"
GENERATE = "iam:GenerateServiceLastAccessedDetails"
GET = "iam:GetServiceLastAccessedDetails"


@dataclass(frozen=True)
class PermissionsPlan:
    roles: int
    services: int
    latency_s: float
    workers: int
    throttled_roles: int
    in_flight: int = 32
    rule_roles: int = 5000
    budget_s: float = 900.0
    max_runs: int = 5


def _seed(sim: Any, account_id: str, roles: int, plan: PermissionsPlan, now: datetime) -> None:
    from moto.iam.models import iam_backends

    from dormant_sim import access

    namespaces = sorted(access.KNOWN_SERVICES)[: plan.services]
    if len(namespaces) < plan.services:
        raise BenchmarkError(f"the simulation knows only {len(namespaces)} services")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": [f"{ns}:*" for ns in namespaces], "Resource": "*"}
        ],
    }
    seeded = sim.bulk_roles(account_id, roles, now=now, inline_policies={"app": policy})
    backend = iam_backends[account_id]["aws"]
    by_name = {role.name: role for role in backend.roles.values()}
    for index, role in enumerate(seeded):
        # Old enough to be judged: every role's data is read.
        by_name[role.name].create_date = now - timedelta(days=400)
        if index % 2 == 0:
            for offset, namespace in enumerate(namespaces[: 1 + index % plan.services]):
                access.set_last_access(
                    account_id, role.name, namespace, now - timedelta(days=offset * 17)
                )


def _throttle_every_fifth_call(sim: Any) -> dict[str, int]:
    """Every 5th IAM call of the two job operations is answered Throttling (once: its retry is
    another call, which is never also a 5th)."""
    lock = threading.Lock()
    seen = {"calls": 0, "throttled": 0}

    def fifth(_: Any) -> bool:
        with lock:
            seen["calls"] += 1
            hit = seen["calls"] % 5 == 0
            seen["throttled"] += hit
            return hit

    for operation in ("GenerateServiceLastAccessedDetails", "GetServiceLastAccessedDetails"):
        sim.inject_error("iam", operation, "Throttling", "Rate exceeded", times=None, when=fifth)
    return seen


def _check(report: dict[str, Any], calls: dict[str, int], roles: int) -> None:
    if report["failures"]:
        raise BenchmarkError(f"permissions failures: {report['failures'][:3]}")
    if report["findings"] != roles:
        raise BenchmarkError(f"{report['findings']} roles decided, not {roles}")
    expected = {
        "iam:GetAccountAuthorizationDetails": math.ceil(roles / 1000),
        "sts:GetCallerIdentity": 1,
        GENERATE: roles,
        GET: 2 * roles,
    }
    if calls != expected:
        raise BenchmarkError(f"calls {calls}, expected {expected}")


def run_permissions(plan: PermissionsPlan) -> dict[str, Any]:
    from dormant_sim import access
    from dormant_sim.server import SimulatedAws

    result: dict[str, Any] = {
        "roles": plan.roles,
        "services": plan.services,
        "throttled_roles": plan.throttled_roles,
        "latency_s": plan.latency_s,
        "runs": [],
    }
    now = datetime.now(UTC)
    with SimulatedAws() as sim:
        sim.reset()
        log(f"permissions: seeding {plan.roles} roles x {plan.services} services")
        _seed(sim, ACCOUNT_ID, plan.roles, plan, now)
        _seed(sim, THROTTLED_ACCOUNT_ID, plan.throttled_roles, plan, now)
        access.set_polls_to_complete(1)
        sim.set_latency(plan.latency_s)
        cases = [(plan.workers, False), (plan.workers, True)]
        for workers, throttled in cases:
            account, roles = (
                (THROTTLED_ACCOUNT_ID, plan.throttled_roles)
                if throttled
                else (ACCOUNT_ID, plan.roles)
            )
            env = sim.env(account_id=account)
            log(f"permissions: {workers} worker(s){', throttled' if throttled else ''}")
            sim.clear_injections()
            seen = _throttle_every_fifth_call(sim) if throttled else None
            sim.recorder.reset()
            run = run_child(
                [sys.executable, __file__, "child", str(workers), str(plan.in_flight)],
                env=env,
                timeout_s=7200,
            )
            report = run.report
            # The client counts API calls (retries not counted); the simulation serves each
            # attempt, so it saw the throttled answers besides.
            calls = dict(report["calls"])
            throttled_calls = 0 if seen is None else seen["throttled"]
            served = sum(sim.recorder.counts(account).values())
            if served != sum(calls.values()) + throttled_calls:
                raise BenchmarkError(
                    f"{served} requests served, {throttled_calls} throttled, but the client "
                    f"made {sum(calls.values())} calls: {calls}"
                )
            _check(report, calls, roles)
            floor = sum(calls.values()) * plan.latency_s / workers
            result["runs"].append(
                {
                    "workers": workers,
                    "in_flight": plan.in_flight,
                    "floor_s": floor,
                    "vs_floor": ratio(float(report["run_s"]), floor),
                    "roles": roles,
                    "throttled": throttled,
                    "throttled_calls": throttled_calls,
                    "run_s": float(report["run_s"]),
                    "process_cpu_s": run.cpu_s,
                    "calls_per_role": (calls[GENERATE] + calls[GET]) / roles,
                    "calls": calls,
                }
            )
        sim.clear_injections()
        sim.set_latency(0)
    return result


def print_permissions(result: dict[str, Any]) -> None:
    print(
        f"\n## Unused permissions: {result['roles']} roles x {result['services']} services, "
        f"{result['latency_s'] * 1000:g} ms per request, jobs complete at the 2nd poll\n"
    )
    rows = [
        [
            r["roles"],
            r["workers"],
            r["in_flight"],
            f"every 5th call once ({r['throttled_calls']})" if r["throttled"] else "no",
            fmt_seconds(r["run_s"]),
            fmt_seconds(r["floor_s"]),
            f"{r['vs_floor']}x",
            f"{r['calls_per_role']:g} (1 generate + 2 polls)",
            fmt_seconds(r["process_cpu_s"]),
        ]
        for r in result["runs"]
    ]
    headers = ["roles", "workers", "in flight", "throttled", "wall", "floor", "wall / floor"]
    print(table([*headers, "calls per role", "client cpu"], rows))
    print(
        "\nwall: from the first call to the last decision, in the child process; floor: the "
        "calls made x the latency / workers;\nthrottled: a smaller account, as the simulation "
        "throttles a fixed share of calls at any rate (see the module)"
    )


def run_permissions_rule(plan: PermissionsPlan) -> dict[str, Any]:
    from dormant_sim import access
    from dormant_sim.server import SimulatedAws

    now = datetime.now(UTC)
    result: dict[str, Any] = {
        "roles": plan.rule_roles,
        "services": plan.services,
        "latency_s": plan.latency_s,
        "budget_s": plan.budget_s,
        "workers": plan.workers,
        "in_flight": plan.in_flight,
        "runs": [],
    }
    with SimulatedAws() as sim:
        sim.reset()
        log(f"permissions rule: seeding {plan.rule_roles} roles x {plan.services} services")
        _seed(sim, RULE_ACCOUNT_ID, plan.rule_roles, plan, now)
        access.set_polls_to_complete(1)
        sim.set_latency(plan.latency_s)
        env = sim.env(account_id=RULE_ACCOUNT_ID)
        for day in range(plan.max_runs):
            event = sim.scheduled_event(
                RULE_NAME,
                RULE_ACCOUNT_ID,
                notification_time=now + timedelta(days=day),
                rule_parameters={"kind": "permissions", "resource_type": "AWS::IAM::Role"},
            )
            sim.recorder.reset()
            log(f"permissions rule: run {day + 1}, {plan.budget_s:g} s budget")
            run = run_child(
                [sys.executable, __file__, "rulechild", str(plan.budget_s)],
                env=env,
                stdin_text=json.dumps(event),
                timeout_s=plan.budget_s + 600,
            )
            summary = run.report["summary"]
            calls = sim.recorder.counts(RULE_ACCOUNT_ID)
            read = calls.get(GENERATE, 0)
            if calls.get(GET, 0) != 2 * read:
                raise BenchmarkError(f"rule run {day + 1}: {calls}, not 2 polls per generate")
            stored = sim.stored_evaluations(RULE_NAME, RULE_ACCOUNT_ID)
            if any(e.compliance_type == "NOT_APPLICABLE" for e in stored):
                raise BenchmarkError("a role not reached was marked NOT_APPLICABLE")
            result["runs"].append(
                {
                    "run_s": float(run.report["run_s"]),
                    "process_cpu_s": run.cpu_s,
                    "peak_rss_mb": run.max_rss_mb,
                    "roles": summary["roles"],
                    "left": summary["left"],
                    "failed": summary.get("failed", 0),
                    "posted": summary["evaluations_posted"],
                    "calls": calls,
                    "held": len(stored),
                }
            )
            if len(stored) == plan.rule_roles:
                break
        sim.set_latency(0)
    held = result["runs"][-1]["held"]
    result["runs_to_cover"] = len(result["runs"]) if held == plan.rule_roles else None
    return result


def print_permissions_rule(result: dict[str, Any]) -> None:
    print(
        f"\n## Unused permissions rule: {result['roles']} roles x {result['services']} services, "
        f"{result['latency_s'] * 1000:g} ms per request, a {result['budget_s']:g} s budget, "
        f"{result['workers']} workers, {result['in_flight']} jobs in flight\n"
    )
    rows = [
        [
            index,
            r["roles"],
            r["left"],
            r["posted"],
            fmt_seconds(r["run_s"]),
            fmt_seconds(r["process_cpu_s"]),
            f"{r['peak_rss_mb']:.0f} MB",
        ]
        for index, r in enumerate(result["runs"], start=1)
    ]
    print(table(["run", "evaluated", "left", "posted", "wall", "cpu", "peak RSS"], rows))
    covered = result["runs_to_cover"]
    print(f"\nruns to cover every role: {covered if covered else 'not within the runs made'}")


def _rule_child(budget_s: float) -> None:
    """Run in a child process: the Lambda handler on the event read from stdin."""
    from dormant.handler import lambda_handler

    event = json.load(sys.stdin)
    started = time.perf_counter()

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return int((budget_s - (time.perf_counter() - started)) * 1000)

    summary = lambda_handler(event, Context())
    seconds = time.perf_counter() - started
    print(json.dumps({"run_s": seconds, "summary": summary}, default=str), flush=True)


def _child(workers: int, in_flight: int) -> None:
    """Run in a child process: read every role's permissions, print one JSON line."""
    from dormant.aws.calls import CallCounter
    from dormant.aws.session import caller_account, make_session
    from dormant.core.settings import Settings
    from dormant.permissions.aws import access_client_config
    from dormant.permissions.aws_accounts import account_permissions
    from dormant.permissions.model import DEFAULT_PERMISSIONS_MAX_DAYS

    session = make_session(region="us-east-1")
    counter = CallCounter()
    counter.attach(session.events)
    config = access_client_config(workers)
    started = time.perf_counter()
    account = caller_account(session, config)
    iam = session.client("iam", config=config)
    result = account_permissions(
        iam,
        account,
        None,
        settings=Settings(max_days=DEFAULT_PERMISSIONS_MAX_DAYS),
        now=datetime.now(UTC),
        workers=workers,
        in_flight=in_flight,
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "run_s": seconds,
                "findings": len(result.findings),
                "non_compliant": sum(1 for f in result.findings if f.unused_services),
                "failures": [f.message for f in result.failures],
                "calls": counter.snapshot(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        _child(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "rulechild":
        _rule_child(float(sys.argv[2]))
    else:
        sys.exit(
            "usage: permissions_scale.py child WORKERS IN_FLIGHT | rulechild BUDGET_S "
            "(run by benchmarks/run.py)"
        )
