"""The strict layer's controls under one name, as the tests, benchmarks and demo use them.

moto 5 differs from AWS in ways that would let wrong code pass its tests. The modules by
concern fix that (`iam`, `sts`, `config`, `dispatch`, installed by `installer`); faults and the
call recorder live in `faults` and `recording`. This module only re-exports their public
names, so `strict.install()`, `strict.recorder`, `strict.inject_error(...)` read as before.
"""

from __future__ import annotations

from dormant_sim.config import (
    COMPLIANCE_TYPES,
    CONFIG_SERVICE_ROLE_PATH,
    TESTMODE_TOKEN,
    StoredEvaluation,
    issue_result_token,
    scheduled_event,
    stored_evaluations,
)
from dormant_sim.dispatch import SIM_INTERNAL_HEADER
from dormant_sim.faults import (
    Injection,
    clear_injections,
    deny_assume_role,
    fail_evaluations,
    get_latency,
    inject_error,
    latency,
    set_latency,
)
from dormant_sim.iam import set_fast_gaad
from dormant_sim.installer import install, installed, reset, uninstall
from dormant_sim.recording import Call, Recorder, recorder

__all__ = [
    "COMPLIANCE_TYPES",
    "CONFIG_SERVICE_ROLE_PATH",
    "SIM_INTERNAL_HEADER",
    "TESTMODE_TOKEN",
    "Call",
    "Injection",
    "Recorder",
    "StoredEvaluation",
    "clear_injections",
    "deny_assume_role",
    "fail_evaluations",
    "get_latency",
    "inject_error",
    "install",
    "installed",
    "issue_result_token",
    "latency",
    "recorder",
    "reset",
    "scheduled_event",
    "set_fast_gaad",
    "set_latency",
    "stored_evaluations",
    "uninstall",
]
