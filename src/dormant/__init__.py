"""dormant: find unused AWS IAM roles, report them through AWS Config, retire them safely.

The public surface below is the pure core: values, settings and the decision.
Importing ``dormant`` never imports boto3, the command line or the simulation.
"""

from __future__ import annotations

from dormant.core.errors import (
    AssumeRoleError,
    AwsAccessError,
    DormantError,
    EvaluationDeliveryError,
    InvalidEvent,
    InvalidParameter,
    RemediationRefused,
    RoleDataError,
    SnapshotError,
)
from dormant.core.model import Compliance
from dormant.core.settings import DEFAULT_MAX_DAYS, Settings
from dormant.core.version import __version__
from dormant.roles.decide import evaluate_role, evaluate_roles
from dormant.roles.model import Finding, Reason, Risk, Role

__all__ = [
    "DEFAULT_MAX_DAYS",
    "AssumeRoleError",
    "AwsAccessError",
    "Compliance",
    "DormantError",
    "EvaluationDeliveryError",
    "Finding",
    "InvalidEvent",
    "InvalidParameter",
    "Reason",
    "RemediationRefused",
    "Risk",
    "Role",
    "RoleDataError",
    "Settings",
    "SnapshotError",
    "__version__",
    "evaluate_role",
    "evaluate_roles",
]
