"""What a Security Hub export sends: the plan that keeps dormant's findings there current.

``plan_export`` takes one account's lines (any kind) and dormant's ACTIVE findings that
Security Hub already holds for that account and kind, and says what BatchImportFindings
must receive so that Security Hub ends up agreeing with the scan:

- a NON_COMPLIANT line: its finding, ACTIVE and FAILED (new, or an update of the earlier
  one, whose CreatedAt it keeps);
- a COMPLIANT line with an earlier finding: that finding PASSED and ARCHIVED (resolved);
- an earlier finding whose resource the scan no longer has, or now reports
  NOT_APPLICABLE: the earlier finding ARCHIVED (gone);
- a COMPLIANT line without an earlier finding: nothing (Security Hub holds problems;
  importing every healthy role each day would only cost ingestion).

Standard library only; nothing here decides compliance or talks to AWS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.core.model import Compliance
from dormant.report.asff import FindingKind, asff_finding, finding_id
from dormant.report.layout import Line, iso

__all__ = ["ExportPlan", "plan_export"]

# What an archiving update carries over from the finding Security Hub holds.
_KEPT_WHEN_ARCHIVED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
    "Compliance",
    "ProductName",
    "CompanyName",
    "Region",
    "ProductFields",
)


@dataclass(frozen=True)
class ExportPlan:
    """The findings to import, in order, and how many of each sort they are."""

    findings: tuple[dict[str, Any], ...]
    new: int  # non-compliant, no earlier finding: created ACTIVE
    updated: int  # non-compliant, earlier finding: updated, still ACTIVE
    resolved: int  # earlier finding, resource now compliant: PASSED and ARCHIVED
    gone: int  # earlier finding, resource gone or not applicable: ARCHIVED
    compliant: int  # compliant, no earlier finding: nothing sent

    @property
    def active(self) -> int:
        return self.new + self.updated


def _archived(earlier: Mapping[str, Any], updated_at: str) -> dict[str, Any]:
    kept = {key: earlier[key] for key in _KEPT_WHEN_ARCHIVED if key in earlier}
    return {**kept, "UpdatedAt": updated_at, "RecordState": "ARCHIVED"}


def plan_export(
    lines: Iterable[Line],
    kind: FindingKind,
    *,
    region: str,
    updated_at: datetime,
    earlier: Iterable[Mapping[str, Any]],
) -> ExportPlan:
    """See the module docstring. ``earlier``: findings as GetFindings returns them."""
    held = {str(f["Id"]): f for f in earlier}
    findings: list[dict[str, Any]] = []
    new = updated = resolved = compliant = 0
    seen: set[str] = set()
    for line in lines:
        key = finding_id(kind, line.account_id, line.resource_id)
        previous = held.get(key)
        if line.compliance == Compliance.NOT_APPLICABLE:
            continue  # archived below with the gone, if Security Hub holds a finding
        seen.add(key)
        if line.compliance == Compliance.COMPLIANT and previous is None:
            compliant += 1
            continue
        state = "ACTIVE" if line.compliance == Compliance.NON_COMPLIANT else "ARCHIVED"
        finding = asff_finding(line, kind, region=region, updated_at=updated_at, record_state=state)
        if previous is not None and previous.get("CreatedAt"):
            finding["CreatedAt"] = previous["CreatedAt"]
        findings.append(finding)
        if state == "ARCHIVED":
            resolved += 1
        elif previous is None:
            new += 1
        else:
            updated += 1
    stamp = iso(updated_at) or ""
    vanished = [f for key, f in held.items() if key not in seen]
    findings.extend(_archived(f, stamp) for f in vanished)
    return ExportPlan(
        findings=tuple(findings),
        new=new,
        updated=updated,
        resolved=resolved,
        gone=len(vanished),
        compliant=compliant,
    )
