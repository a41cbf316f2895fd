"""How every kind's report shows AWS's finding beside dormant's decision (`--source`).

`AWS_FIELDS` are the fields JSON and CSV add; `aws_fields` fills them from a finding's
`AwsFinding` and `Agreement`; `agrees_text` is the table's "AWS agrees" cell. One shape for
roles, users and permissions. Standard library only; nothing here decides.
"""

from __future__ import annotations

from typing import Any

from dormant.core.aws_findings import Agreement, AwsFinding, UnusedService
from dormant.report.layout import iso

__all__ = ["AWS_FIELDS", "agrees_text", "aws_fields", "aws_finding_record"]

# What a report adds with --source: AWS's finding, and whether dormant agrees (and why not).
AWS_FIELDS = ("aws_finding", "agrees", "disagreement")


def _service_record(service: UnusedService) -> dict[str, Any]:
    return {
        "namespace": service.namespace,
        "last_accessed": iso(service.last_accessed),
        "actions": [
            {"action": a.name, "last_accessed": iso(a.last_accessed)} for a in service.actions
        ],
    }


def aws_finding_record(aws: AwsFinding | None) -> dict[str, Any] | None:
    """AWS's finding as JSON (timestamps ISO 8601 UTC); `access_key_id` and `services` hold
    what the finding's details said (null and [] when they were not read)."""
    if aws is None:
        return None
    return {
        "source": aws.source,
        "id": aws.id,
        "type": aws.type,
        "status": aws.status,
        "analyzed_at": iso(aws.analyzed_at),
        "last_accessed": None if aws.last_accessed is None else iso(aws.last_accessed),
        "resource_arn": aws.resource_arn,
        "account_id": aws.account_id,
        "window_days": aws.window_days,
        "analyzer_arn": aws.analyzer_arn,
        "access_key_id": aws.access_key_id,
        "services": [_service_record(s) for s in aws.services],
    }


def aws_fields(aws: AwsFinding | None, agreement: Agreement | None) -> dict[str, Any]:
    """`AWS_FIELDS` of one finding: `agrees` true only where both say unused and dormant may
    act; `disagreement` says why not."""
    return {
        "aws_finding": aws_finding_record(aws),
        "agrees": None if agreement is None else agreement.agrees,
        "disagreement": None if agreement is None else agreement.why,
    }


def agrees_text(agreement: Agreement | None) -> str:
    """``yes``, or ``no: why`` (the table's "AWS agrees" column)."""
    return "" if agreement is None else agreement.text
