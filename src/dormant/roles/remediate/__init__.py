"""Retiring unused roles safely: quarantine, release, delete with a backup, restore, retire.

Planning (``plan``), backups (``backup``), role state (``state``), orchestration (``runner``) and
the quarantine-now-delete-later lifecycle (``retire``) are pure over the ``RoleMutator``
interface (``interface``); the boto3 implementation is ``dormant.roles.aws.IamRoleMutator``.
Nothing in this package imports boto3, click or the simulation.
"""

from __future__ import annotations

from dormant.remediation.interface import Caller
from dormant.remediation.outcome import (
    DEFAULT_MAX_ROLES,
    Outcome,
    Status,
    Summary,
    check_blast_radius,
)
from dormant.remediation.steps import Step
from dormant.remediation.targets import Target, merge_targets, targets_from_scan
from dormant.roles.remediate.backup import (
    BACKUP_FORMAT,
    BACKUP_VERSION,
    RoleBackup,
    backup_from_dict,
    backup_path,
    backup_to_dict,
    read_backup,
    write_backup,
)
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.plan import (
    delete_steps,
    is_quarantined,
    quarantine_steps,
    refusal,
    release_steps,
    restore_steps,
)
from dormant.roles.remediate.restore import restore
from dormant.roles.remediate.restriction import (
    RESTRICT_POLICY_NAME,
    is_restricted,
    unrestrict_steps,
)
from dormant.roles.remediate.retire import (
    DEFAULT_AFTER_DAYS,
    Retirement,
    RetireResult,
    RetireStep,
    carry_out,
    plan_retire,
)
from dormant.roles.remediate.runner import delete, quarantine, release
from dormant.roles.remediate.state import InstanceProfileRef, RoleState, differences

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "DEFAULT_AFTER_DAYS",
    "DEFAULT_MAX_ROLES",
    "RESTRICT_POLICY_NAME",
    "Caller",
    "InstanceProfileRef",
    "Outcome",
    "RetireResult",
    "RetireStep",
    "Retirement",
    "RoleBackup",
    "RoleMutator",
    "RoleState",
    "Status",
    "Step",
    "Summary",
    "Target",
    "backup_from_dict",
    "backup_path",
    "backup_to_dict",
    "carry_out",
    "check_blast_radius",
    "delete",
    "delete_steps",
    "differences",
    "is_quarantined",
    "is_restricted",
    "merge_targets",
    "plan_retire",
    "quarantine",
    "quarantine_steps",
    "read_backup",
    "refusal",
    "release",
    "release_steps",
    "restore",
    "restore_steps",
    "targets_from_scan",
    "unrestrict_steps",
    "write_backup",
]
