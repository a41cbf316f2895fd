"""Security Hub's unused-access findings (OCSF, GetFindingsV2) read, and closed, for dormant.

`read_securityhub_findings` pages through GetFindingsV2 filtered on the command's finding
types (`finding_info.types`: UnusedIAMRole, UnusedIAMUserAccessKey, UnusedIAMUserPassword,
UnusedPermission) and on the open statuses (New, In Progress), so N findings cost
ceil(N / 100) calls and never one per resource. OCSF's fields are translated here, once,
into `AwsFinding` (source "securityhub"):

- `id` is `metadata.uid` (what BatchUpdateFindingsV2 names), `type` the first of
  `finding_info.types` the command asked for, `status` OCSF's `status`;
- `analyzed_at` is `finding_info.last_seen_time_dt` (else `modified_time_dt`), AWS's last
  analysis; `resource_arn` and `account_id` are `resources[0].uid` and its owner account
  (else `cloud.account.uid`);
- `window_days` is 90: Security Hub's analyzer's lookback, which AWS does not let anyone
  configure; `analyzer_arn` holds the finding's product (`metadata.product.uid`);
- `detailed` is true: the finding is read whole. Security Hub's finding names the resource
  (the user of an access-key or password finding, the role of an UnusedPermission finding)
  and shows neither the access key's id nor the unused services, so `access_key_id` stays
  None and `services` empty (the joins say what that leaves undecided).

`archive_securityhub_findings` sets status Archived with a note on findings dormant has
acted on (BatchUpdateFindingsV2, 100 a call) and returns what AWS did not process. Adapter:
no decision here, and never a call per resource to read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.core.errors import AwsAccessError

if TYPE_CHECKING:
    from mypy_boto3_securityhub import SecurityHubClient

__all__ = [
    "ARCHIVED_STATUS_ID",
    "MAX_RESULTS",
    "OPEN_STATUSES",
    "READ_OPERATION",
    "SECURITYHUB_WINDOW_DAYS",
    "UNUSED_ACCESS_TYPES",
    "UPDATE_OPERATION",
    "Unprocessed",
    "archive_securityhub_findings",
    "read_securityhub_findings",
]

UNUSED_ACCESS_TYPES = (
    "UnusedIAMRole",
    "UnusedIAMUserAccessKey",
    "UnusedIAMUserPassword",
    "UnusedPermission",
)
# OCSF statuses of a finding nobody has closed yet (status_id 1 and 2).
OPEN_STATUSES = ("New", "In Progress")
ARCHIVED_STATUS_ID = 5  # OCSF: Archived
MAX_RESULTS = 100  # GetFindingsV2's largest page
MAX_UPDATE = 100  # BatchUpdateFindingsV2's most findings a call
# Security Hub's service-linked analyzer looks back 90 days; AWS does not let it be changed.
SECURITYHUB_WINDOW_DAYS = 90
READ_OPERATION = "securityhub:GetFindingsV2"
UPDATE_OPERATION = "securityhub:BatchUpdateFindingsV2"


def _any_of(field: str, values: Sequence[str]) -> dict[str, Any]:
    return {
        "Operator": "OR",
        "StringFilters": [
            {"FieldName": field, "Filter": {"Value": value, "Comparison": "EQUALS"}}
            for value in values
        ],
    }


def _timestamp(finding_info: Mapping[str, Any], uid: str) -> datetime:
    text = finding_info.get("last_seen_time_dt") or finding_info.get("modified_time_dt")
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise AwsAccessError(
            f"{READ_OPERATION}: finding {uid} has no analysis time (last_seen_time_dt)",
            operation=READ_OPERATION,
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _finding(ocsf: Mapping[str, Any], wanted: Sequence[str], account_id: str) -> AwsFinding:
    """One OCSF finding as an `AwsFinding`; AwsAccessError naming it when a field is missing."""
    metadata = ocsf.get("metadata") or {}
    uid = str(metadata.get("uid") or "")
    info = ocsf.get("finding_info") or {}
    types = [str(t) for t in info.get("types") or []]
    resources = ocsf.get("resources") or []
    first = resources[0] if resources and isinstance(resources[0], Mapping) else {}
    owner = ((first.get("owner") or {}).get("account") or {}).get("uid")
    account = owner or ((ocsf.get("cloud") or {}).get("account") or {}).get("uid")
    found_type = next((t for t in types if t in wanted), None)
    missing = [
        name
        for name, value in (
            ("metadata.uid", uid),
            ("finding_info.types", found_type),
            ("resources[0].uid", first.get("uid")),
            ("cloud.account.uid", account),
        )
        if not value
    ]
    if missing:
        raise AwsAccessError(
            f"{READ_OPERATION}: finding {uid or '(no metadata.uid)'} lacks {', '.join(missing)}",
            operation=READ_OPERATION,
            account_id=account_id,
        )
    return AwsFinding(
        source=FindingSource.SECURITYHUB.value,
        id=uid,
        type=str(found_type),
        status=str(ocsf.get("status") or ""),
        analyzed_at=_timestamp(info, uid),
        resource_arn=str(first["uid"]),
        account_id=str(account),
        window_days=SECURITYHUB_WINDOW_DAYS,
        analyzer_arn=str((metadata.get("product") or {}).get("uid") or ""),
        # Read whole: Security Hub shows no more of a finding than GetFindingsV2 gives.
        detailed=True,
    )


def read_securityhub_findings(
    client: SecurityHubClient,
    finding_types: Sequence[str],
    *,
    account_id: str = "",
    page_size: int = MAX_RESULTS,
) -> Iterator[AwsFinding]:
    """Every open Security Hub finding of `finding_types`, page by page, as `AwsFinding`s."""
    unknown = sorted(set(finding_types) - set(UNUSED_ACCESS_TYPES))
    if unknown or not finding_types:
        raise ValueError(f"finding_types must be among {UNUSED_ACCESS_TYPES}, not {unknown}")
    if not 1 <= page_size <= MAX_RESULTS:
        raise ValueError(f"page_size must be 1..{MAX_RESULTS}")
    pages = each_page(
        client,
        "get_findings_v2",
        partial(aws_call, READ_OPERATION, account_id),
        page_size=page_size,
        Filters={
            "CompositeFilters": [
                _any_of("finding_info.types", finding_types),
                _any_of("status", OPEN_STATUSES),
            ],
            "CompositeOperator": "AND",
        },
    )
    for page in pages:
        for ocsf in page.get("Findings", []):
            yield _finding(ocsf, finding_types, account_id)


@dataclass(frozen=True, slots=True)
class Unprocessed:
    """A finding BatchUpdateFindingsV2 did not update, and AWS's reason."""

    finding_id: str
    code: str
    message: str


def archive_securityhub_findings(
    client: SecurityHubClient,
    finding_ids: Sequence[str],
    note: str,
    *,
    account_id: str = "",
) -> list[Unprocessed]:
    """Set each finding (by `metadata.uid`, `AwsFinding.id`) Archived with `note` as its
    comment, 100 a call; what AWS did not process, with why (nothing is raised for it).

    Raises AwsAccessError when a call fails as a whole (denied, throttled past retries).
    """
    if not note.strip() or len(note) > 512:
        raise ValueError("note must be 1 to 512 characters")
    unprocessed: list[Unprocessed] = []
    ids = list(dict.fromkeys(finding_ids))
    for start in range(0, len(ids), MAX_UPDATE):
        with aws_call(UPDATE_OPERATION, account_id):
            answer = client.batch_update_findings_v2(
                MetadataUids=ids[start : start + MAX_UPDATE],
                StatusId=ARCHIVED_STATUS_ID,
                Comment=note,
            )
        for entry in answer.get("UnprocessedFindings", []):
            unprocessed.append(
                Unprocessed(
                    str(entry.get("MetadataUid") or ""),
                    str(entry.get("ErrorCode") or ""),
                    str(entry.get("ErrorMessage") or ""),
                )
            )
    return unprocessed
