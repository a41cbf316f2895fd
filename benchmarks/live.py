"""Live account on loopback: dormant's Lambda handler against two common approaches.

One simulated account (``dormant_sim.server.SimulatedAws``: moto made strict, with paging,
a request recorder and an injected latency per request) holds N roles. Three programs each
evaluate every role and post the results to AWS Config, each in a child process:

- ``dormant``: ``dormant.handler.lambda_handler`` on a real ScheduledNotification event;
- ``list+get``: ListRoles (paged, 100 a page) then GetRole per role: what many tools do;
- ``gaad@100``: GetAccountAuthorizationDetails at 100 roles a call: the blog's paging.

API calls come from the simulation's recorder, so they are exact. The first dormant run sees
an empty Config history; later runs page through the N results Config then holds (the stale
check), which is the steady state of a daily rule. ``list+get`` at large N may be measured on
a sample of its GetRole calls and extrapolated; the output says so wherever it happens.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from _common import BenchmarkError, client_argv, log, median, ratio, run_child, server_clock

ACCOUNT_ID = "123456789012"
RULE_NAME = "dormant-unused-iam-roles"
IAM_OPS = ("ListRoles", "GetRole", "GetAccountAuthorizationDetails")

# A realistic role carries an inline policy and a few tags: they make every role detail (and
# so every GetAccountAuthorizationDetails page) as heavy to parse as a real one.
_INLINE_POLICIES = {
    "read-app-config": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": f"arn:aws:ssm:us-east-1:{ACCOUNT_ID}:parameter/app/*",
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::example-app-config/*",
            },
        ],
    }
}
_TAGS = {"team": "platform", "environment": "production", "cost-center": "cc-1234"}


@dataclass(frozen=True)
class LivePlan:
    sizes: tuple[int, ...]
    latency_s: float
    dormant_reps: int
    gaad100_reps: int
    # Largest N at which list+get runs in full; above it, GetRole is sampled.
    list_get_full_up_to: int
    list_get_sample: int
    # Roles with an inline policy and tags (realistic, and heavier for the simulator to serve).
    rich_roles: bool = True


def _iam_calls(counts: dict[str, int]) -> int:
    return sum(v for k, v in counts.items() if k.split(":", 1)[1] in IAM_OPS)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


def _server_share(sim: Any, latency_s: float) -> dict[str, float]:
    """How long the simulator spent on the requests beyond the injected latency."""
    seconds, _ = server_clock.read()
    requests = sim.recorder.calls()
    return {
        "server_s": seconds,
        "simulator_overhead_s": max(0.0, seconds - latency_s * requests),
        # The harness process only serves requests while a client runs: its CPU is moto's.
        "simulator_cpu_s": time.process_time() - server_clock.cpu_mark,
    }


def _start(sim: Any) -> None:
    sim.recorder.reset()
    server_clock.reset()


def _run_dormant(
    sim: Any, env: dict[str, str], n: int, rep: int, latency_s: float
) -> dict[str, Any]:
    _start(sim)
    event = sim.scheduled_event(RULE_NAME, ACCOUNT_ID)
    run = run_child(client_argv("handler"), env=env, stdin_text=json.dumps(event))
    counts = sim.recorder.counts()
    summary = run.report["summary"]
    _check(summary["roles"] == n, f"dormant saw {summary['roles']} roles, expected {n}")
    gaad = counts.get("iam:GetAccountAuthorizationDetails", 0)
    puts = counts.get("config:PutEvaluations", 0)
    _check(
        gaad == math.ceil(n / 1000),
        f"dormant made {gaad} GetAccountAuthorizationDetails calls for {n} roles, "
        f"expected {math.ceil(n / 1000)}",
    )
    expected_puts = math.ceil((n + summary["stale_results_cleared"]) / 100)
    _check(
        puts == expected_puts,
        f"dormant made {puts} PutEvaluations calls for {n} roles, expected {expected_puts}",
    )
    stored = len(sim.stored_evaluations(RULE_NAME, ACCOUNT_ID))
    _check(stored >= n, f"Config holds {stored} evaluations after the run, expected >= {n}")
    share = _server_share(sim, latency_s)
    return {
        "rep": rep,
        "run_s": run.report["run_s"],
        "net_s": run.report["run_s"] - share["simulator_overhead_s"],
        **share,
        "process_wall_s": run.wall_s,
        "process_cpu_s": run.cpu_s,
        "calls": counts,
        "stale_results_cleared": summary["stale_results_cleared"],
    }


def _run_gaad100(sim: Any, env: dict[str, str], n: int, latency_s: float) -> dict[str, Any]:
    _start(sim)
    token = sim.issue_result_token("blog-paging-baseline", ACCOUNT_ID)
    run = run_child(client_argv("gaad100", token, "blog-paging-baseline"), env=env)
    counts = sim.recorder.counts()
    _check(run.report["roles_decided"] == n, "gaad@100 baseline did not see every role")
    share = _server_share(sim, latency_s)
    return {
        "run_s": run.report["run_s"],
        "net_s": run.report["run_s"] - share["simulator_overhead_s"],
        **share,
        "process_wall_s": run.wall_s,
        "process_cpu_s": run.cpu_s,
        "calls": counts,
    }


def _run_list_get(
    sim: Any, env: dict[str, str], n: int, sample: int, latency_s: float
) -> dict[str, Any]:
    _start(sim)
    token = sim.issue_result_token("list-get-baseline", ACCOUNT_ID)
    run = run_child(client_argv("list-get", token, "list-get-baseline", str(sample)), env=env)
    counts = sim.recorder.counts()
    report = run.report
    decided = int(report["roles_decided"])
    share = _server_share(sim, latency_s)
    net_fraction = (report["run_s"] - share["simulator_overhead_s"]) / report["run_s"]
    _check(report["roles_listed"] == n, "list+get baseline did not list every role")
    _check(counts.get("iam:GetRole", 0) == decided, "list+get made an unexpected GetRole count")
    if decided == n:
        return {
            "measured": "full",
            "run_s": report["run_s"],
            "net_s": report["run_s"] * net_fraction,
            "process_cpu_s": run.cpu_s,
            **share,
            "calls": counts,
        }
    # Extrapolated: ListRoles is measured in full; GetRole and PutEvaluations scale per role.
    scale = n / decided
    puts_full = math.ceil(n / 100)
    puts_sample = max(1, counts.get("config:PutEvaluations", 0))
    estimate = (
        report["list_s"] + report["get_s"] * scale + report["put_s"] * puts_full / puts_sample
    )
    calls = dict(counts)
    calls["iam:GetRole"] = n
    calls["config:PutEvaluations"] = puts_full
    return {
        "measured": f"sample: all {counts.get('iam:ListRoles', 0)} ListRoles calls and "
        f"{decided} of {n} GetRole calls measured; time extrapolated linearly",
        "run_s": estimate,
        "net_s": estimate * net_fraction,
        "sample_run_s": report["run_s"],
        "sample_get_s": report["get_s"],
        "sample_roles": decided,
        "list_s": report["list_s"],
        "calls": calls,
        "calls_note": "ListRoles measured; GetRole = N and PutEvaluations = ceil(N/100) "
        "by construction (one GetRole per role, 100 evaluations per call)",
    }


def run_live(plan: LivePlan) -> dict[str, Any]:
    from dormant_sim.server import SimulatedAws

    results: dict[str, Any] = {
        "latency_s": plan.latency_s,
        "rich_roles": plan.rich_roles,
        "sizes": {},
    }
    server_clock.install()
    with SimulatedAws() as sim:
        for n in plan.sizes:
            log(f"live: seeding {n} roles")
            sim.reset()
            sim.bulk_roles(
                ACCOUNT_ID,
                n,
                now=datetime.now(UTC),
                inline_policies=_INLINE_POLICIES if plan.rich_roles else None,
                tags=_TAGS if plan.rich_roles else None,
            )
            sim.set_latency(plan.latency_s)
            env = sim.env()
            entry: dict[str, Any] = {"roles": n}

            runs = []
            for rep in range(1, plan.dormant_reps + 1):
                log(f"live: N={n} dormant handler run {rep}/{plan.dormant_reps}")
                runs.append(_run_dormant(sim, env, n, rep, plan.latency_s))
            steady = runs[1:] or runs
            entry["dormant"] = {
                "first_run_s": runs[0]["run_s"],
                "first_run_net_s": runs[0]["net_s"],
                "first_run_cpu_s": runs[0]["process_cpu_s"],
                "first_run_server_s": runs[0]["server_s"],
                "first_run_calls": runs[0]["calls"],
                "steady_run_s": median([r["run_s"] for r in steady]),
                "steady_net_s": median([r["net_s"] for r in steady]),
                "steady_server_s": median([r["server_s"] for r in steady]),
                "steady_calls": steady[-1]["calls"],
                "steady_process_cpu_s": median([r["process_cpu_s"] for r in steady]),
                "runs": runs,
            }

            gaad_runs = []
            for rep in range(1, plan.gaad100_reps + 1):
                log(f"live: N={n} gaad@100 baseline run {rep}/{plan.gaad100_reps}")
                gaad_runs.append(_run_gaad100(sim, env, n, plan.latency_s))
            entry["gaad100"] = {
                "run_s": median([r["run_s"] for r in gaad_runs]),
                "net_s": median([r["net_s"] for r in gaad_runs]),
                "server_s": median([r["server_s"] for r in gaad_runs]),
                "calls": gaad_runs[-1]["calls"],
                "process_cpu_s": median([r["process_cpu_s"] for r in gaad_runs]),
            }

            sample = 0 if n <= plan.list_get_full_up_to else plan.list_get_sample
            log(
                f"live: N={n} list+get baseline "
                + ("(full)" if sample == 0 else f"(sample of {sample} GetRole calls)")
            )
            entry["list_get"] = _run_list_get(sim, env, n, sample, plan.latency_s)

            d_iam = _iam_calls(entry["dormant"]["steady_calls"])
            entry["ratios"] = {
                "iam_calls_list_get_over_dormant": ratio(
                    _iam_calls(entry["list_get"]["calls"]), d_iam
                ),
                "iam_calls_gaad100_over_dormant": ratio(
                    _iam_calls(entry["gaad100"]["calls"]), d_iam
                ),
                "time_list_get_over_dormant": ratio(
                    entry["list_get"]["run_s"], entry["dormant"]["steady_run_s"]
                ),
                "time_gaad100_over_dormant": ratio(
                    entry["gaad100"]["run_s"], entry["dormant"]["steady_run_s"]
                ),
            }
            results["sizes"][str(n)] = entry
            sim.set_latency(0)
    return results
