"""The simulated IAM Access Analyzer's policy recommendations for unused permissions.

`UnusedPermission` findings (`dormant_sim.unused_access`) are per role: the services it was
granted and did not use within the analyzer's window (and, for the services IAM tracks by
action, the granted actions it did not use). `recommend` computes what AWS documents for
GenerateFindingRecommendation: for each policy of the role that grants something unused, one
step. `CREATE_POLICY` carries the recommended document, the policy with the used services and
actions kept (a used service tracked by action is narrowed to the actions used; an unused
service is dropped; Deny statements and `NotAction` ones are kept as they are);
`DETACH_POLICY` when nothing the policy allows was used. A policy that grants only what was
used gets no step. `existingPolicyId` is an inline policy's name, a managed policy's ARN.
The time the recommendation is computed for is the finding's analysis (the simulation's
clock), never the wall clock. Test support over moto's private classes; never imported by
dormant's Lambda path.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dormant_sim import access

__all__ = ["PolicyStep", "Usage", "recommend", "role_policies", "usage"]


@dataclass(frozen=True)
class Usage:
    """What the role used within the window: services, and actions of the tracked ones."""

    services: frozenset[str]
    actions: Mapping[str, frozenset[str]]

    def keeps(self, pattern: str) -> list[str]:
        """The actions of `pattern` (`s3:Get*`) to keep: the pattern itself for a used
        service not tracked by action, the used actions it matches for a tracked one."""
        namespace, _, name = pattern.partition(":")
        namespace = namespace.lower()
        if namespace not in self.services:
            return []
        if namespace not in access.TRACKED_NAMESPACES:
            return [pattern]
        used = self.actions.get(namespace, frozenset())
        return sorted(
            f"{namespace}:{action}"
            for action in used
            if fnmatch.fnmatch(action.lower(), name.lower())
        )


@dataclass(frozen=True)
class PolicyStep:
    action: str  # CREATE_POLICY or DETACH_POLICY
    existing_policy_id: str
    recommended_policy: str | None
    policy_updated_at: datetime | None

    def shape(self) -> dict[str, Any]:
        step: dict[str, Any] = {
            "recommendedAction": self.action,
            "existingPolicyId": self.existing_policy_id,
        }
        if self.recommended_policy is not None:
            step["recommendedPolicy"] = self.recommended_policy
        if self.policy_updated_at is not None:
            step["policyUpdatedAt"] = self.policy_updated_at
        return {"unusedPermissionsRecommendedStep": step}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def usage(account_id: str, role_name: str, window_days: int, now: datetime) -> Usage:
    """What the role used in the window ending at `now` (the analysis): a use recorded after
    it is one the analysis could not see (the simulation keeps only the latest use)."""
    cutoff = now - timedelta(days=window_days)

    def within(when: datetime | None) -> bool:
        return when is not None and cutoff < _utc(when) <= now

    services: set[str] = set()
    actions: dict[str, frozenset[str]] = {}
    for namespace, (last, by_action) in access.last_uses(account_id, role_name).items():
        if within(last):
            services.add(namespace)
        actions[namespace] = frozenset(a for a, when in by_action.items() if within(when))
    return Usage(frozenset(services), actions)


def role_policies(
    account_id: str, role_name: str
) -> Iterator[tuple[str, dict[str, Any], datetime | None]]:
    """(existing policy id, document, last update) of each policy of the role."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    role = backend.get_role(role_name)
    for name, text in role.policies.items():
        yield name, json.loads(text), None
    for arn in role.managed_policies:
        policy = backend.managed_policies.get(arn) or role.managed_policies[arn]
        version = next(v for v in policy.versions if v.is_default)
        document = version.document
        yield (
            arn,
            json.loads(document) if isinstance(document, str) else document,
            _utc(policy.update_date),
        )


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _narrowed(statement: Mapping[str, Any], used: Usage) -> dict[str, Any] | None:
    if statement.get("Effect") != "Allow" or "NotAction" in statement:
        return dict(statement)
    kept: list[str] = []
    for pattern in _as_list(statement.get("Action")):
        text = str(pattern)
        if text == "*":
            kept += [f"{namespace}:*" for namespace in sorted(used.services)]
        else:
            kept += used.keeps(text)
    if not kept:
        return None
    if set(kept) == {str(a) for a in _as_list(statement.get("Action"))}:
        return dict(statement)
    unique = sorted(set(kept))
    return {**statement, "Action": unique[0] if len(unique) == 1 else unique}


def recommend(account_id: str, role_name: str, window_days: int, now: datetime) -> list[PolicyStep]:
    """One step per policy of the role that grants something unused at `now`."""
    used = usage(account_id, role_name, window_days, now)
    steps: list[PolicyStep] = []
    for policy_id, document, updated in role_policies(account_id, role_name):
        statements = _as_list(document.get("Statement"))
        narrowed = [_narrowed(s, used) if isinstance(s, Mapping) else s for s in statements]
        kept = [s for s in narrowed if s is not None]
        if kept == statements:
            continue
        if not any(isinstance(s, Mapping) and s.get("Effect") == "Allow" for s in kept):
            steps.append(PolicyStep("DETACH_POLICY", policy_id, None, updated))
            continue
        recommended = {"Version": document.get("Version", "2012-10-17"), "Statement": kept}
        steps.append(
            PolicyStep("CREATE_POLICY", policy_id, json.dumps(recommended, indent=2), updated)
        )
    return steps
