"""IAM Access Analyzer's recommended policies for one role's unused permissions, and
ValidatePolicy, which checks a document against IAM's grammar and service reference.

`role_recommendation` finds the role's ACTIVE `UnusedPermission` finding (ListFindingsV2
filtered on the role's ARN: one call, never a scan of every finding), then runs its
recommendation job (GenerateFindingRecommendation, GetFindingRecommendation polled and
paged) through `dormant.aws.recommendation_jobs`, which holds the back-off, the errors and
the translation of the steps shared with Security Hub; this adapter only makes the calls.
`validation_problems` asks ValidatePolicy about an identity policy and returns its errors
and security warnings, one line each. Waiting goes through `sleep` so tests never wait. No
decisions are made here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.recommendation_jobs import DEFAULT_MAX_POLLS, Fields, RecommendationJob, run_job
from dormant.aws.session import aws_call
from dormant.core.aws_findings import UnusedAccessAnalyzer
from dormant.core.recommendations import Recommendation, RecommendationSource

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient

__all__ = ["DEFAULT_MAX_POLLS", "role_recommendation", "validation_problems"]

# ValidatePolicy's findings that stop a document from being written.
_BLOCKING = ("ERROR", "SECURITY_WARNING")
_GET = "access-analyzer:GetFindingRecommendation"
_FIELDS = Fields(
    status="status",
    error="error",
    error_code="code",
    error_message="message",
    steps="recommendedSteps",
    step="unusedPermissionsRecommendedStep",
    action="recommendedAction",
    policy_id="existingPolicyId",
    policy="recommendedPolicy",
    updated="policyUpdatedAt",
)


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
    finding_id = _finding_id(client, analyzer, role_arn, account_id)
    if finding_id is None:
        return None

    def start() -> object:
        with aws_call("access-analyzer:GenerateFindingRecommendation", account_id):
            return client.generate_finding_recommendation(analyzerArn=analyzer.arn, id=finding_id)

    def poll() -> Mapping[str, Any]:
        with aws_call(_GET, account_id):
            return client.get_finding_recommendation(analyzerArn=analyzer.arn, id=finding_id)

    def pages() -> Iterable[Mapping[str, Any]]:
        return each_page(
            client,
            "get_finding_recommendation",
            partial(aws_call, _GET, account_id),
            page_size=1000,
            analyzerArn=analyzer.arn,
            id=finding_id,
        )

    job = RecommendationJob(RecommendationSource.ACCESS_ANALYZER, _GET, _FIELDS, start, poll, pages)
    return run_job(
        job,
        finding_id=finding_id,
        role_arn=role_arn,
        account_id=account_id,
        sleep=sleep,
        max_polls=max_polls,
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
