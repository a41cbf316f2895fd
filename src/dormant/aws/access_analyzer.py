"""IAM Access Analyzer read adapter: the account's unused-access analyzer and its findings.

`find_analyzer` takes the first ACTIVE analyzer of type ACCOUNT_UNUSED_ACCESS or
ORGANIZATION_UNUSED_ACCESS (ListAnalyzers, once per type), or the one `--analyzer-arn` names;
`read_findings` pages through ListFindingsV2 filtered on status ACTIVE and the command's
finding types, so N findings cost ceil(N / 1,000) calls and never one call per resource.
AWS's camelCase is translated here, once, into `AwsFinding`. Summaries carry no last access;
GetFindingV2 is not called for roles (dormant reads the last use from IAM itself).
`with_details` is GetFindingV2 (its details paged, 1,000 a call) for the one finding a
command cannot judge from its summary: the key of an access-key finding, the services of an
UnusedPermission finding. `dormant.aws.findings_source` puts this source behind its
`FindingReader`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.aws_findings import (
    AwsFinding,
    FindingSource,
    UnusedAccessAnalyzer,
    UnusedAction,
    UnusedService,
)
from dormant.core.errors import InvalidParameter

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient

__all__ = [
    "ANALYZER_TYPES",
    "MAX_RESULTS",
    "find_analyzer",
    "read_findings",
    "with_details",
]

ANALYZER_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
MAX_RESULTS = 1000  # ListFindingsV2's and ListAnalyzers' largest page
# AWS's default tracking period, for an analyzer whose configuration does not name one.
DEFAULT_WINDOW_DAYS = 90


def _analyzer(summary: dict[str, Any]) -> UnusedAccessAnalyzer:
    unused = (summary.get("configuration") or {}).get("unusedAccess") or {}
    return UnusedAccessAnalyzer(
        arn=str(summary["arn"]),
        type=str(summary["type"]),
        window_days=int(unused.get("unusedAccessAge") or DEFAULT_WINDOW_DAYS),
    )


def find_analyzer(
    client: AccessAnalyzerClient, account_id: str = "", analyzer_arn: str | None = None
) -> UnusedAccessAnalyzer:
    """The analyzer `analyzer_arn` names, else the first active unused-access one.

    Raises InvalidParameter (--analyzer-arn) when there is none, or when the named one is
    not an active unused-access analyzer; AwsAccessError when a call fails.
    """
    for analyzer_type in ANALYZER_TYPES:
        pages = each_page(
            client,
            "list_analyzers",
            partial(aws_call, "access-analyzer:ListAnalyzers", account_id),
            page_size=MAX_RESULTS,
            type=analyzer_type,
        )
        for page in pages:
            for summary in page.get("analyzers", []):
                if analyzer_arn is not None and summary.get("arn") != analyzer_arn:
                    continue
                if summary.get("status") != "ACTIVE":
                    if analyzer_arn is not None:
                        raise InvalidParameter(
                            "--analyzer-arn",
                            f"{analyzer_arn} is {summary.get('status')}, not ACTIVE",
                        )
                    continue
                return _analyzer(summary)
    where = f" in account {account_id}" if account_id else ""
    if analyzer_arn is not None:
        raise InvalidParameter("--analyzer-arn", f"no unused-access analyzer {analyzer_arn}{where}")
    raise InvalidParameter(
        "--source",
        f"access-analyzer: no active unused-access analyzer{where} (create one of type "
        f"{' or '.join(ANALYZER_TYPES)}, or name one with --analyzer-arn)",
    )


def _opt_utc(value: Any) -> datetime | None:
    return None if value is None else _utc(value)


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"not a timestamp: {value!r:.40}")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read_findings(
    client: AccessAnalyzerClient,
    analyzer: UnusedAccessAnalyzer,
    finding_types: Sequence[str],
    *,
    account_id: str = "",
    page_size: int = MAX_RESULTS,
    owner_account: str | None = None,
) -> Iterator[AwsFinding]:
    """Every ACTIVE finding of `finding_types`, page by page, as `AwsFinding`s; with
    `owner_account`, only those about that account's resources (filtered by AWS)."""
    if not 1 <= page_size <= MAX_RESULTS:
        raise ValueError(f"page_size must be 1..{MAX_RESULTS}")
    criteria: dict[str, Any] = {
        "status": {"eq": ["ACTIVE"]},
        "findingType": {"eq": list(finding_types)},
    }
    if owner_account is not None:
        criteria["resourceOwnerAccount"] = {"eq": [owner_account]}
    pages = each_page(
        client,
        "list_findings_v2",
        partial(aws_call, "access-analyzer:ListFindings", account_id),
        page_size=page_size,
        analyzerArn=analyzer.arn,
        filter=criteria,
    )
    for page in pages:
        for summary in page.get("findings", []):
            yield AwsFinding(
                source=FindingSource.ACCESS_ANALYZER.value,
                id=str(summary["id"]),
                type=str(summary.get("findingType", "")),
                status=str(summary["status"]),
                analyzed_at=_utc(summary["analyzedAt"]),
                resource_arn=str(summary.get("resource", "")),
                account_id=str(summary["resourceOwnerAccount"]),
                window_days=analyzer.window_days,
                analyzer_arn=analyzer.arn,
            )


def _service(details: dict[str, Any]) -> UnusedService:
    return UnusedService(
        namespace=str(details["serviceNamespace"]),
        last_accessed=_opt_utc(details.get("lastAccessed")),
        actions=tuple(
            UnusedAction(str(a["action"]), _opt_utc(a.get("lastAccessed")))
            for a in details.get("actions", [])
        ),
    )


def with_details(
    client: AccessAnalyzerClient,
    finding: AwsFinding,
    *,
    account_id: str = "",
    page_size: int = MAX_RESULTS,
) -> AwsFinding:
    """`finding` with what GetFindingV2's details add: the last access, an access key's id,
    an UnusedPermission finding's services (every page of them)."""
    pages = each_page(
        client,
        "get_finding_v2",
        partial(aws_call, "access-analyzer:GetFinding", account_id),
        page_size=page_size,
        analyzerArn=finding.analyzer_arn,
        id=finding.id,
    )
    last_accessed = finding.last_accessed
    access_key_id = finding.access_key_id
    services: list[UnusedService] = []
    for page in pages:
        for details in page.get("findingDetails", []):
            if "unusedPermissionDetails" in details:
                services.append(_service(details["unusedPermissionDetails"]))
                continue
            for key in (
                "unusedIamRoleDetails",
                "unusedIamUserPasswordDetails",
                "unusedIamUserAccessKeyDetails",
            ):
                if key in details:
                    last_accessed = _opt_utc(details[key].get("lastAccessed"))
                    access_key_id = details[key].get("accessKeyId", access_key_id)
    if services:
        # A permission finding's last access is its most recent service's.
        seen = [s.last_accessed for s in services if s.last_accessed is not None]
        last_accessed = max(seen, default=None)
    return replace(
        finding,
        last_accessed=last_accessed,
        access_key_id=access_key_id,
        services=tuple(services),
        detailed=True,
    )
