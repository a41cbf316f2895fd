"""Remediation's kind-agnostic machinery: planned IAM calls (``steps``), the outcomes and
summary of a run (``outcome``), the targets it is handed (``targets``), the executor and caller
(``interface``), and the quarantine deny every kind writes (``quarantine``).

Each kind's remediation lives in its own package (``dormant.roles.remediate``,
``dormant.users.remediate``, ``dormant.permissions.remediate``) and builds on these. Nothing in
this package imports boto3, click or the simulation, nor any kind.
"""

from __future__ import annotations

from dormant.remediation.interface import Caller, StepExecutor
from dormant.remediation.outcome import (
    DEFAULT_MAX_ROLES,
    Outcome,
    Status,
    Summary,
    check_blast_radius,
)
from dormant.remediation.steps import Step
from dormant.remediation.targets import Target, merge_targets, targets_from_scan

__all__ = [
    "DEFAULT_MAX_ROLES",
    "Caller",
    "Outcome",
    "Status",
    "Step",
    "StepExecutor",
    "Summary",
    "Target",
    "check_blast_radius",
    "merge_targets",
    "targets_from_scan",
]
