"""OCSF: JSON lines, one Detection Finding (class 2004, OCSF 1.1.0) per finding.

For Security Lake and SIEMs that read the Open Cybersecurity Schema Framework. Like the
ASFF export, a line that is ``NOT_APPLICABLE`` is no finding and is left out, and the
finding's uid is the ASFF finding's Id (stable across runs). The compliance, which a
Detection Finding has no attribute for, is in ``status`` (New when non-compliant,
Resolved when compliant), ``status_detail`` and ``unmapped.compliance``; the annotation
is the ``message``; what references a role is in the resource's ``data``; a line joined with
AWS's own finding (``--source``) adds ``unmapped.aws_finding``, ``agrees`` and
``disagreement``. Names come
from ``dormant.report.asff.KINDS``. Standard library only; nothing here decides compliance
or talks to AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from dormant.core.model import Compliance
from dormant.core.version import __version__
from dormant.report.asff import (
    ASFF_TYPES,
    DEFAULT_REGION,
    FindingKind,
    finding_id,
    kind_for,
    partition_for,
    references_of,
)
from dormant.report.layout import Line, ReportMeta, Tally, iso

__all__ = ["OCSF_VERSION", "ocsf_finding", "render_ocsf"]

OCSF_VERSION = "1.1.0"
CLASS_UID = 2004  # Detection Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1
_SEVERITY = {  # severity_id -> caption
    1: "Informational",
    3: "Medium",
    4: "High",
}
_STATUS_NEW, _STATUS_RESOLVED = 1, 4
_ACCOUNT_TYPE_AWS = 10  # OCSF account type_id "AWS Account"
_ANALYTIC_RULE = 1  # OCSF analytic type_id "Rule"


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _severity_id(line: Line) -> int:
    if line.compliance != Compliance.NON_COMPLIANT:
        return 1
    return 4 if line.admin else 3


def ocsf_finding(line: Line, kind: FindingKind, *, region: str, time: datetime) -> dict[str, Any]:
    """One Detection Finding for a COMPLIANT or NON_COMPLIANT line."""
    if line.compliance == Compliance.NOT_APPLICABLE:
        raise ValueError(f"{line.name}: a NOT_APPLICABLE result is not a finding")
    failed = line.compliance == Compliance.NON_COMPLIANT
    severity_id = _severity_id(line)
    status_id = _STATUS_NEW if failed else _STATUS_RESOLVED
    account = {"uid": line.account_id, "type_id": _ACCOUNT_TYPE_AWS, "type": "AWS Account"}
    title = (kind.failed_title if failed else kind.passed_title).format(name=line.name)
    millis = _millis(time)
    data: dict[str, Any] = {kind.id_field: line.resource_id}
    found = references_of(line)
    if found is not None:
        data["references"], data["references_checked"] = found[0], {"sources": found[1]}
    return {
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": millis,
        "severity_id": severity_id,
        "severity": _SEVERITY[severity_id],
        "status_id": status_id,
        "status": "New" if failed else "Resolved",
        "status_detail": str(line.compliance),
        "message": line.annotation or title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "dormant", "vendor_name": "dormant", "version": __version__},
        },
        "finding_info": {
            "uid": finding_id(kind, line.account_id, line.resource_id),
            "title": title,
            "desc": line.annotation or title,
            "types": list(ASFF_TYPES),
            "created_time": millis,
            "analytic": {
                "uid": kind.generator_id,
                "name": kind.generator_id,
                "type_id": _ANALYTIC_RULE,
                "type": "Rule",
            },
        },
        "resources": [
            {
                "uid": line.arn or line.resource_id,
                "name": line.name,
                "type": kind.ocsf_type,
                "cloud_partition": partition_for(region),
                "region": region,
                "owner": {"account": account},
                "data": data,
            }
        ],
        "cloud": {"provider": "AWS", "region": region, "account": account},
        "unmapped": {"compliance": str(line.compliance), **_aws_unmapped(line)},
    }


def _aws_unmapped(line: Line) -> dict[str, Any]:
    """AWS's finding beside dormant's decision, for a line joined with it (``--source``)."""
    aws: Any = getattr(line, "aws_finding", None)
    agreement: Any = getattr(line, "agreement", None)
    if aws is None or agreement is None:
        return {}
    return {
        "aws_finding": {
            "source": aws.source,
            "id": aws.id,
            "type": aws.type,
            "status": aws.status,
            "analyzed_at": iso(aws.analyzed_at),
        },
        "agrees": agreement.agrees,
        "disagreement": agreement.why,
    }


def render_ocsf(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    """One finding per line of output, as they arrive; the tally counts every line."""
    kind = kind_for(meta.layout.name)
    region = meta.region or DEFAULT_REGION
    tally = meta.tally()
    for line in lines:
        tally.add(line)
        if line.compliance == Compliance.NOT_APPLICABLE:
            continue
        out.write(json.dumps(ocsf_finding(line, kind, region=region, time=meta.generated_at)))
        out.write("\n")
    return tally
