"""Install and uninstall the simulated services' patches on moto; reset their state.

`SERVICES` lists the modules that make moto strict, each in the shape `dormant_sim.patching`
describes (`PATCHES` and `reset()`). `install()` applies every patch, in this process, to
`mock_aws()` and `ThreadedMotoServer` alike; `uninstall()` puts moto's own attributes back.
A new simulated service (IAM credential reports, service-last-accessed jobs, Config aggregate
compliance, Config advanced queries, Security Hub, Access Analyzer, ...) is a new module in
that shape, added to `SERVICES`.

Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from dormant_sim import (
    access,
    access_analyzer,
    config,
    config_aggregate,
    config_query,
    credentials,
    dispatch,
    enforcement,
    iam,
    iam_rules,
    identity_center,
    organizations,
    s3,
    securityhub,
    securityhub_recommendations,
    securityhub_v2,
    sts,
)
from dormant_sim.patching import Patch, SimulatedService

__all__ = ["SERVICES", "install", "installed", "reset", "uninstall"]

# `dispatch` (record, delay, inject) comes first: it wraps every other service's operations.
SERVICES: Sequence[SimulatedService] = (
    dispatch,
    enforcement,
    iam,
    iam_rules,
    s3,
    credentials,
    sts,
    config,
    config_aggregate,
    config_query,
    securityhub,
    securityhub_v2,
    securityhub_recommendations,
    access,
    access_analyzer,
    identity_center,
    organizations,
)

_MISSING = object()  # the attribute did not exist before its patch added it
_lock = threading.Lock()
_originals: list[tuple[Patch, object]] = []


def install() -> None:
    """Patch moto (idempotent). Affects mock_aws() and ThreadedMotoServer in this process."""
    with _lock:
        if _originals:
            return
        for service in SERVICES:
            for patch in service.PATCHES:
                _originals.append((patch, patch.owner.__dict__.get(patch.name, _MISSING)))
                setattr(patch.owner, patch.name, patch.replacement)


def uninstall() -> None:
    """Give moto its own attributes back (idempotent); the services' state is kept."""
    with _lock:
        for patch, original in reversed(_originals):
            if original is _MISSING:
                delattr(patch.owner, patch.name)
            else:
                setattr(patch.owner, patch.name, original)
        _originals.clear()


def installed() -> bool:
    with _lock:
        return bool(_originals)


def reset() -> None:
    """Forget every service's state: tokens, stored evaluations, faults, recorded calls.

    moto's own backends are reset separately (`mock_aws` does it; `Simulation.reset` too).
    """
    for service in SERVICES:
        service.reset()
