"""Retiring unused roles safely: quarantine, release, delete with a backup, restore; and
restricting used roles to the services they use (``restriction`` plans it, ``restrict`` runs it).

Planning (``plan``), backups (``backup``), targets (``targets``) and orchestration
(``runner``) are pure over the ``RoleMutator`` interface; the boto3 implementation lives in
``dormant.aws.mutator``. Nothing in this package imports boto3, click or the simulation.
"""

from __future__ import annotations

from dormant.remediation.backup import (
    BACKUP_FORMAT,
    BACKUP_VERSION,
    RoleBackup,
    backup_from_dict,
    backup_path,
    backup_to_dict,
    read_backup,
    write_backup,
)
from dormant.remediation.interface import Caller, RoleMutator
from dormant.remediation.plan import (
    Step,
    delete_steps,
    is_quarantined,
    quarantine_steps,
    refusal,
    release_steps,
    restore_steps,
)
from dormant.remediation.restrict import restrict
from dormant.remediation.restriction import (
    RESTRICT_POLICY_NAME,
    is_restricted,
    restrict_steps,
    unrestrict_steps,
)
from dormant.remediation.retire import (
    DEFAULT_AFTER_DAYS,
    Retirement,
    RetireResult,
    RetireStep,
    carry_out,
    plan_retire,
)
from dormant.remediation.runner import (
    DEFAULT_MAX_ROLES,
    Outcome,
    Status,
    Summary,
    check_blast_radius,
    delete,
    quarantine,
    release,
    restore,
)
from dormant.remediation.state import InstanceProfileRef, RoleState, differences
from dormant.remediation.targets import Target, merge_targets, targets_from_scan

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
    "restrict",
    "restrict_steps",
    "targets_from_scan",
    "unrestrict_steps",
    "write_backup",
]
