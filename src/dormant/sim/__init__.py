"""A simulated AWS (moto, made strict) for dormant's tests and its `dormant demo` command.

`dormant.sim.strict` patches moto to page, validate, store and fail like AWS;
`dormant.sim.seed` builds realistic accounts; `dormant.sim.server` gives the handle tests use
(`Simulation`) and the loopback server (`SimulatedAws`). This package imports moto: nothing in
dormant's core, adapters or Lambda handler may import it, and it is left out of the Lambda zip.
"""

from __future__ import annotations

from dormant.sim.seed import SeededRole, put_role, seed_demo_account
from dormant.sim.server import SimulatedAws, Simulation, clean_aws_environment
from dormant.sim.strict import (
    install,
    issue_result_token,
    recorder,
    scheduled_event,
    stored_evaluations,
)

__all__ = [
    "SeededRole",
    "SimulatedAws",
    "Simulation",
    "clean_aws_environment",
    "install",
    "issue_result_token",
    "put_role",
    "recorder",
    "scheduled_event",
    "seed_demo_account",
    "stored_evaluations",
]
