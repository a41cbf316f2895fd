"""IAM Access Analyzer's recommended policies for one role's unused permissions, and
ValidatePolicy, which checks a document against IAM's grammar and service reference.

`role_recommendation` finds the role's ACTIVE `UnusedPermission` finding (ListFindingsV2
filtered on the role's ARN: one call, never a scan of every finding), asks for its
recommendation (GenerateFindingRecommendation) and polls GetFindingRecommendation with
back-off (1 s, doubling, at most 8 s between polls, `max_polls` polls) until it leaves
IN_PROGRESS; a FAILED job or one still running after the last poll is an `AwsAccessError`
naming the role. The steps (paged) are translated once into `dormant.core.recommendations`
values. `validation_problems` asks ValidatePolicy about an identity policy and returns its
errors and security warnings, one line each. Waiting goes through `sleep` so tests never
wait. No decisions are made here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.aws_findings import UnusedAccessAnalyzer
from dormant.core.errors import AwsAccessError
from dormant.core.recommendations import (
    Recommendation,
    RecommendationSource,
    RecommendedAction,
    RecommendedStep,
)

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient

__all__ = ["DEFAULT_MAX_POLLS", "role_recommendation", "validation_problems"]

DEFAULT_MAX_POLLS = 12
_FIRST_DELAY = 1.0
_MAX_DELAY = 8.0
# ValidatePolicy's findings that stop a document from being written.
_BLOCKING = ("ERROR", "SECURITY_WARNING")


def _finding_id(
    client: AccessAnalyzerClient, analyzer: UnusedAccessAnalyzer, role_arn: str, account_id: str
) -> str | None:
    pages = each_page(
        client,
        "list_findings_v2",
        partial(aws_call, "access-analyzer:ListFindings", account_id),
        page_size=100,
        analyzerArn=analyzer.arn,
        filter={
            "status": {"eq": ["ACTIVE"]},
            "findingType": {"eq": ["UnusedPermission"]},
            "resource": {"eq": [role_arn]},
        },
    )
    for page in pages:
        for summary in page.get("findings", []):
            return str(summary["id"])
    return None


def _step(raw: dict[str, Any], role: str) -> RecommendedStep:
    step = raw.get("unusedPermissionsRecommendedStep") or {}
    try:
        action = RecommendedAction(str(step.get("recommendedAction")))
    except ValueError:
        raise AwsAccessError(
            f"access-analyzer:GetFindingRecommendation for role {role}: unknown recommended "
            f"action {step.get('recommendedAction')!r:.40}",
            operation="access-analyzer:GetFindingRecommendation",
        ) from None
    policy = step.get("recommendedPolicy")
    document = json.loads(policy) if isinstance(policy, str) else None
    updated = step.get("policyUpdatedAt")
    if isinstance(updated, datetime) and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return RecommendedStep(
        action=action,
        existing_policy_id=str(step.get("existingPolicyId", "")),
        recommended_policy=document,
        policy_updated_at=updated if isinstance(updated, datetime) else None,
    )


def role_recommendation(
    client: AccessAnalyzerClient,
    analyzer: UnusedAccessAnalyzer,
    role_arn: str,
    *,
    account_id: str = "",
    sleep: Callable[[float], None] = time.sleep,
    max_polls: int = DEFAULT_MAX_POLLS,
) -> Recommendation | None:
    """The SUCCEEDED recommendation of the role's ACTIVE UnusedPermission finding, or None
    when AWS has no such finding for it."""
    role = role_arn.rsplit("/", 1)[-1]
    finding_id = _finding_id(client, analyzer, role_arn, account_id)
    if finding_id is None:
        return None
    with aws_call("access-analyzer:GenerateFindingRecommendation", account_id):
        client.generate_finding_recommendation(analyzerArn=analyzer.arn, id=finding_id)
    delay = _FIRST_DELAY
    for poll in range(max_polls):
        with aws_call("access-analyzer:GetFindingRecommendation", account_id):
            answer = client.get_finding_recommendation(analyzerArn=analyzer.arn, id=finding_id)
        status = answer["status"]
        if status == "SUCCEEDED":
            break
        if status == "FAILED":
            error = answer.get("error") or {}
            raise AwsAccessError(
                f"access-analyzer:GetFindingRecommendation for role {role}: the "
                f"recommendation of finding {finding_id} FAILED: "
                f"{error.get('code', '')} {error.get('message', '')}".rstrip(),
                operation="access-analyzer:GetFindingRecommendation",
                account_id=account_id,
            )
        if poll + 1 < max_polls:
            sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)
    else:
        raise AwsAccessError(
            f"access-analyzer:GetFindingRecommendation for role {role}: the recommendation "
            f"of finding {finding_id} was still IN_PROGRESS after {max_polls} polls; "
            "run the command again later",
            operation="access-analyzer:GetFindingRecommendation",
            account_id=account_id,
        )
    pages = each_page(
        client,
        "get_finding_recommendation",
        partial(aws_call, "access-analyzer:GetFindingRecommendation", account_id),
        page_size=1000,
        analyzerArn=analyzer.arn,
        id=finding_id,
    )
    steps = [_step(raw, role) for page in pages for raw in page.get("recommendedSteps", [])]
    return Recommendation(
        source=RecommendationSource.ACCESS_ANALYZER,
        finding_id=finding_id,
        resource_arn=role_arn,
        steps=tuple(steps),
    )


def validation_problems(
    client: AccessAnalyzerClient, document: dict[str, Any], *, account_id: str = ""
) -> list[str]:
    """ValidatePolicy's errors and security warnings for an identity policy, one line each."""
    problems: list[str] = []
    pages = each_page(
        client,
        "validate_policy",
        partial(aws_call, "access-analyzer:ValidatePolicy", account_id),
        policyDocument=json.dumps(document),
        policyType="IDENTITY_POLICY",
    )
    for page in pages:
        for finding in page.get("findings", []):
            if finding.get("findingType") in _BLOCKING:
                problems.append(
                    f"{finding['findingType']} {finding.get('issueCode', '')}: "
                    f"{finding.get('findingDetails', '')}"
                )
    return problems
