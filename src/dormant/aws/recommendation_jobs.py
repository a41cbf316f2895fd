"""A recommendation job at AWS run to its end: started, polled with back-off, its steps read.

Access Analyzer (GenerateFindingRecommendation, then GetFindingRecommendation) and Security
Hub (GenerateRecommendedPolicyV2, then GetRecommendedPolicyV2) make a finding's recommended
policies the same way: one call starts a job, the other is polled until the job leaves
IN_PROGRESS and then pages its steps. `run_job` is that one loop for both services: the first
poll right after the start, then waits of 1 s doubling to at most 8 s, `max_polls` polls in
all; a FAILED job, or one still running after the last poll, is an `AwsAccessError` naming
the role and the finding. Each service's adapter (`dormant.aws.recommendations`,
`dormant.aws.securityhub_recommendations`) only says how to make its three calls and how its
answers name their fields (`Fields`); the steps are translated here, once, into
`dormant.core.recommendations` values.

Waiting goes through the injected ``sleep``, so tests never wait. Never calls boto3 itself
(the adapters' callables do) and decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dormant.core.errors import AwsAccessError
from dormant.core.recommendations import (
    Recommendation,
    RecommendationSource,
    RecommendedAction,
    RecommendedStep,
)

__all__ = ["DEFAULT_MAX_POLLS", "Fields", "RecommendationJob", "run_job"]

DEFAULT_MAX_POLLS = 12
_FIRST_DELAY = 1.0
_MAX_DELAY = 8.0


@dataclass(frozen=True, slots=True)
class Fields:
    """How one service names the parts of its answers (each service spells them its way)."""

    status: str  # the job's state: IN_PROGRESS, SUCCEEDED or FAILED
    error: str  # when FAILED: an object holding the code and the message
    error_code: str
    error_message: str
    steps: str  # a page's list of steps
    step: str  # in one step: the object about unused permissions
    action: str
    policy_id: str
    policy: str  # the recommended document, as JSON text
    updated: str


@dataclass(frozen=True, slots=True)
class RecommendationJob:
    """One service's recommendation job for one finding: its calls, bound to the finding."""

    source: RecommendationSource
    operation: str  # the polled operation, named in errors
    fields: Fields
    start: Callable[[], object]
    poll: Callable[[], Mapping[str, Any]]  # one answer of the polled operation
    pages: Callable[[], Iterable[Mapping[str, Any]]]  # its pages, once SUCCEEDED


def _step(job: RecommendationJob, raw: Mapping[str, Any], role: str) -> RecommendedStep:
    names = job.fields
    step: Mapping[str, Any] = raw.get(names.step) or {}
    action = step.get(names.action)
    try:
        chosen = RecommendedAction(str(action))
    except ValueError:
        raise AwsAccessError(
            f"{job.operation} for role {role}: unknown recommended action {action!r:.40}",
            operation=job.operation,
        ) from None
    policy = step.get(names.policy)
    updated = step.get(names.updated)
    if isinstance(updated, datetime) and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return RecommendedStep(
        action=chosen,
        existing_policy_id=str(step.get(names.policy_id) or ""),
        recommended_policy=json.loads(policy) if isinstance(policy, str) else None,
        policy_updated_at=updated if isinstance(updated, datetime) else None,
    )


def _wait_until_done(
    job: RecommendationJob,
    *,
    role: str,
    finding: str,
    account_id: str,
    sleep: Callable[[float], None],
    max_polls: int,
) -> None:
    names = job.fields
    delay = _FIRST_DELAY
    for poll in range(max_polls):
        answer = job.poll()
        state = str(answer.get(names.status))
        if state == "SUCCEEDED":
            return
        if state == "FAILED":
            error: Mapping[str, Any] = answer.get(names.error) or {}
            raise AwsAccessError(
                f"{job.operation} for role {role}: the recommendation of finding {finding} "
                f"FAILED: {error.get(names.error_code) or ''} "
                f"{error.get(names.error_message) or ''}".rstrip(),
                operation=job.operation,
                account_id=account_id,
            )
        if poll + 1 < max_polls:
            sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)
    raise AwsAccessError(
        f"{job.operation} for role {role}: the recommendation of finding {finding} was still "
        f"IN_PROGRESS after {max_polls} polls; run the command again later",
        operation=job.operation,
        account_id=account_id,
    )


def run_job(
    job: RecommendationJob,
    *,
    finding_id: str,
    role_arn: str,
    account_id: str,
    sleep: Callable[[float], None],
    max_polls: int = DEFAULT_MAX_POLLS,
) -> Recommendation:
    """Start the job, poll it until SUCCEEDED and read its steps (every page)."""
    role = role_arn.rsplit("/", 1)[-1]
    job.start()
    _wait_until_done(
        job, role=role, finding=finding_id, account_id=account_id, sleep=sleep, max_polls=max_polls
    )
    steps = tuple(
        _step(job, raw, role) for page in job.pages() for raw in page.get(job.fields.steps, [])
    )
    return Recommendation(
        source=job.source, finding_id=finding_id, resource_arn=role_arn, steps=steps
    )
