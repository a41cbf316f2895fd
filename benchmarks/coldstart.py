"""Lambda cold start: importing ``dormant.handler`` in a fresh interpreter vs ``import boto3``.

Each import runs in a new interpreter (``client.py import MODULE`` times the import alone,
``time.perf_counter`` around it); the two alternate so that a noisy moment hurts both. The
run also checks that the handler pulls in none of the command-line or simulation packages
(click, rich, jinja2, moto), which the Lambda zip does not carry, and lists the slowest
imports below the handler from one ``python -X importtime`` run.
"""

from __future__ import annotations

import sys
from typing import Any

from _common import BenchmarkError, client_argv, log, median, ratio, run_child


def _slowest_imports(module: str, top: int = 8) -> list[dict[str, Any]]:
    run = run_child([sys.executable, "-X", "importtime", "-c", f"import {module}"])
    rows: list[dict[str, Any]] = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        if not parts[0].isdigit():
            continue
        rows.append({"module": parts[2].strip(), "self_ms": int(parts[0]) / 1000})
    rows.sort(key=lambda r: -float(r["self_ms"]))
    return rows[:top]


def run_coldstart(reps: int) -> dict[str, Any]:
    # A first run of each writes the bytecode caches; Lambda ships them compiled too.
    for module in ("dormant.handler", "boto3"):
        run_child(client_argv("import", module))
    handler_s: list[float] = []
    boto3_s: list[float] = []
    handler_wall: list[float] = []
    boto3_wall: list[float] = []
    forbidden: set[str] = set()
    for rep in range(reps):
        log(f"coldstart: run {rep + 1}/{reps}")
        run = run_child(client_argv("import", "dormant.handler"))
        handler_s.append(run.report["import_s"])
        handler_wall.append(run.wall_s)
        forbidden.update(run.report["forbidden_loaded"])
        run = run_child(client_argv("import", "boto3"))
        boto3_s.append(run.report["import_s"])
        boto3_wall.append(run.wall_s)
    if forbidden:
        raise BenchmarkError(
            f"dormant.handler imports {', '.join(sorted(forbidden))}, which the Lambda lacks"
        )
    result = {
        "reps": reps,
        "handler_import_s": median(handler_s),
        "boto3_import_s": median(boto3_s),
        "handler_process_wall_s": median(handler_wall),
        "boto3_process_wall_s": median(boto3_wall),
        "handler_over_boto3": ratio(median(handler_s), median(boto3_s)),
        "handler_extra_s": median(handler_s) - median(boto3_s),
        "forbidden_loaded": sorted(forbidden),
        "slowest_imports": _slowest_imports("dormant.handler"),
    }
    return result
