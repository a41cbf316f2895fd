"""Run dormant's benchmarks, print the tables and the targets, write the results as JSON.

    python benchmarks/run.py                    # everything, full sizes (about 10 minutes)
    python benchmarks/run.py --quick            # tiny sizes, a few seconds: checks it still works
    python benchmarks/run.py --only live,org    # some sections (live, offline, coldstart, org,
                                                # churn, aggregate, users, permissions,
                                                # permissions_rule)

A full run writes benchmarks/results/latest.json (committed, to compare versions); a quick
run writes benchmarks/results/quick.json (ignored by git). Generated data goes to
benchmarks/.data/. Everything runs against a simulated AWS on 127.0.0.1: this harness never
talks to a real account. Exact expectations (API call counts) raise and exit 1 when broken;
timing targets are reported as met or not, never enforced.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    RESULTS_DIR,
    BenchmarkError,
    fmt_ratio,
    fmt_seconds,
    log,
    machine_info,
    table,
)
from aggregate import AggregatePlan, run_aggregate
from aws_findings import AwsFindingsPlan, aws_findings_targets, print_aws_findings, run_aws_findings
from aws_findings_users import (
    AwsPermissionFindingsPlan,
    AwsUserFindingsPlan,
    aws_permission_findings_targets,
    aws_user_findings_targets,
    print_aws_permission_findings,
    print_aws_user_findings,
    run_aws_permission_findings,
    run_aws_user_findings,
)
from churn import ChurnPlan, run_churn
from coldstart import run_coldstart
from live import IAM_OPS, LivePlan, run_live
from offline import OfflinePlan, run_offline
from org_scale import OrgPlan, run_org
from permissions_scale import (
    PermissionsPlan,
    print_permissions,
    print_permissions_rule,
    run_permissions,
    run_permissions_rule,
)
from references import ReferencesPlan, run_references
from users import UsersPlan, run_users

SECTIONS = (
    "live",
    "offline",
    "coldstart",
    "org",
    "churn",
    "aggregate",
    "users",
    "permissions",
    "permissions_rule",
    "references",
    "aws_findings",
    "aws_findings_users",
    "aws_findings_permissions",
)


def plans(quick: bool, full_baseline: bool, latency: float | None) -> dict[str, Any]:
    if quick:
        return {
            "live": LivePlan(
                sizes=(120, 1001),
                latency_s=0.002 if latency is None else latency,
                dormant_reps=2,
                gaad100_reps=1,
                list_get_full_up_to=200,
                list_get_sample=40,
                rich_roles=False,
            ),
            "offline": OfflinePlan(roles=1500, reps=1),
            "coldstart": 1,
            "org": OrgPlan(
                accounts=4,
                roles_per_account=20,
                latency_s=0.005 if latency is None else latency,
                workers=(1, 2),
            ),
            "churn": ChurnPlan(roles=600),
            "aggregate": AggregatePlan(
                accounts=4,
                roles_per_account=120,
                latency_s=0.005 if latency is None else latency,
                workers=(1, 4),
            ),
            "users": UsersPlan(users=1500, latency_s=0.002 if latency is None else latency, reps=1),
            "permissions": PermissionsPlan(
                roles=8,
                services=20,
                latency_s=0.005 if latency is None else latency,
                workers=4,
                throttled_roles=8,
                rule_roles=40,
            ),
            "references": ReferencesPlan(roles=200, resources=400, reps=1),
            "aws_findings": AwsFindingsPlan(roles=1001, reps=1),
            "aws_findings_users": AwsUserFindingsPlan(users=300, two_key_users=3, reps=1),
            "aws_findings_permissions": AwsPermissionFindingsPlan(roles=30),
        }
    return {
        "live": LivePlan(
            sizes=(1000, 10_000),
            latency_s=0.04 if latency is None else latency,
            dormant_reps=3,
            gaad100_reps=1,
            list_get_full_up_to=10**9 if full_baseline else 1000,
            list_get_sample=500,
        ),
        "offline": OfflinePlan(roles=100_000, reps=3),
        "coldstart": 10,
        "org": OrgPlan(
            accounts=200,
            roles_per_account=100,
            latency_s=0.04 if latency is None else latency,
            workers=(1, 4, 8, 16),
        ),
        "churn": ChurnPlan(roles=10_000),
        "aggregate": AggregatePlan(
            accounts=200,
            roles_per_account=100,
            latency_s=0.04 if latency is None else latency,
            workers=(1, 8, 16, 32),
        ),
        "users": UsersPlan(users=10_000, latency_s=0.04 if latency is None else latency, reps=5),
        "permissions": PermissionsPlan(
            roles=1000,
            services=20,
            latency_s=0.04 if latency is None else latency,
            workers=4,
            throttled_roles=100,
        ),
        "references": ReferencesPlan(roles=5000, resources=20_000, reps=3),
        "aws_findings": AwsFindingsPlan(roles=5000, reps=5),
        "aws_findings_users": AwsUserFindingsPlan(users=5000, two_key_users=20, reps=5),
        "aws_findings_permissions": AwsPermissionFindingsPlan(roles=500),
    }


# --------------------------------------------------------------------------- printing


def _iam(calls: dict[str, int]) -> int:
    return sum(v for k, v in calls.items() if k.split(":", 1)[1] in IAM_OPS)


def _calls_text(calls: dict[str, int]) -> str:
    short = {
        "iam:GetAccountAuthorizationDetails": "GAAD",
        "config:PutEvaluations": "Put",
        "config:GetComplianceDetailsByConfigRule": "GetCompliance",
        "iam:ListRoles": "ListRoles",
        "iam:GetRole": "GetRole",
        "iam:GenerateCredentialReport": "GenerateCredentialReport",
        "iam:GetCredentialReport": "GetCredentialReport",
    }
    return ", ".join(f"{short.get(k, k)} {v}" for k, v in sorted(calls.items()))


def print_live(result: dict[str, Any]) -> None:
    print(f"\n## Live account on loopback, {result['latency_s'] * 1000:g} ms per request\n")
    rows = []
    for n, entry in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        d, g, lg = entry["dormant"], entry["gaad100"], entry["list_get"]
        measured = (
            "measured"
            if lg["measured"] == "full"
            else f"EXTRAPOLATED from {lg['sample_roles']} GetRole"
        )
        for label, calls, wall, cpu, server, how in (
            (
                "dormant, 1st run",
                d["first_run_calls"],
                d["first_run_s"],
                d["first_run_cpu_s"],
                d["first_run_server_s"],
                "measured",
            ),
            (
                "dormant, steady",
                d["steady_calls"],
                d["steady_run_s"],
                d["steady_process_cpu_s"],
                d["steady_server_s"],
                "measured (median)",
            ),
            (
                "gaad@100 (blog)",
                g["calls"],
                g["run_s"],
                g["process_cpu_s"],
                g["server_s"],
                "measured (median)",
            ),
            (
                "list+get",
                lg["calls"],
                lg["run_s"],
                lg.get("process_cpu_s"),
                lg.get("server_s"),
                measured,
            ),
        ):
            rows.append(
                [
                    n,
                    label,
                    _iam(calls),
                    _calls_text(calls),
                    fmt_seconds(wall),
                    fmt_seconds(cpu),
                    fmt_seconds(server),
                    how,
                ]
            )
    print(
        table(
            [
                "roles",
                "approach",
                "IAM calls",
                "calls by operation",
                "wall",
                "client cpu",
                "in simulator",
                "how",
            ],
            rows,
        )
    )
    print(
        "\nwall: the work timed inside the client process (imports excluded), measured on "
        "loopback;\nclient cpu: the client process's CPU time (with interpreter start and "
        "imports);\nin simulator: time the requests spent in the simulated AWS, injected "
        "latency included"
    )
    ratio_rows = [
        [
            n,
            fmt_ratio(e["ratios"]["iam_calls_list_get_over_dormant"]),
            fmt_ratio(e["ratios"]["iam_calls_gaad100_over_dormant"]),
            fmt_ratio(e["ratios"]["time_list_get_over_dormant"]),
            fmt_ratio(e["ratios"]["time_gaad100_over_dormant"]),
        ]
        for n, e in sorted(result["sizes"].items(), key=lambda kv: int(kv[0]))
    ]
    print()
    print(
        table(
            [
                "roles",
                "IAM calls list+get/dormant",
                "IAM calls gaad@100/dormant",
                "time list+get/dormant",
                "time gaad@100/dormant",
            ],
            ratio_rows,
        )
    )


def print_offline(result: dict[str, Any]) -> None:
    print(
        f"\n## Offline snapshot: {result['roles']} roles, {result['file_mb']} MB "
        f"(median of {result['reps']})\n"
    )
    rows = [
        [
            "dormant scan -> JSON (references iam)",
            fmt_seconds(result["scan_wall_s"]),
            fmt_seconds(result["scan_cpu_s"]),
            f"{result['scan_peak_rss_mb']:.0f} MB",
        ],
        *(
            [
                [
                    "dormant scan --references none",
                    fmt_seconds(result["scan_none_wall_s"]),
                    fmt_seconds(result["scan_none_cpu_s"]),
                    f"{result['scan_none_peak_rss_mb']:.0f} MB",
                ]
            ]
            if result.get("scan_none_wall_s") is not None
            else []
        ),
        [
            "json.load + touch roles",
            fmt_seconds(result["json_load_wall_s"]),
            fmt_seconds(result.get("json_load_cpu_s")),
            f"{result['json_load_peak_rss_mb']:.0f} MB",
        ],
    ]
    print(table(["program (whole process)", "wall", "cpu", "peak RSS"], rows))
    print(
        f"\nscan/json.load time {fmt_ratio(result['time_scan_over_json_load'])}, "
        f"scan peak RSS / file size {fmt_ratio(result['rss_scan_over_file'])}, "
        f"references/none time {fmt_ratio(result.get('time_references_over_none'))}"
        f"\n(measured: {result['scan_command']})"
    )


def print_coldstart(result: dict[str, Any]) -> None:
    print(f"\n## Lambda cold start: import in a fresh interpreter (median of {result['reps']})\n")
    rows = [
        [
            "import dormant.handler",
            fmt_seconds(result["handler_import_s"]),
            fmt_seconds(result["handler_process_wall_s"]),
        ],
        [
            "import boto3",
            fmt_seconds(result["boto3_import_s"]),
            fmt_seconds(result["boto3_process_wall_s"]),
        ],
    ]
    print(table(["what", "import", "whole process"], rows))
    print(
        f"\nhandler/boto3 {fmt_ratio(result['handler_over_boto3'])}; CLI/simulation packages "
        f"loaded by the handler: {', '.join(result['forbidden_loaded']) or 'none'}"
    )


def print_org(result: dict[str, Any]) -> None:
    print(
        f"\n## Organization: {result['accounts']} accounts x {result['roles_per_account']} roles,"
        f" {result['latency_s'] * 1000:g} ms per request\n"
    )
    rows = [
        [
            r["workers"],
            fmt_seconds(r["run_s"]),
            fmt_ratio(r["speedup"]),
            fmt_seconds(r["process_cpu_s"]),
            fmt_seconds(r["simulator_cpu_s"]),
            fmt_seconds(r["cpu_floor_s"]),
            "AssumeRole 1, GAAD "
            + str(r["calls"]["per_member_account"]["iam:GetAccountAuthorizationDetails"]),
        ]
        for r in result["runs"]
    ]
    print(
        table(
            [
                "workers",
                "wall",
                "speed-up",
                "client cpu",
                "simulator cpu",
                "cpu floor",
                "calls per account",
            ],
            rows,
        )
    )
    print(
        "\ncpu floor: (client cpu + simulator cpu) / cores, the shortest wall the machine's cores "
        "allow;\nthe scanner's threads run Python on one core at a time (GIL), so its own "
        "client cpu bounds it too"
    )


def print_churn(result: dict[str, Any]) -> None:
    print(
        f"\n## Churn: {result['roles_at_start']:,} roles over {result['days']} simulated days "
        f"({result['roles_at_end']:,} at the end)\n"
    )
    rows = [
        [
            mode,
            f"{result[mode]['evaluations']:,}",
            f"${float(result[mode]['usd']):,.2f}",
        ]
        for mode in ("full", "changes")
    ]
    print(table(["mode", "evaluations posted in the month", "Config price"], rows))
    print(
        f"\nchanges / full: {result['changes_share_of_full']:.1%}; after the first run changes "
        f"posts {result['changes_daily_after_first_run']:g} a day "
        f"({result['observed_daily_change_rate']:.2%} of the roles); prices as taken on "
        f"{result['prices_taken']}"
    )


def print_aggregate(result: dict[str, Any]) -> None:
    print(
        f"\n## Org-wide report from a Config aggregator: {result['accounts']} accounts x "
        f"{result['roles_per_account']} roles, {result['latency_s'] * 1000:g} ms per request\n"
    )
    rows = [
        [
            r["workers"],
            r["total_calls"],
            fmt_seconds(r["run_s"]),
            fmt_ratio(r["speedup"]),
            fmt_seconds(r["latency_floor_s"]),
            fmt_seconds(r["process_cpu_s"]),
            fmt_seconds(r["simulator_cpu_s"]),
        ]
        for r in result["runs"]
    ]
    print(
        table(
            ["workers", "calls", "wall", "speed-up", "latency floor", "client cpu", "sim cpu"],
            rows,
        )
    )
    calls = result["runs"][0]["calls"]
    print("\ncalls: " + ", ".join(f"{k} {v}" for k, v in calls.items()))
    print(
        "wall: the whole `dormant report --aggregator` process (interpreter start included);\n"
        "latency floor: calls x latency / workers, what perfect overlap would take"
    )


def print_users(result: dict[str, Any]) -> None:
    print(
        f"\n## Users: {result['users']} IAM users, {result['latency_s'] * 1000:g} ms per request,"
        f" a report ready after {result['report_polls']} polls\n"
    )
    rows = [
        [
            "dormant users -f json (whole process)",
            fmt_seconds(result["command_wall_s"]),
            fmt_seconds(result["command_cpu_s"]),
            _calls_text({k: v for k, v in result["calls"].items() if k.startswith("iam:")}),
        ],
        [
            f"parse + decide {result['users']} report rows ({result['report_mb']} MB)",
            fmt_seconds(result["parse_decide_s"]),
            "",
            f"median of {result['reps']}, in-process",
        ],
    ]
    print(table(["what", "wall", "cpu", "calls / how"], rows))


def print_references(result: dict[str, Any]) -> None:
    print(
        f"\n## References: {result['roles']} roles, {result['resources']} resources of "
        f"{len(result['by_type'])} types, one account\n"
    )
    config, live, iam = result["config"], result["live"], result["iam"]
    rows = [
        [
            "config: fetch (recorder + query pages)",
            fmt_seconds(config["fetch_s"]),
            _calls_text(config["calls"]),
        ],
        ["config: parse the results", fmt_seconds(config["parse_s"]), f"{config['items']} items"],
        ["config: join to the roles", fmt_seconds(config["join_s"]), f"median of {result['reps']}"],
        ["live: fetch (lists)", fmt_seconds(live["fetch_s"]), _calls_text(live["list_calls"])],
        ["live: describes where the list lacks the role", "", _calls_text(live["describe_calls"])],
        ["live: join to the roles", fmt_seconds(live["join_s"]), f"{live['items']} items"],
        [
            "iam: join (GAAD with users, groups, policies)",
            fmt_seconds(iam["join_s"]),
            _calls_text(iam["calls"]),
        ],
    ]
    print(table(["what", "wall", "calls / how"], rows))


# --------------------------------------------------------------------------- targets


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, met: bool, detail: str) -> None:
        found.append({"target": name, "met": met, "detail": detail})

    live = results.get("live")
    if live:
        for n_text, e in live["sizes"].items():
            n = int(n_text)
            calls = e["dormant"]["steady_calls"]
            gaad = calls.get("iam:GetAccountAuthorizationDetails", 0)
            puts = calls.get("config:PutEvaluations", 0)
            add(
                f"N={n}: ceil(N/1000) GAAD and ceil(N/100) PutEvaluations",
                gaad == math.ceil(n / 1000) and puts == math.ceil(n / 100),
                f"GAAD {gaad}, PutEvaluations {puts}, plus "
                f"{calls.get('config:GetComplianceDetailsByConfigRule', 0)} "
                "GetComplianceDetailsByConfigRule pages (stale check)",
            )
        biggest = max(live["sizes"], key=int)
        e = live["sizes"][biggest]
        r = e["ratios"]["iam_calls_list_get_over_dormant"] or 0
        add(f"N={biggest}: >= 50x fewer IAM calls than list+get", r >= 50, f"{r}x")
        if int(biggest) >= 10_000:
            slow = max(e["dormant"]["first_run_s"], e["dormant"]["steady_run_s"])
            add(
                f"N={biggest} evaluated and reported in < 30 s at {live['latency_s'] * 1000:g} ms",
                slow < 30,
                f"first run {e['dormant']['first_run_s']:.1f} s, steady "
                f"{e['dormant']['steady_run_s']:.1f} s",
            )
    offline = results.get("offline")
    if offline:
        t = offline["time_scan_over_json_load"] or math.inf
        add("snapshot scan <= 2x json.load's time", t <= 2, f"{t}x")
        m = offline["rss_scan_over_file"] or math.inf
        add("snapshot scan peak RSS well under the file size", m < 0.5, f"{m}x the file size")
        r = offline.get("time_references_over_none")
        if r is not None:
            add(
                "snapshot scan with references (default) <= 1.1x without",
                r <= 1.1,
                f"{r}x wall, {offline.get('cpu_references_over_none')}x CPU",
            )
    cold = results.get("coldstart")
    if cold:
        add(
            "handler imports none of click/rich/jinja2/moto",
            not cold["forbidden_loaded"],
            ", ".join(cold["forbidden_loaded"]) or "none loaded",
        )
    aggregate = results.get("aggregate")
    if aggregate:
        pages = aggregate["accounts"] * math.ceil(aggregate["roles_per_account"] / 100)
        wanted = {
            "config:DescribeAggregateComplianceByConfigRules": 1,
            "config:GetAggregateComplianceDetailsByConfigRule": pages,
            "config:ListAggregateDiscoveredResources": pages,
        }
        seen = [
            {k: v for k, v in run["calls"].items() if k.startswith("config:")}
            for run in aggregate["runs"]
        ]
        add(
            "aggregate: 1 Describe + ceil(R/100) details + ceil(R/100) names per account",
            all(calls == wanted for calls in seen),
            _calls_text(seen[0]) if seen else "no runs",
        )
    org = results.get("org")
    if org:
        gaad = math.ceil(org["roles_per_account"] / 1000)
        member = [run["calls"]["per_member_account"] for run in org["runs"]]
        add(
            "org: 1 AssumeRole + ceil(R/1000) GAAD per account",
            all(
                calls == {"iam:GetAccountAuthorizationDetails": gaad, "sts:AssumeRole": 1}
                for calls in member
            ),
            _calls_text(member[0]) if member else "no runs",
        )
        first = org["runs"][0]
        last = org["runs"][-1]
        # With W workers the wall cannot beat the serial wall / W, nor the cores' CPU floor.
        ideal = max(first["run_s"] / last["workers"], last["cpu_floor_s"])
        add(
            "org: speed-up close to the worker count until the 2 cores are the limit",
            last["run_s"] <= 1.5 * ideal,
            f"{last['speedup']}x with {last['workers']} workers: wall {last['run_s']:.1f} s vs "
            f"{ideal:.1f} s allowed by the workers and the 2 cores"
            + (
                f"; the scanner's own CPU ({last['gil_floor_s']:.1f} s, one core at a time) "
                "is the limit"
                if last["run_s"] <= 1.3 * last["gil_floor_s"]
                else ""
            ),
        )
    churn = results.get("churn")
    if churn:
        share = churn["changes_share_of_full"]
        add(
            "churn: changes posts at most 5% of what full posts in a month",
            share is not None and share <= 0.05,
            f"{share:.1%}: {churn['changes']['evaluations']:,} against "
            f"{churn['full']['evaluations']:,} evaluations at {churn['roles_at_start']:,} roles",
        )
    users = results.get("users")
    if users:
        n = users["users"]
        calls = users["calls"]
        add(
            f"users N={n}: 1 report (+ polls), 1 GetCredentialReport, ceil(N/1000) GAAD",
            calls.get("iam:GetCredentialReport") == 1
            and calls.get("iam:GetAccountAuthorizationDetails") == math.ceil(n / 1000),
            _calls_text({k: v for k, v in calls.items() if k.startswith("iam:")}),
        )
        add(
            f"users N={n}: parse + decide well under 1 s",
            users["parse_decide_s"] < 0.5,
            fmt_seconds(users["parse_decide_s"]),
        )
    perms = results.get("permissions")
    if perms:
        add(
            "permissions: 1 generate + 2 polls per role, nothing else, none lost when throttled",
            all(r["calls_per_role"] == 3 for r in perms["runs"]),
            "checked per run ("
            + ", ".join(f"{r['calls_per_role']:g}" for r in perms["runs"])
            + " calls per role)",
        )
        paced = [r for r in perms["runs"] if not r["throttled"]]
        add(
            "permissions: pipelined wall within 1.5x of the floor (calls x latency / workers)",
            all(r["vs_floor"] <= 1.5 for r in paced),
            ", ".join(f"{r['vs_floor']}x ({fmt_seconds(r['run_s'])})" for r in paced),
        )
    rule = results.get("permissions_rule")
    if rule:
        add(
            f"permissions rule: {rule['roles']} roles covered in 1 run of a "
            f"{rule['budget_s']:g} s budget",
            rule["runs_to_cover"] == 1,
            f"{rule['runs_to_cover']} run(s); first run {fmt_seconds(rule['runs'][0]['run_s'])}",
        )
    references = results.get("references")
    if references:
        config = references["config"]
        add(
            "references/config: ceil(items/100) query pages",
            config["query_pages"] == config["pages_target"] <= config["pages_per_type_sum"],
            f"{config['query_pages']} pages for {references['configuration_items']} items "
            f"(per-type queries: {config['pages_per_type_sum']})",
        )
        processing = config["parse_s"] + config["join_s"]
        live_join = references["live"]["join_s"]
        add(
            "references: join under 1 s beyond the calls",
            processing < 1.0 and live_join < 1.0,
            f"config parse+join {processing:.3f} s, live join {live_join:.3f} s, "
            f"iam join {references['iam']['join_s']:.3f} s",
        )
    if results.get("aws_findings"):
        for name, met, detail in aws_findings_targets(results["aws_findings"]):
            add(name, met, detail)
    if results.get("aws_findings_users"):
        for name, met, detail in aws_user_findings_targets(results["aws_findings_users"]):
            add(name, met, detail)
    if results.get("aws_findings_permissions"):
        result = results["aws_findings_permissions"]
        for name, met, detail in aws_permission_findings_targets(result):
            add(name, met, detail)
    return found


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a few seconds)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--output", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--latency", type=float, default=None, help="seconds per request")
    parser.add_argument("--sizes", default=None, help="live account sizes, e.g. 1000,10000")
    parser.add_argument(
        "--full-baseline",
        action="store_true",
        help="run list+get in full at every size (adds about 8 minutes at 10,000 roles)",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    # The loopback server logs every request; the harness reports its own progress.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Nothing here may reach a real account: drop every AWS setting of the caller's shell
    # (profiles, keys, endpoints) before any section or child process starts.
    from dormant_sim.server import clean_aws_environment

    safe = clean_aws_environment()
    os.environ.clear()
    os.environ.update(safe)
    plan = plans(args.quick, args.full_baseline, args.latency)
    if args.sizes:
        plan["live"] = dataclasses.replace(
            plan["live"], sizes=tuple(int(v) for v in args.sizes.split(","))
        )
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "live": lambda: run_live(plan["live"]),
        "offline": lambda: run_offline(plan["offline"]),
        "coldstart": lambda: run_coldstart(plan["coldstart"]),
        "org": lambda: run_org(plan["org"]),
        "churn": lambda: run_churn(plan["churn"]),
        "aggregate": lambda: run_aggregate(plan["aggregate"]),
        "users": lambda: run_users(plan["users"]),
        "permissions": lambda: run_permissions(plan["permissions"]),
        "permissions_rule": lambda: run_permissions_rule(plan["permissions"]),
        "references": lambda: run_references(plan["references"]),
        "aws_findings": lambda: run_aws_findings(plan["aws_findings"]),
        "aws_findings_users": lambda: run_aws_user_findings(plan["aws_findings_users"]),
        "aws_findings_permissions": lambda: run_aws_permission_findings(
            plan["aws_findings_permissions"]
        ),
    }
    printers = {
        "live": print_live,
        "offline": print_offline,
        "coldstart": print_coldstart,
        "org": print_org,
        "churn": print_churn,
        "aggregate": print_aggregate,
        "users": print_users,
        "permissions": print_permissions,
        "permissions_rule": print_permissions_rule,
        "references": print_references,
        "aws_findings": print_aws_findings,
        "aws_findings_users": print_aws_user_findings,
        "aws_findings_permissions": print_aws_permission_findings,
    }
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "machine": machine_info(),
    }
    started = time.perf_counter()
    failed: list[str] = []
    for section in SECTIONS:
        if section not in chosen:
            continue
        section_started = time.perf_counter()
        try:
            results[section] = runners[section]()
        except BenchmarkError as exc:
            failed.append(section)
            results[section] = None
            results.setdefault("errors", {})[section] = str(exc)
            log(f"{section}: FAILED: {exc}")
            continue
        results[section]["section_s"] = round(time.perf_counter() - section_started, 1)
        printers[section](results[section])
    results["targets"] = targets(results)
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    m = results["machine"]
    print(
        f"\n## Targets  ({m['cpu_model']}, {m['cores']} cores, {m['ram_gb']} GB, "
        f"Python {m['python']}, {m['date']}, load {m['load_average_at_start'][0]})\n"
    )
    print(
        table(
            ["target", "met", "detail"],
            [[t["target"], "yes" if t["met"] else "NO", t["detail"]] for t in results["targets"]],
        )
    )
    output = args.output or RESULTS_DIR / ("quick.json" if args.quick else "latest.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {output} in {results['total_s']} s")
    if failed:
        log(f"failed sections: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
