"""The permissions report: one line per role, with its granted, used and unused services.

``PERMISSIONS_LAYOUT`` (see ``dormant.report.layout``) gives ``dormant permissions`` every
format. JSON fields, one finding per role: ``account_id role_name role_id arn path
compliance reason annotation services unused_services proposed_deny``, where ``services``
lists every granted service as ``{namespace, name, last_used, last_used_region,
days_unused, unused, unused_actions}`` and ``proposed_deny`` is the IAM policy document
denying the unused services (null when none is unused). Nothing here decides compliance
(``dormant.permissions`` does); standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance
from dormant.permissions.model import PermissionsFinding, PermissionsReason, ServiceUse
from dormant.report.layout import Column, Layout, compliance_rank, iso
from dormant.roles.decide import assess_risk

__all__ = [
    "PERMISSIONS_FIELDS",
    "PERMISSIONS_LAYOUT",
    "PermissionsLine",
    "permissions_record",
    "service_record",
]

PERMISSIONS_FIELDS = (
    "account_id",
    "role_name",
    "role_id",
    "arn",
    "path",
    "compliance",
    "reason",
    "annotation",
    "services",
    "unused_services",
    "proposed_deny",
)


@dataclass(frozen=True, slots=True)
class PermissionsLine:
    """A report line (``dormant.report.layout.Line``) over one permissions finding."""

    finding: PermissionsFinding

    @property
    def account_id(self) -> str:
        return self.finding.account_id

    @property
    def name(self) -> str:
        return self.finding.role.name

    @property
    def compliance(self) -> Compliance:
        return self.finding.compliance

    @property
    def annotation(self) -> str:
        return self.finding.annotation

    @property
    def admin(self) -> bool:
        return assess_risk(self.finding.role).admin

    @property
    def exempt(self) -> bool:
        return self.finding.reason is PermissionsReason.EXEMPT

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_ROLE

    @property
    def resource_id(self) -> str:
        return self.finding.role.role_id

    @property
    def arn(self) -> str:
        return self.finding.role.arn


def service_record(service: ServiceUse) -> dict[str, Any]:
    return {
        "namespace": service.namespace,
        "name": service.name,
        "last_used": iso(service.last_used),
        "last_used_region": service.last_used_region,
        "days_unused": service.days_unused,
        "unused": service.unused,
        "unused_actions": list(service.unused_actions),
    }


def permissions_record(line: PermissionsLine, *, recorded_at: bool = False) -> dict[str, Any]:
    """The JSON/CSV shape of a line (``PERMISSIONS_FIELDS``); nothing is ever recorded."""
    finding = line.finding
    role = finding.role
    return {
        "account_id": finding.account_id,
        "role_name": role.name,
        "role_id": role.role_id,
        "arn": role.arn,
        "path": role.path,
        "compliance": finding.compliance.value,
        "reason": finding.reason.value,
        "annotation": finding.annotation,
        "services": [service_record(s) for s in finding.services],
        "unused_services": list(finding.unused_services),
        "proposed_deny": finding.proposed_deny,
    }


def _sort_key(line: PermissionsLine) -> tuple[int, int, str, str]:
    """Non-compliant first; then the most unused services; then account and name."""
    finding = line.finding
    return (
        compliance_rank(finding.compliance),
        -len(finding.unused_services),
        finding.account_id,
        finding.role.name,
    )


def _unused_actions(line: PermissionsLine) -> str:
    return ", ".join(a for s in line.finding.services for a in s.unused_actions)


PERMISSIONS_LAYOUT = Layout(
    name="permissions",
    noun="roles",
    fields=PERMISSIONS_FIELDS,
    record=permissions_record,
    columns=(
        Column(
            "Granted",
            lambda line: str(len(line.finding.services)) if line.finding.services else "",
            sort_value=lambda line: len(line.finding.services),
            numeric=True,
            keep_whole=True,
        ),
        Column(
            "Unused services",
            lambda line: ", ".join(line.finding.unused_services),
            sort_value=lambda line: len(line.finding.unused_services),
            warn=True,
            short_header="Unused",
        ),
        Column(
            "Used services",
            lambda line: ", ".join(line.finding.used_services),
            sort_value=lambda line: len(line.finding.used_services),
            short_header="Used",
            note=True,
        ),
        Column(
            "Unused actions of used services",
            _unused_actions,
            sort_value=lambda line: len(_unused_actions(line)),
            short_header="Unused actions",
            note=True,
        ),
    ),
    sort_key=_sort_key,
    name_header="Role",
)
