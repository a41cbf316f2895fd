"""Orchestration over small interfaces: one engine for the Lambda, the CLI and remediation.

Nothing here imports boto3. AWS sits behind three protocols with one boto3
implementation each in ``dormant.aws``:

- ``RoleSource``: yields the account's roles (``Role`` values);
- ``EvaluationSink``: delivers evaluations to AWS Config;
- ``ComplianceHistory``: what the rule recorded in earlier runs.

``run_rule`` is what a scheduled Config invocation does; ``scan`` is what the
command line does. Both decide with ``dormant.rules.evaluate_role``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dormant.evaluations import (
    RESOURCE_TYPE_ROLE,
    Evaluation,
    evaluation_for,
    stale_evaluation,
)
from dormant.events import ConfigRuleEvent
from dormant.model import Compliance, Finding, Role
from dormant.rules import evaluate_role
from dormant.settings import Settings

__all__ = [
    "ComplianceHistory",
    "EvaluationSink",
    "RecordedResult",
    "RoleSource",
    "RuleRunSummary",
    "run_rule",
    "scan",
]


class RoleSource(Protocol):
    def roles(self) -> Iterator[Role]:
        """Every role of one account, each once."""
        ...


@dataclass(frozen=True, slots=True)
class RecordedResult:
    """One result AWS Config holds for the rule (GetComplianceDetailsByConfigRule)."""

    resource_type: str
    resource_id: str
    compliance: str
    annotation: str | None = None
    recorded_at: datetime | None = None


class EvaluationSink(Protocol):
    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        """Deliver every evaluation, or raise; batching and retries are the sink's job."""
        ...


class ComplianceHistory(Protocol):
    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ...
    ) -> Iterator[RecordedResult]: ...


@dataclass(frozen=True, slots=True)
class RuleRunSummary:
    """What one scheduled run reported, for the Lambda's log line and return value."""

    account_id: str
    rule_name: str
    roles: int
    by_compliance: dict[str, int] = field(default_factory=dict)
    stale: int = 0
    test_mode: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "rule_name": self.rule_name,
            "roles": self.roles,
            "by_compliance": dict(self.by_compliance),
            "stale_results_cleared": self.stale,
            "test_mode": self.test_mode,
        }


def scan(source: RoleSource, settings: Settings, now: datetime) -> Iterator[Finding]:
    """Decide every role the source yields, lazily."""
    for role in source.roles():
        yield evaluate_role(role, settings, now)


def stale_resource_ids(recorded: Iterable[RecordedResult], current_role_ids: set[str]) -> list[str]:
    """Roles the rule reported before that are gone now (each id once, in first-seen order)."""
    stale: dict[str, None] = {}
    for result in recorded:
        if result.resource_type != RESOURCE_TYPE_ROLE:
            continue
        if result.resource_id not in current_role_ids:
            stale.setdefault(result.resource_id, None)
    return list(stale)


def _recorded(history: ComplianceHistory, rule_name: str) -> list[RecordedResult]:
    """What the rule holds as COMPLIANT or NON_COMPLIANT (NOT_APPLICABLE ones are settled)."""
    types = (Compliance.COMPLIANT.value, Compliance.NON_COMPLIANT.value)
    return list(history.recorded(rule_name, types))


def run_rule(
    event: ConfigRuleEvent,
    settings: Settings,
    source: RoleSource,
    sink: EvaluationSink,
    history: ComplianceHistory | None,
) -> RuleRunSummary:
    """One scheduled evaluation of the account.

    Every role is read and decided before anything is delivered, so that a bad role
    record or a denied call fails the run with no evaluation posted at all. The rule's
    history (for stale results) is read in a second thread while the roles are read:
    both are chains of paged calls that wait on the network, not on the CPU.
    """
    now = event.notification_time
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dormant-history") as pool:
        recorded = None if history is None else pool.submit(_recorded, history, event.rule_name)
        evaluations: list[Evaluation] = []
        counts: Counter[str] = Counter()
        role_ids: set[str] = set()
        for finding in scan(source, settings, now):
            evaluations.append(evaluation_for(finding, now))
            counts[finding.compliance.value] += 1
            role_ids.add(finding.role.role_id)
        stale = [] if recorded is None else stale_resource_ids(recorded.result(), role_ids)
    evaluations.extend(stale_evaluation(resource_id, now) for resource_id in stale)
    sink.put(evaluations, test_mode=event.test_mode)
    return RuleRunSummary(
        account_id=event.account_id,
        rule_name=event.rule_name,
        roles=len(role_ids),
        by_compliance=dict(counts),
        stale=len(stale),
        test_mode=event.test_mode,
    )
