"""Lambda cold start: importing ``dormant.handler`` in a fresh interpreter vs ``import boto3``.

Each import runs in a new interpreter (``client.py import MODULE`` times the import alone,
``time.perf_counter`` around it); the two alternate so that a noisy moment hurts both. The
run also checks that the handler pulls in none of the command-line or simulation packages
(click, rich, jinja2, moto), which the Lambda zip does not carry, and lists the slowest
modules the handler loads beyond ``import boto3`` (from ``python -X importtime``).
"""

from __future__ import annotations

import sys
from typing import Any

from _common import BenchmarkError, client_argv, log, median, ratio, run_child


def _import_times(module: str) -> dict[str, float]:
    """Self time in ms of every module ``import MODULE`` loads (``python -X importtime``)."""
    run = run_child([sys.executable, "-X", "importtime", "-c", f"import {module}"])
    times: dict[str, float] = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:") :].split("|")]
        if parts[0].isdigit():
            times[parts[2]] = int(parts[0]) / 1000
    return times


def _extra_imports(top: int = 10) -> dict[str, Any]:
    """What the handler loads beyond ``import boto3``, slowest first."""
    handler = _import_times("dormant.handler")
    boto3 = _import_times("boto3")
    extra = {name: ms for name, ms in handler.items() if name not in boto3}
    slowest = sorted(extra.items(), key=lambda item: -item[1])[:top]
    return {
        "modules": len(extra),
        "self_ms": round(sum(extra.values()), 1),
        "dormant_self_ms": round(
            sum(ms for name, ms in extra.items() if name.startswith("dormant")), 1
        ),
        "slowest": [{"module": name, "self_ms": ms} for name, ms in slowest],
    }


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
        "beyond_boto3": _extra_imports(),
    }
    return result
