"""IAM's service-last-accessed jobs, which moto does not implement.

- GenerateServiceLastAccessedDetails(Arn, Granularity) starts a job for a role of the caller's
  account (NoSuchEntity for anything else) and returns its `JobId`.
- GetServiceLastAccessedDetails(JobId, MaxItems, Marker) answers `IN_PROGRESS` for the first
  `polls_to_complete` polls of a job (2 by default), then `COMPLETED` with the granted services,
  paged like AWS (`MaxItems` 1..1000, default 100, opaque `Marker`, `IsTruncated`), or `FAILED`
  with an `Error` when the test asked for it (`fail_jobs`).
- The granted services come from the role's own policies (inline and attached, `Allow`
  statements; `*` grants every service in `KNOWN_SERVICES`); their last access is what a test
  set with `set_last_access`, per role, service and action (nothing set: never used). Actions
  are tracked (ACTION_LEVEL) for the services IAM tracks them for (`TRACKED_NAMESPACES`).

Throttling and denied calls come from `dormant_sim.faults` like any other operation's.
Test support over moto's private classes; never imported by dormant's Lambda path. It must
never weaken a check that AWS makes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

from dormant_sim.iam import _max_items
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, decode_token, encode_token

__all__ = [
    "KNOWN_SERVICES",
    "PATCHES",
    "TRACKED_NAMESPACES",
    "fail_jobs",
    "granted_namespaces",
    "last_uses",
    "reset",
    "services_last_accessed",
    "set_last_access",
    "set_polls_to_complete",
]

# Namespace -> the name IAM gives the service. `*` in a policy grants all of these.
KNOWN_SERVICES: Mapping[str, str] = {
    "athena": "Amazon Athena",
    "cloudformation": "AWS CloudFormation",
    "cloudtrail": "AWS CloudTrail",
    "cloudwatch": "Amazon CloudWatch",
    "dynamodb": "Amazon DynamoDB",
    "ec2": "Amazon EC2",
    "ecr": "Amazon Elastic Container Registry",
    "ecs": "Amazon Elastic Container Service",
    "elasticloadbalancing": "Elastic Load Balancing",
    "events": "Amazon EventBridge",
    "glue": "AWS Glue",
    "iam": "AWS Identity and Access Management",
    "kinesis": "Amazon Kinesis",
    "kms": "AWS Key Management Service",
    "lambda": "AWS Lambda",
    "logs": "Amazon CloudWatch Logs",
    "rds": "Amazon RDS",
    "route53": "Amazon Route 53",
    "s3": "Amazon S3",
    "secretsmanager": "AWS Secrets Manager",
    "sns": "Amazon SNS",
    "sqs": "Amazon SQS",
    "ssm": "AWS Systems Manager",
    "sts": "AWS Security Token Service",
}
# Services IAM reports action-level last access for (a subset, as in AWS).
TRACKED_NAMESPACES = frozenset({"ec2", "iam", "lambda", "s3"})
DEFAULT_POLLS_TO_COMPLETE = 2
_GRANULARITIES = ("SERVICE_LEVEL", "ACTION_LEVEL")

# (last used, region) per action name, per namespace, per (account, role name).
_Use = tuple[datetime, str]


@dataclass
class _ServiceUse:
    last_used: _Use | None = None
    actions: dict[str, _Use] = field(default_factory=dict)


@dataclass
class _Job:
    account_id: str
    granularity: str
    created: datetime
    services: list[dict[str, Any]]
    polls_left: int
    failure: str | None


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    polls_to_complete: int = DEFAULT_POLLS_TO_COMPLETE
    jobs: dict[str, _Job] = field(default_factory=dict)
    uses: dict[tuple[str, str], dict[str, _ServiceUse]] = field(default_factory=dict)
    failing: list[tuple[str | None, str | None, str]] = field(default_factory=list)


_state = _State()


def set_polls_to_complete(polls: int) -> None:
    """How many GetServiceLastAccessedDetails calls of a job answer IN_PROGRESS first."""
    if polls < 0:
        raise ValueError(f"polls must be >= 0, got {polls}")
    with _state.lock:
        _state.polls_to_complete = polls


def set_last_access(
    account_id: str,
    role_name: str,
    namespace: str,
    when: datetime,
    *,
    region: str = "us-east-1",
    action: str | None = None,
) -> None:
    """Record that the role used the service (or one of its actions, e.g. ``PutObject``).

    An action's use is also a use of its service, as in AWS.
    """
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware")
    with _state.lock:
        services = _state.uses.setdefault((account_id, role_name), {})
        use = services.setdefault(namespace, _ServiceUse())
        if use.last_used is None or use.last_used[0] < when:
            use.last_used = (when, region)
        if action is not None:
            use.actions[action] = (when, region)


def fail_jobs(
    role_name: str | None = None,
    *,
    account_id: str | None = None,
    message: str = "The job failed to complete",
) -> None:
    """Make the jobs generated from now on for `role_name` (any role if None) end FAILED."""
    with _state.lock:
        _state.failing.append((account_id, role_name, message))


def last_uses(
    account_id: str, role_name: str
) -> dict[str, tuple[datetime | None, dict[str, datetime]]]:
    """Namespace -> (the service's last use, action -> its last use) recorded for the role."""
    with _state.lock:
        services = _state.uses.get((account_id, role_name), {})
        return {
            namespace: (
                None if use.last_used is None else use.last_used[0],
                {action: when for action, (when, _) in use.actions.items()},
            )
            for namespace, use in services.items()
        }


def reset() -> None:
    """Forget jobs, recorded access, failure plans; jobs complete after the default polls."""
    with _state.lock:
        _state.jobs.clear()
        _state.uses.clear()
        _state.failing.clear()
        _state.polls_to_complete = DEFAULT_POLLS_TO_COMPLETE


# --- granted services ------------------------------------------------------------------------


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def granted_actions(documents: Iterable[str | Mapping[str, Any]]) -> dict[str, set[str]]:
    """Namespace -> the actions named outright (no wildcard) for it, from Allow statements."""
    granted: dict[str, set[str]] = {}
    for raw in documents:
        document = json.loads(raw) if isinstance(raw, str) else raw
        for statement in _as_list(document.get("Statement")):
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:  # allows (nearly) everything: every known service
                for namespace in KNOWN_SERVICES:
                    granted.setdefault(namespace, set())
                continue
            for action in _as_list(statement.get("Action")):
                text = str(action)
                if text == "*":
                    for namespace in KNOWN_SERVICES:
                        granted.setdefault(namespace, set())
                    continue
                namespace, _, name = text.partition(":")
                actions = granted.setdefault(namespace.lower(), set())
                if name and "*" not in name and "?" not in name:
                    actions.add(name)
    return granted


def granted_namespaces(documents: Iterable[str | Mapping[str, Any]]) -> list[str]:
    return sorted(granted_actions(documents))


def _role_documents(backend: Any, role: Any) -> list[str]:
    documents = list(role.policies.values())
    for arn in role.managed_policies:
        policy = backend.managed_policies.get(arn) or role.managed_policies[arn]
        for version in policy.versions:
            if version.is_default:
                documents.append(version.document)
    return documents


def _when(use: _Use | None) -> dict[str, Any]:
    return {} if use is None else {"when": use[0], "region": use[1]}


def services_last_accessed(
    account_id: str, backend: Any, role: Any, granularity: str
) -> list[dict[str, Any]]:
    """A role's granted services with their last access, as a job reports them (what the
    simulated Access Analyzer's UnusedPermission findings are computed from too)."""
    granted = granted_actions(_role_documents(backend, role))
    with _state.lock:
        uses = {
            k: _ServiceUse(v.last_used, dict(v.actions))
            for k, v in _state.uses.get((account_id, role.name), {}).items()
        }
    services = []
    for namespace in sorted(granted):
        use = uses.get(namespace, _ServiceUse())
        record: dict[str, Any] = {
            "ServiceName": KNOWN_SERVICES.get(namespace, f"AWS {namespace}"),
            "ServiceNamespace": namespace,
            "TotalAuthenticatedEntities": 0 if use.last_used is None else 1,
        }
        if use.last_used is not None:
            record["LastAuthenticated"] = use.last_used[0]
            record["LastAuthenticatedEntity"] = role.arn
            record["LastAuthenticatedRegion"] = use.last_used[1]
        if granularity == "ACTION_LEVEL" and namespace in TRACKED_NAMESPACES:
            tracked = []
            for action in sorted(granted[namespace] | set(use.actions)):
                entry: dict[str, Any] = {"ActionName": action}
                action_use = use.actions.get(action)
                if action_use is not None:
                    entry["LastAccessedTime"] = action_use[0]
                    entry["LastAccessedEntity"] = role.arn
                    entry["LastAccessedRegion"] = action_use[1]
                tracked.append(entry)
            record["TrackedActionsLastAccessed"] = tracked
        services.append(record)
    return services


# --- the two operations ----------------------------------------------------------------------


def _generate_service_last_accessed_details(self: IamResponse) -> ActionResult:
    arn = str(self._get_param("Arn") or "")
    granularity = str(self._get_param("Granularity") or "SERVICE_LEVEL")
    if granularity not in _GRANULARITIES:
        raise AwsError(
            "ValidationError",
            f"1 validation error detected: Value '{granularity}' at 'granularity' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(_GRANULARITIES)}]",
        )
    account_id = self.current_account
    parts = arn.split(":", 5)
    role = None
    if len(parts) == 6 and parts[4] == account_id and parts[5].startswith("role/"):
        role = next((r for r in self.backend.roles.values() if r.arn == arn), None)
    if role is None:
        raise AwsError("NoSuchEntity", f"The entity {arn} does not exist.")
    services = services_last_accessed(account_id, self.backend, role, granularity)
    job_id = str(uuid.uuid4())
    with _state.lock:
        failure = next(
            (
                message
                for plan_account, plan_role, message in _state.failing
                if (plan_account is None or plan_account == account_id)
                and (plan_role is None or plan_role == role.name)
            ),
            None,
        )
        _state.jobs[job_id] = _Job(
            account_id=account_id,
            granularity=granularity,
            created=datetime.now(UTC),
            services=services,
            polls_left=_state.polls_to_complete,
            failure=failure,
        )
    return ActionResult({"JobId": job_id})


def _get_service_last_accessed_details(self: IamResponse) -> ActionResult:
    job_id = str(self._get_param("JobId") or "")
    max_items = _max_items(self)
    marker = self._get_param("Marker")
    with _state.lock:
        job = _state.jobs.get(job_id)
        if job is None or job.account_id != self.current_account:
            raise AwsError("NoSuchEntity", f"No such job {job_id}")
        in_progress = job.polls_left > 0
        if in_progress:
            job.polls_left -= 1
    result: dict[str, Any] = {
        "JobType": job.granularity,
        "JobCreationDate": job.created,
        "ServicesLastAccessed": [],
        "IsTruncated": False,
    }
    if in_progress:
        result["JobStatus"] = "IN_PROGRESS"
        return ActionResult(result)
    result["JobCompletionDate"] = job.created
    if job.failure is not None:
        result["JobStatus"] = "FAILED"
        result["Error"] = {"Message": job.failure, "Code": "JobFailed"}
        return ActionResult(result)
    start = 0
    if marker is not None:
        decoded = decode_token(str(marker), f"sla-{job_id}")
        if decoded is None or decoded > len(job.services):
            raise AwsError("ValidationError", "Invalid Marker.")
        start = decoded
    end = start + max_items
    result["JobStatus"] = "COMPLETED"
    result["ServicesLastAccessed"] = job.services[start:end]
    result["IsTruncated"] = end < len(job.services)
    if end < len(job.services):
        result["Marker"] = encode_token(f"sla-{job_id}", end)
    return ActionResult(result)


PATCHES = (
    Patch(
        IamResponse,
        "generate_service_last_accessed_details",
        _generate_service_last_accessed_details,
    ),
    Patch(IamResponse, "get_service_last_accessed_details", _get_service_last_accessed_details),
)
