"""Render a results file (default: benchmarks/results/latest.json) as Markdown tables.

    python benchmarks/summarize.py [RESULTS.json]

The "Latest figures" section of benchmarks/README.md is this script's output, pasted, so
the figures there are exactly the committed ones.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR, fmt_ratio, fmt_seconds

OPERATION_NAMES = {
    "iam:GetAccountAuthorizationDetails": "GAAD",
    "iam:ListRoles": "ListRoles",
    "iam:GetRole": "GetRole",
    "config:PutEvaluations": "PutEvaluations",
    "config:GetComplianceDetailsByConfigRule": "GetComplianceDetails",
}
IAM = ("iam:GetAccountAuthorizationDetails", "iam:ListRoles", "iam:GetRole")


def _md(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _calls(calls: dict[str, int]) -> str:
    return ", ".join(f"{OPERATION_NAMES.get(k, k)} {v:,}" for k, v in sorted(calls.items()))


def _iam(calls: dict[str, int]) -> str:
    return f"{sum(v for k, v in calls.items() if k in IAM):,}"


def _by_size(result: dict[str, Any]) -> list[tuple[str, Any]]:
    # JSON keys are strings and sort as text ("10000" < "1001"); sizes sort as numbers.
    return sorted(result["sizes"].items(), key=lambda item: int(item[0]))


def live(result: dict[str, Any]) -> str:
    rows: list[list[object]] = []
    for n, e in _by_size(result):
        d, g, lg = e["dormant"], e["gaad100"], e["list_get"]
        how = (
            "measured"
            if lg["measured"] == "full"
            else (f"**extrapolated** from {lg['sample_roles']} GetRole calls")
        )
        rows += [
            [
                f"{int(n):,}",
                "dormant, first run",
                _iam(d["first_run_calls"]),
                _calls(d["first_run_calls"]),
                fmt_seconds(d["first_run_s"]),
                fmt_seconds(d["first_run_cpu_s"]),
                "measured",
            ],
            [
                f"{int(n):,}",
                "dormant, daily run",
                _iam(d["steady_calls"]),
                _calls(d["steady_calls"]),
                fmt_seconds(d["steady_run_s"]),
                fmt_seconds(d["steady_process_cpu_s"]),
                "measured, median",
            ],
            [
                f"{int(n):,}",
                "GAAD at 100 a page (blog)",
                _iam(g["calls"]),
                _calls(g["calls"]),
                fmt_seconds(g["run_s"]),
                fmt_seconds(g["process_cpu_s"]),
                "measured",
            ],
            [
                f"{int(n):,}",
                "ListRoles + GetRole each",
                _iam(lg["calls"]),
                _calls(lg["calls"]),
                fmt_seconds(lg["run_s"]),
                fmt_seconds(lg.get("process_cpu_s")),
                how,
            ],
        ]
    table = _md(
        ["roles", "approach", "IAM calls", "calls by operation", "wall", "client CPU", "how"],
        rows,
    )
    ratios = _md(
        [
            "roles",
            "IAM calls: list+get / dormant",
            "IAM calls: blog / dormant",
            "wall: list+get / dormant",
            "wall: blog / dormant",
        ],
        [
            [
                f"{int(n):,}",
                fmt_ratio(e["ratios"]["iam_calls_list_get_over_dormant"]),
                fmt_ratio(e["ratios"]["iam_calls_gaad100_over_dormant"]),
                fmt_ratio(e["ratios"]["time_list_get_over_dormant"]),
                fmt_ratio(e["ratios"]["time_gaad100_over_dormant"]),
            ]
            for n, e in _by_size(result)
        ],
    )
    head = f"Injected latency {result['latency_s'] * 1000:g} ms per request."
    return f"{head}\n\n{table}\n\n{ratios}"


def offline(r: dict[str, Any]) -> str:
    table = _md(
        ["program (whole process)", "wall", "CPU", "peak RSS"],
        [
            [
                "`dormant scan --snapshot` to JSON",
                fmt_seconds(r["scan_wall_s"]),
                fmt_seconds(r["scan_cpu_s"]),
                f"{r['scan_peak_rss_mb']:.0f} MB",
            ],
            [
                "`json.load` + touch every role",
                fmt_seconds(r["json_load_wall_s"]),
                fmt_seconds(r.get("json_load_cpu_s")),
                f"{r['json_load_peak_rss_mb']:.0f} MB",
            ],
        ],
    )
    return (
        f"{r['roles']:,} roles, {r['file_mb']} MB file (seed {r['seed']}), median of "
        f"{r['reps']}.\n\n{table}\n\nscan / json.load wall: "
        f"{fmt_ratio(r['time_scan_over_json_load'])}; scan peak RSS / file size: "
        f"{fmt_ratio(r['rss_scan_over_file'])}."
    )


def coldstart(r: dict[str, Any]) -> str:
    table = _md(
        ["import in a fresh interpreter", "import time", "whole process"],
        [
            [
                "`import dormant.handler`",
                fmt_seconds(r["handler_import_s"]),
                fmt_seconds(r["handler_process_wall_s"]),
            ],
            [
                "`import boto3`",
                fmt_seconds(r["boto3_import_s"]),
                fmt_seconds(r["boto3_process_wall_s"]),
            ],
        ],
    )
    loaded = ", ".join(r["forbidden_loaded"]) or "none"
    extra = r.get("beyond_boto3") or {}
    beyond = (
        f" Beyond `import boto3` the handler loads {extra['modules']} modules, "
        f"{extra['self_ms']:g} ms of import time in all ({extra['dormant_self_ms']:g} ms of it "
        "dormant's own), per `python -X importtime`."
        if extra
        else ""
    )
    return (
        f"Median of {r['reps']}.\n\n{table}\n\nhandler / boto3: "
        f"{fmt_ratio(r['handler_over_boto3'])}; click, rich, jinja2 or moto loaded by the "
        f"handler: {loaded}.{beyond}"
    )


def org(r: dict[str, Any]) -> str:
    rows = [
        [
            run["workers"],
            fmt_seconds(run["run_s"]),
            fmt_ratio(run["speedup"]),
            fmt_seconds(run["process_cpu_s"]),
            fmt_seconds(run["simulator_cpu_s"]),
            fmt_seconds(run["cpu_floor_s"]),
        ]
        for run in r["runs"]
    ]
    table = _md(
        ["workers", "wall", "speed-up", "client CPU", "simulator CPU", "2-core CPU floor"], rows
    )
    per = r["runs"][0]["calls"]["per_member_account"]
    return (
        f"{r['accounts']} accounts x {r['roles_per_account']} roles, "
        f"{r['latency_s'] * 1000:g} ms per request.\n\n{table}\n\nCalls per member account "
        f"(every run, checked per account): {_calls(per)}. 2-core CPU floor: (client CPU + "
        "simulator CPU) / 2. The scanner's threads run Python one at a time (the GIL), so its "
        "own client CPU is a floor too."
    )


def targets(found: list[dict[str, Any]]) -> str:
    return _md(
        ["target", "met", "detail"],
        [[t["target"], "yes" if t["met"] else "**no**", t["detail"]] for t in found],
    )


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"{m['implementation']} {m['python']}, {m['os']}; boto3 {m['boto3']}, moto {m['moto']};"
        f" commit {m['dormant_commit']}; {m['date']}; load average {m['load_average_at_start'][0]}"
        f" at the start, {m.get('load_average_at_end', ['?'])[0]} at the end; "
        f"{results['total_s']} s in all.",
    ]
    for key, title, renderer in (
        ("live", "Live account on loopback", live),
        ("offline", "Offline snapshot", offline),
        ("coldstart", "Lambda cold start", coldstart),
        ("org", "Organization", org),
    ):
        if results.get(key):
            parts.append(f"### {title}\n\n{renderer(results[key])}")
    parts.append(f"### Targets\n\n{targets(results['targets'])}")
    return "\n\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Print a benchmark results file as the Markdown tables of the README."
    )
    parser.add_argument(
        "results", nargs="?", default=str(RESULTS_DIR / "latest.json"), help="a results JSON"
    )
    path = Path(parser.parse_args(argv).results)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"summarize: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    print(render(results), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
