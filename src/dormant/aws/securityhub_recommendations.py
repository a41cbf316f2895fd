"""Security Hub's recommended policies for one role's unused permissions (the V2, OCSF API).

`role_recommendation_v2` finds the role's open `UnusedPermission` finding (GetFindingsV2
filtered on the finding type and the role's ARN; a finding whose status is New or In
Progress), asks for its recommended policy (GenerateRecommendedPolicyV2, by the finding's
`metadata.uid`) and polls GetRecommendedPolicyV2 with the same bounded back-off as Access
Analyzer's (`dormant.aws.recommendations`), then reads its steps (paged). The answer is the
same `dormant.core.recommendations` value, so the plan and the apply are shared. Waiting goes
through `sleep` so tests never wait. No decisions are made here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.recommendations import DEFAULT_MAX_POLLS, poll_until_done, recommended_step
from dormant.aws.session import aws_call
from dormant.core.recommendations import (
    Recommendation,
    RecommendationSource,
    RecommendedStep,
)

if TYPE_CHECKING:
    from mypy_boto3_securityhub import SecurityHubClient

__all__ = ["role_recommendation_v2"]

# OCSF statuses of a finding still open (ACTIVE in Access Analyzer's terms).
_OPEN = ("New", "In Progress")
_GET = "securityhub:GetRecommendedPolicyV2"


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


def _step(raw: dict[str, Any], role: str) -> RecommendedStep:
    step = raw.get("UnusedPermissions") or {}
    return recommended_step(
        step.get("RecommendedAction"),
        step.get("ExistingPolicyId"),
        step.get("RecommendedPolicy"),
        step.get("PolicyUpdatedAt"),
        operation=_GET,
        role=role,
    )


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
    role = role_arn.rsplit("/", 1)[-1]
    uid = _metadata_uid(client, role_arn, account_id)
    if uid is None:
        return None
    with aws_call("securityhub:GenerateRecommendedPolicyV2", account_id):
        client.generate_recommended_policy_v2(MetadataUid=uid)

    def status() -> tuple[str, dict[str, Any]]:
        with aws_call(_GET, account_id):
            answer: dict[str, Any] = dict(client.get_recommended_policy_v2(MetadataUid=uid))
        error: dict[str, Any] = dict(answer.get("Error") or {})
        return str(answer.get("Status")), {
            "code": error.get("Code"),
            "message": error.get("Message"),
        }

    poll_until_done(
        status,
        operation=_GET,
        role=role,
        finding=uid,
        account_id=account_id,
        sleep=sleep,
        max_polls=max_polls,
    )
    pages = each_page(
        client,
        "get_recommended_policy_v2",
        partial(aws_call, _GET, account_id),
        page_size=100,
        MetadataUid=uid,
    )
    steps = [_step(raw, role) for page in pages for raw in page.get("RecommendationSteps", [])]
    return Recommendation(
        source=RecommendationSource.SECURITYHUB,
        finding_id=uid,
        resource_arn=role_arn,
        steps=tuple(steps),
    )
