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

__all__ = [
    "DEFAULT_MAX_POLLS",
    "poll_until_done",
    "recommended_step",
    "role_recommendation",
    "validation_problems",
]

DEFAULT_MAX_POLLS = 12
_FIRST_DELAY = 1.0
_MAX_DELAY = 8.0
# ValidatePolicy's findings that stop a document from being written.
_BLOCKING = ("ERROR", "SECURITY_WARNING")
_GET = "access-analyzer:GetFindingRecommendation"


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


def recommended_step(
    action: Any, policy_id: Any, policy: Any, updated: Any, *, operation: str, role: str
) -> RecommendedStep:
    """One step of either service's answer, from its fields (their names differ)."""
    try:
        chosen = RecommendedAction(str(action))
    except ValueError:
        raise AwsAccessError(
            f"{operation} for role {role}: unknown recommended action {action!r:.40}",
            operation=operation,
        ) from None
    if isinstance(updated, datetime) and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return RecommendedStep(
        action=chosen,
        existing_policy_id=str(policy_id or ""),
        recommended_policy=json.loads(policy) if isinstance(policy, str) else None,
        policy_updated_at=updated if isinstance(updated, datetime) else None,
    )


def _step(raw: dict[str, Any], role: str) -> RecommendedStep:
    step = raw.get("unusedPermissionsRecommendedStep") or {}
    return recommended_step(
        step.get("recommendedAction"),
        step.get("existingPolicyId"),
        step.get("recommendedPolicy"),
        step.get("policyUpdatedAt"),
        operation=_GET,
        role=role,
    )


def poll_until_done(
    status: Callable[[], tuple[str, dict[str, Any]]],
    *,
    operation: str,
    role: str,
    finding: str,
    account_id: str,
    sleep: Callable[[float], None],
    max_polls: int,
) -> None:
    """Poll ``status`` (its status and error) with back-off until SUCCEEDED; FAILED, or
    IN_PROGRESS after ``max_polls`` polls, is an AwsAccessError naming the role."""
    delay = _FIRST_DELAY
    for poll in range(max_polls):
        state, error = status()
        if state == "SUCCEEDED":
            return
        if state == "FAILED":
            raise AwsAccessError(
                f"{operation} for role {role}: the recommendation of finding {finding} "
                f"FAILED: {error.get('code') or ''} {error.get('message') or ''}".rstrip(),
                operation=operation,
                account_id=account_id,
            )
        if poll + 1 < max_polls:
            sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)
    raise AwsAccessError(
        f"{operation} for role {role}: the recommendation of finding {finding} was still "
        f"IN_PROGRESS after {max_polls} polls; run the command again later",
        operation=operation,
        account_id=account_id,
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

    def status() -> tuple[str, dict[str, Any]]:
        with aws_call(_GET, account_id):
            answer = client.get_finding_recommendation(analyzerArn=analyzer.arn, id=finding_id)
        return str(answer["status"]), dict(answer.get("error") or {})

    poll_until_done(
        status,
        operation=_GET,
        role=role,
        finding=finding_id,
        account_id=account_id,
        sleep=sleep,
        max_polls=max_polls,
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
