"""AWS Security Hub as strict as AWS where dormant's export depends on it.

moto's Security Hub stores imported findings but is lenient where it matters to an exporter:

- BatchImportFindings takes any number of findings, from any account, into any product, with
  Security Hub disabled. Here: at most 100 findings a call (InvalidInputException), the hub
  must be enabled (InvalidAccessException), and a finding is refused (in FailedFindings, as
  AWS does) unless its AwsAccountId is the caller's account and its ProductArn the caller's
  default product in the Region, or when it lacks a required field or a timestamp is not
  RFC 3339. `fail_findings` plans
  FailedFindings for the next calls, to test retries.
- GetFindings ignores its Filters and takes any MaxResults. Here: string filters
  (`EQUALS`, `NOT_EQUALS`, `PREFIX`) on the fields dormant filters by are applied, a filter
  on any other field is refused (so a test never passes on an unfiltered answer), MaxResults
  must be 1..100, and the hub must be enabled.

State (the failure plans) is process-global, as moto's backends are; `reset()` clears it.
Test support over moto's private classes (`SecurityHubResponse`); never imported by
dormant's Lambda path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from moto.securityhub.models import SecurityHubBackend, securityhub_backends
from moto.securityhub.responses import SecurityHubResponse

from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, decode_token, encode_token, json_body

__all__ = ["PATCHES", "fail_findings", "reset"]

_IMPORT_MAX = 100
_GET_FINDINGS_MAX = 100
_REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "CreatedAt",
    "UpdatedAt",
    "Title",
    "Description",
    "Resources",
)
# ASFF's timestamps: RFC 3339 section 5.6, a 'T' between date and time, no spaces.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
# GetFindings filter name -> where the value sits in a finding.
_FILTER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Id": ("Id",),
    "GeneratorId": ("GeneratorId",),
    "AwsAccountId": ("AwsAccountId",),
    "ProductArn": ("ProductArn",),
    "RecordState": ("RecordState",),
    "ComplianceStatus": ("Compliance", "Status"),
    "WorkflowStatus": ("Workflow", "Status"),
}

_lock = threading.Lock()
_planned_failures: list[int] = []  # per coming call: how many findings to fail


def fail_findings(count: int, *, calls: int = 1) -> None:
    """The next `calls` BatchImportFindings calls report their first `count` findings failed."""
    if count < 1 or calls < 1:
        raise ValueError("count and calls must be >= 1")
    with _lock:
        _planned_failures.extend([count] * calls)


def reset() -> None:
    with _lock:
        _planned_failures.clear()


def _backend(response: SecurityHubResponse) -> SecurityHubBackend:
    backend: SecurityHubBackend = securityhub_backends[response.current_account][response.region]
    if not backend.enabled:
        raise AwsError(
            "InvalidAccessException",
            f"Account {response.current_account} is not subscribed to AWS Security Hub "
            f"in {response.region}",
        )
    return backend


def _refusal(finding: Any, account_id: str, region: str) -> str | None:
    if not isinstance(finding, dict):
        return "Finding must be an object"
    missing = [name for name in _REQUIRED if not finding.get(name)]
    if missing:
        return f"Finding is missing required fields: {', '.join(missing)}"
    for name in ("CreatedAt", "UpdatedAt"):
        if not _TIMESTAMP.fullmatch(str(finding[name])):
            return f"{name} {finding[name]!r} is not an RFC 3339 date-time (2020-03-22T13:22:13Z)"
    if finding["AwsAccountId"] != account_id:
        return (
            f"AwsAccountId {finding['AwsAccountId']} is not the caller's account {account_id}: "
            "findings of the default product are imported from the account they are about"
        )
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    expected = f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"
    if finding["ProductArn"] != expected:
        return f"ProductArn {finding['ProductArn']} is not {expected}"
    return None


def _batch_import_findings(self: SecurityHubResponse) -> str:
    body = json_body(self)
    findings = body.get("Findings")
    if not isinstance(findings, list) or not findings:
        raise AwsError("InvalidInputException", "Findings must hold at least one finding")
    if len(findings) > _IMPORT_MAX:
        raise AwsError(
            "InvalidInputException",
            f"Findings holds {len(findings)} findings; at most {_IMPORT_MAX} are allowed a call",
        )
    backend = _backend(self)
    with _lock:
        planned = _planned_failures.pop(0) if _planned_failures else 0
    failed: list[dict[str, str]] = []
    accepted: list[dict[str, Any]] = []
    for index, finding in enumerate(findings):
        reason = _refusal(finding, self.current_account, self.region)
        if reason is None and index < planned:
            reason = "Injected by the simulation"
        if reason is None:
            accepted.append(finding)
            continue
        finding_id = finding.get("Id", "") if isinstance(finding, dict) else ""
        failed.append({"Id": str(finding_id), "ErrorCode": "InvalidInput", "ErrorMessage": reason})
    _, success, moto_failed = backend.batch_import_findings(findings=accepted)
    for entry in moto_failed:
        failed.append(
            {
                "Id": str(entry.get("Id", "")),
                "ErrorCode": str(entry.get("ErrorCode", "InvalidInput")),
                "ErrorMessage": str(entry.get("ErrorMessage", "")),
            }
        )
    return json.dumps(
        {"FailedCount": len(failed), "SuccessCount": success, "FailedFindings": failed}
    )


def _field(finding: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    value: Any = finding
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) else None


def _matches(value: str | None, condition: Mapping[str, Any]) -> bool:
    comparison, wanted = condition.get("Comparison"), condition.get("Value")
    if comparison == "EQUALS":
        return value == wanted
    if comparison == "NOT_EQUALS":
        return value != wanted
    if comparison == "PREFIX":
        return value is not None and isinstance(wanted, str) and value.startswith(wanted)
    raise AwsError(
        "InvalidInputException",
        f"the simulation does not implement the string comparison {comparison!r}",
    )


def _keep(finding: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """AWS's rule: conditions on one field are ORed (AND for NOT_EQUALS); fields are ANDed."""
    for name, conditions in filters.items():
        path = _FILTER_FIELDS[name]
        value = _field(finding, path)
        negative = [c for c in conditions if c.get("Comparison") == "NOT_EQUALS"]
        positive = [c for c in conditions if c.get("Comparison") != "NOT_EQUALS"]
        if not all(_matches(value, c) for c in negative):
            return False
        if positive and not any(_matches(value, c) for c in positive):
            return False
    return True


def _get_findings(self: SecurityHubResponse) -> str:
    body = json_body(self)
    filters = body.get("Filters") or {}
    unknown = sorted(set(filters) - set(_FILTER_FIELDS))
    if unknown:
        raise AwsError(
            "InvalidInputException",
            f"the simulation does not filter GetFindings by {', '.join(unknown)}",
        )
    limit = body.get("MaxResults", _GET_FINDINGS_MAX)
    if not isinstance(limit, int) or not 1 <= limit <= _GET_FINDINGS_MAX:
        raise AwsError(
            "InvalidInputException", f"MaxResults must be between 1 and {_GET_FINDINGS_MAX}"
        )
    backend = _backend(self)
    matching = [f.as_dict() for f in backend.findings if _keep(f.as_dict(), filters)]
    start = 0
    token = body.get("NextToken")
    if token:
        decoded = decode_token(str(token), "findings")
        if decoded is None or decoded > len(matching):
            raise AwsError("InvalidInputException", "The NextToken provided is invalid")
        start = decoded
    end = start + limit
    response: dict[str, Any] = {"Findings": matching[start:end]}
    if end < len(matching):
        response["NextToken"] = encode_token("findings", end)
    return json.dumps(response)


PATCHES = (
    Patch(SecurityHubResponse, "batch_import_findings", _batch_import_findings),
    Patch(SecurityHubResponse, "get_findings", _get_findings),
)
