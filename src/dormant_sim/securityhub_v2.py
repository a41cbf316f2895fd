"""Security Hub's V2 findings API (OCSF) for unused access, which moto lacks.

Security Hub surfaces IAM Access Analyzer's unused-access findings (AWS: "Security Hub uses
IAM Access Analyzer to identify unused IAM permissions, roles, access keys, and passwords").
Here the findings an account's Security Hub shows are those of the unused-access analyzers
that account owns (`dormant_sim.unused_access`): in an organization's administrator account,
an organization analyzer's findings for every member account. Each is written as an OCSF
Detection Finding:

- `metadata.uid` (Security Hub's id of the finding), `metadata.product` (name "IAM Access
  Analyzer", vendor "AWS", uid the product's ARN);
- `finding_info.uid` (Access Analyzer's finding id), `finding_info.types` (one of
  UnusedIAMRole, UnusedIAMUserAccessKey, UnusedIAMUserPassword, UnusedPermission),
  `finding_info.created_time_dt`, `modified_time_dt`, `last_seen_time_dt` (the analysis);
- `cloud.account.uid` and `resources[0].owner.account.uid` (the resource's account),
  `resources[0].uid` (its ARN) and `.type` (AWS::IAM::Role, AWS::IAM::User): an access-key
  or password finding names the user, an UnusedPermission finding the role or user, and
  nothing else (no access key id, no services or actions, no last access), as AWS documents
  Security Hub's unused-access findings;
- `status`/`status_id`: New (1) for an ACTIVE finding, Suppressed (3) for an ARCHIVED one,
  Resolved (4) for a RESOLVED one, unless BatchUpdateFindingsV2 set another status while the
  analyzer's status stayed the same; `comment` as BatchUpdateFindingsV2 set it.

Operations, shaped by botocore's `securityhub` model:

- GetFindingsV2: `Filters.CompositeFilters` of `StringFilters` (EQUALS, NOT_EQUALS, PREFIX)
  on the fields in `_STRING_FIELDS`, combined by each composite's `Operator` and the
  `CompositeOperator` (AND by default). Anything else (another field or comparison, number,
  date, map or nested filters, Scopes, SortCriteria) is a ValidationException naming it, so a
  test never passes on an unfiltered answer. MaxResults 1..100; NextToken pages.
- BatchUpdateFindingsV2: MetadataUids or FindingIdentifiers (1..100 in all), and at least one
  of Comment, SeverityId, StatusId (0-6 or 99, OCSF's statuses); a finding that is not
  there is in UnprocessedFindings (ResourceNotFoundException), as AWS answers.
- Security Hub must be enabled in the account and Region (else AccessDeniedException).

Authorization (under `Simulation.enforcing()`): IAM authorizes GetFindingsV2 as
`securityhub:GetFindings` and BatchUpdateFindingsV2 as `securityhub:BatchUpdateFindings`
(IAM's service reference has no V2 actions for them), on the hub's `hubv2` ARN
(`dormant_sim.request_context`). Test support over moto's private classes; never imported
by dormant's Lambda path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import moto.securityhub.urls as securityhub_urls
from moto.securityhub.models import securityhub_backends
from moto.securityhub.responses import SecurityHubResponse

from dormant_sim import unused_access as store
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, decode_token, encode_token, json_body

__all__ = ["PATCHES", "STATUS_IDS", "hub_arn", "ocsf_findings", "require_hub", "reset"]

_MAX_RESULTS = 100
_MAX_UPDATE = 100
PRODUCT_NAME = "IAM Access Analyzer"
# OCSF's finding statuses (status_id -> status).
STATUS_IDS: Mapping[int, str] = {
    0: "Unknown",
    1: "New",
    2: "In Progress",
    3: "Suppressed",
    4: "Resolved",
    5: "Archived",
    6: "Deleted",
    99: "Other",
}
_FROM_ANALYZER = {"ACTIVE": 1, "ARCHIVED": 3, "RESOLVED": 4}
_TITLES = {
    "UnusedIAMRole": "Unused IAM role",
    "UnusedIAMUserAccessKey": "Unused IAM user access key",
    "UnusedIAMUserPassword": "Unused IAM user password",
    "UnusedPermission": "Unused permissions",
}
# StringFilters field -> how to read its values from an OCSF finding.
_STRING_FIELDS: Mapping[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "metadata.uid": lambda f: [f["metadata"]["uid"]],
    "metadata.product.name": lambda f: [f["metadata"]["product"]["name"]],
    "metadata.product.uid": lambda f: [f["metadata"]["product"]["uid"]],
    "finding_info.uid": lambda f: [f["finding_info"]["uid"]],
    "finding_info.types": lambda f: list(f["finding_info"]["types"]),
    "cloud.account.uid": lambda f: [f["cloud"]["account"]["uid"]],
    "resources.uid": lambda f: [r["uid"] for r in f["resources"]],
    "resources.type": lambda f: [r["type"] for r in f["resources"]],
    "resources.owner.account.uid": lambda f: [r["owner"]["account"]["uid"] for r in f["resources"]],
    "status": lambda f: [f["status"]],
}
_COMPARISONS = ("EQUALS", "NOT_EQUALS", "PREFIX")


@dataclass(frozen=True)
class _Update:
    """What BatchUpdateFindingsV2 set, and the analyzer's status it was set over."""

    analyzer_status: str
    status_id: int | None
    comment: str | None


_lock = threading.Lock()
# (account, region, metadata uid) -> the last update
_updates: dict[tuple[str, str, str], _Update] = {}


def reset() -> None:
    with _lock:
        _updates.clear()


def hub_arn(account_id: str, region: str) -> str:
    """The hub's ARN IAM authorizes the V2 findings calls on (resource type `hubv2`)."""
    return f"arn:aws:securityhub:{region}:{account_id}:hubv2/default"


def _product_uid(region: str) -> str:
    return f"arn:aws:securityhub:{region}::productv2/aws/access-analyzer"


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ocsf(
    finding: store.Finding, analyzer: store.Analyzer, account_id: str, region: str
) -> dict[str, Any]:
    uid = f"arn:aws:securityhub:{region}:{account_id}:finding/{finding.id}"
    with _lock:
        update = _updates.get((account_id, region, uid))
    if update is not None and update.analyzer_status != finding.status:
        update = None  # the analyzer changed the finding since: its status wins again
    status_id = _FROM_ANALYZER[finding.status]
    if update is not None and update.status_id is not None:
        status_id = update.status_id
    resource: dict[str, Any] = {
        "uid": finding.resource,
        "type": finding.resource_type,
        "region": "us-east-1",
        "cloud_partition": "aws",
        "owner": {"account": {"uid": finding.account_id}},
    }
    ocsf: dict[str, Any] = {
        "class_name": "Detection Finding",
        "class_uid": 2004,
        "activity_id": 1,
        "severity": "Low",
        "severity_id": 2,
        "status": STATUS_IDS[status_id],
        "status_id": status_id,
        "metadata": {
            "uid": uid,
            "version": "1.6.0",
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": "AWS",
                "uid": _product_uid(region),
            },
        },
        "finding_info": {
            "uid": finding.id,
            "title": _TITLES.get(finding.finding_type, finding.finding_type),
            "types": [finding.finding_type],
            "created_time_dt": _iso(finding.created),
            "modified_time_dt": _iso(finding.updated),
            "last_seen_time_dt": _iso(finding.analyzed),
            "analytic": {"name": analyzer.arn},
        },
        "cloud": {
            "provider": "AWS",
            "region": region,
            "account": {"uid": finding.account_id},
        },
        "resources": [resource],
    }
    if update is not None and update.comment is not None:
        ocsf["comment"] = update.comment
    return ocsf


def ocsf_findings(account_id: str, region: str) -> Iterator[dict[str, Any]]:
    """Every unused-access finding the account's Security Hub shows, as OCSF, in order."""
    with store.lock:
        owned = [
            analyzer
            for (owner, _), by_name in store.ANALYZERS.items()
            if owner == account_id
            for analyzer in by_name.values()
        ]
        pairs = [(a, list(store.FINDINGS.get(a.arn, {}).values())) for a in owned]
    for analyzer, findings in pairs:
        for finding in findings:
            yield _ocsf(finding, analyzer, account_id, region)


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _enabled(response: SecurityHubResponse) -> None:
    backend = securityhub_backends[response.current_account][response.region]
    if not backend.enabled:
        raise AwsError(
            "AccessDeniedException",
            f"Account {response.current_account} is not subscribed to AWS Security Hub "
            f"in {response.region}",
        )


def require_hub(response: SecurityHubResponse) -> None:
    """AccessDeniedException unless Security Hub is enabled in the caller's account and Region."""
    _enabled(response)


def _string_match(values: Sequence[str], comparison: str, wanted: str) -> bool:
    if comparison == "EQUALS":
        return wanted in values
    if comparison == "NOT_EQUALS":
        return wanted not in values
    return any(value.startswith(wanted) for value in values)


def _checked_composites(filters: Any) -> list[Mapping[str, Any]]:
    if not filters:
        return []
    other = sorted(set(filters) - {"CompositeFilters", "CompositeOperator"})
    if other:
        raise _validation(f"Filters has unknown members: {', '.join(other)}")
    composites = filters.get("CompositeFilters") or []
    for composite in composites:
        kinds = sorted(set(composite) - {"StringFilters", "Operator"})
        if kinds:
            raise _validation(f"the simulation does not apply {', '.join(kinds)}")
        for entry in composite.get("StringFilters") or []:
            field = entry.get("FieldName")
            comparison = (entry.get("Filter") or {}).get("Comparison")
            if field not in _STRING_FIELDS:
                raise _validation(f"the simulation does not filter findings by {field}")
            if comparison not in _COMPARISONS:
                raise _validation(f"the simulation does not apply {comparison} to {field}")
            if not (entry.get("Filter") or {}).get("Value"):
                raise _validation(f"StringFilters {field} names no Value")
    return list(composites)


def _keep(finding: Mapping[str, Any], composites: Sequence[Mapping[str, Any]], op: str) -> bool:
    results = []
    for composite in composites:
        matches = [
            _string_match(
                _STRING_FIELDS[entry["FieldName"]](finding),
                entry["Filter"]["Comparison"],
                entry["Filter"]["Value"],
            )
            for entry in composite.get("StringFilters") or []
        ]
        if not matches:
            continue
        inner = composite.get("Operator", "AND")
        results.append(any(matches) if inner == "OR" else all(matches))
    if not results:
        return True
    return any(results) if op == "OR" else all(results)


def _get_findings_v2(self: SecurityHubResponse) -> str:
    body = json_body(self)
    for unsupported in ("Scopes", "SortCriteria"):
        if body.get(unsupported):
            raise _validation(f"the simulation does not apply {unsupported}")
    filters = body.get("Filters") or {}
    composites = _checked_composites(filters)
    limit = body.get("MaxResults", _MAX_RESULTS)
    if not isinstance(limit, int) or not 1 <= limit <= _MAX_RESULTS:
        raise _validation(f"MaxResults must be between 1 and {_MAX_RESULTS}")
    _enabled(self)
    operator = filters.get("CompositeOperator", "AND")
    matching = [
        f
        for f in ocsf_findings(self.current_account, self.region)
        if _keep(f, composites, operator)
    ]
    start = 0
    token = body.get("NextToken")
    if token:
        decoded = decode_token(str(token), "findingsv2")
        if decoded is None or decoded > len(matching):
            raise _validation("The NextToken provided is invalid")
        start = decoded
    end = start + limit
    response: dict[str, Any] = {"Findings": matching[start:end]}
    if end < len(matching):
        response["NextToken"] = encode_token("findingsv2", end)
    return json.dumps(response)


def _batch_update_findings_v2(self: SecurityHubResponse) -> str:
    body = json_body(self)
    uids = list(body.get("MetadataUids") or [])
    identifiers = list(body.get("FindingIdentifiers") or [])
    if not uids and not identifiers:
        raise _validation("Either MetadataUids or FindingIdentifiers must be given")
    if len(uids) + len(identifiers) > _MAX_UPDATE:
        raise _validation(f"at most {_MAX_UPDATE} findings can be updated a call")
    comment, status_id = body.get("Comment"), body.get("StatusId")
    if comment is None and status_id is None and body.get("SeverityId") is None:
        raise _validation("At least one of Comment, SeverityId or StatusId must be given")
    if body.get("SeverityId") is not None:
        raise _validation("the simulation does not update SeverityId")
    if status_id is not None and status_id not in STATUS_IDS:
        raise _validation(f"StatusId {status_id} is not one of {sorted(STATUS_IDS)}")
    if comment is not None and not 1 <= len(str(comment)) <= 512:
        raise _validation("Comment must be 1 to 512 characters")
    _enabled(self)
    account, region = self.current_account, self.region
    shown = {f["metadata"]["uid"]: f for f in ocsf_findings(account, region)}
    by_identifier = {
        (
            f["cloud"]["account"]["uid"],
            f["finding_info"]["uid"],
            f["metadata"]["product"]["uid"],
        ): uid
        for uid, f in shown.items()
    }
    wanted: list[tuple[dict[str, Any], str | None]] = [({"MetadataUid": u}, u) for u in uids]
    for identifier in identifiers:
        key = (
            identifier.get("CloudAccountUid"),
            identifier.get("FindingInfoUid"),
            identifier.get("MetadataProductUid"),
        )
        wanted.append(({"FindingIdentifier": identifier}, by_identifier.get(key)))
    processed, unprocessed = [], []
    for named, uid in wanted:
        finding = shown.get(uid) if uid is not None else None
        if finding is None:
            unprocessed.append(
                {
                    **named,
                    "ErrorCode": "ResourceNotFoundException",
                    "ErrorMessage": "The finding was not found",
                }
            )
            continue
        analyzer_status = _analyzer_status(finding)
        with _lock:
            earlier = _updates.get((account, region, str(uid)))
            if earlier is not None and earlier.analyzer_status != analyzer_status:
                earlier = None
            kept_status = earlier.status_id if earlier is not None else None
            kept_comment = earlier.comment if earlier is not None else None
            _updates[(account, region, str(uid))] = _Update(
                analyzer_status,
                status_id if status_id is not None else kept_status,
                str(comment) if comment is not None else kept_comment,
            )
        processed.append(named)
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


def _analyzer_status(finding: Mapping[str, Any]) -> str:
    uid = finding["finding_info"]["uid"]
    with store.lock:
        for findings in store.FINDINGS.values():
            if uid in findings:
                return findings[uid].status
    return ""


PATCHES = (
    Patch(
        securityhub_urls,
        "url_paths",
        {
            **securityhub_urls.url_paths,
            "{0}/findingsv2$": SecurityHubResponse.dispatch,
            "{0}/findingsv2/batchupdatev2$": SecurityHubResponse.dispatch,
            # Generate/GetRecommendedPolicyV2 (dormant_sim.securityhub_recommendations): a
            # metadata.uid holds '/', which the server decodes before routing.
            "{0}/recommendedPolicyV2/(?P<MetadataUid>.+)$": SecurityHubResponse.dispatch,
        },
    ),
    Patch(SecurityHubResponse, "get_findings_v2", _get_findings_v2),
    Patch(SecurityHubResponse, "batch_update_findings_v2", _batch_update_findings_v2),
)
