"""Security Hub's recommended policies for one role's unused permissions (the V2, OCSF API).

`role_recommendation_v2` finds the role's open `UnusedPermission` finding (GetFindingsV2
filtered on the finding type and the role's ARN; a finding whose status is New or In
Progress), then runs its recommendation job (GenerateRecommendedPolicyV2 by the finding's
`metadata.uid`, GetRecommendedPolicyV2 polled and paged) through
`dormant.aws.recommendation_jobs`, the same back-off, errors and step translation as Access
Analyzer's. The answer is the same `dormant.core.recommendations` value, so the plan and the
apply are shared. Waiting goes through `sleep` so tests never wait. No decisions are made
here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.recommendation_jobs import DEFAULT_MAX_POLLS, Fields, RecommendationJob, run_job
from dormant.aws.session import aws_call
from dormant.core.recommendations import Recommendation, RecommendationSource

if TYPE_CHECKING:
    from mypy_boto3_securityhub import SecurityHubClient

__all__ = ["role_recommendation_v2"]

# OCSF statuses of a finding still open (ACTIVE in Access Analyzer's terms).
_OPEN = ("New", "In Progress")
_GET = "securityhub:GetRecommendedPolicyV2"
_FIELDS = Fields(
    status="Status",
    error="Error",
    error_code="Code",
    error_message="Message",
    steps="RecommendationSteps",
    step="UnusedPermissions",
    action="RecommendedAction",
    policy_id="ExistingPolicyId",
    policy="RecommendedPolicy",
    updated="PolicyUpdatedAt",
)


def _equals(field: str, value: str) -> dict[str, Any]:
    return {"FieldName": field, "Filter": {"Value": value, "Comparison": "EQUALS"}}


def _metadata_uid(client: SecurityHubClient, role_arn: str, account_id: str) -> str | None:
    pages = each_page(
        client,
        "get_findings_v2",
        partial(aws_call, "securityhub:GetFindingsV2", account_id),
        page_size=100,
        Filters={
            "CompositeFilters": [
                {
                    "StringFilters": [
                        _equals("finding_info.types", "UnusedPermission"),
                        _equals("resources.uid", role_arn),
                    ],
                    "Operator": "AND",
                }
            ]
        },
    )
    for page in pages:
        for finding in page.get("Findings", []):
            if finding.get("status") in _OPEN:
                return str(finding["metadata"]["uid"])
    return None


def role_recommendation_v2(
    client: SecurityHubClient,
    role_arn: str,
    *,
    account_id: str = "",
    sleep: Callable[[float], None] = time.sleep,
    max_polls: int = DEFAULT_MAX_POLLS,
) -> Recommendation | None:
    """The SUCCEEDED recommended policy of the role's open UnusedPermission finding, or None
    when Security Hub shows no such finding for it."""
    uid = _metadata_uid(client, role_arn, account_id)
    if uid is None:
        return None

    def start() -> object:
        with aws_call("securityhub:GenerateRecommendedPolicyV2", account_id):
            return client.generate_recommended_policy_v2(MetadataUid=uid)

    def poll() -> Mapping[str, Any]:
        with aws_call(_GET, account_id):
            return client.get_recommended_policy_v2(MetadataUid=uid)

    def pages() -> Iterable[Mapping[str, Any]]:
        return each_page(
            client,
            "get_recommended_policy_v2",
            partial(aws_call, _GET, account_id),
            page_size=100,
            MetadataUid=uid,
        )

    job = RecommendationJob(RecommendationSource.SECURITYHUB, _GET, _FIELDS, start, poll, pages)
    return run_job(
        job,
        finding_id=uid,
        role_arn=role_arn,
        account_id=account_id,
        sleep=sleep,
        max_polls=max_polls,
    )
