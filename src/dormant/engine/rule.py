"""The rule run: what one scheduled Config invocation does, for any kind of resource.

Nothing here imports boto3 or any kind. AWS sits behind two protocols with one boto3
implementation each in ``dormant.aws.config``:

- ``EvaluationSink``: delivers evaluations to AWS Config;
- ``ComplianceHistory``: what the rule recorded in earlier runs.

``run_rule`` decides every subject with a ``RuleKind`` (each kind ships one: ``ROLES`` in
``dormant.roles.decide``, ``USERS`` in ``dormant.users.decide``, ``PERMISSIONS`` in
``dormant.permissions.decide``), posts the evaluations, and clears results of resources
deleted since.

In ``EvaluationMode.CHANGES`` a run posts only the evaluations whose compliance or
annotation differ from what Config holds for the rule (Config keeps a resource's last
result until a new one replaces it), so the state Config holds is the same as after a
full run, for a fraction of the evaluations Config bills.

A run may cover only part of the account (the permissions rule stops when Lambda's time
runs short): the resources it did not reach are ``unreached``. Nothing is posted for them
and they are never taken for deleted, so they keep their last result; the summary counts
them (``left``). Such a run, in ``changes`` mode, posts its unchanged results too, so that
their recorded time moves on and the next run, which starts with the oldest results
(``oldest_first``), reaches the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from dormant.core.evaluations import (
    Evaluation,
    evaluation_for,
    stale_evaluation,
)
from dormant.core.events import ConfigRuleEvent
from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance, Reportable
from dormant.core.settings import EvaluationMode, Settings

__all__ = [
    "ComplianceHistory",
    "EvaluationSink",
    "RecordedResult",
    "RuleKind",
    "RuleRunSummary",
    "history_types",
    "oldest_first",
    "read_history",
    "run_rule",
    "stale_resource_ids",
    "unchanged_since",
]

S = TypeVar("S")


F = TypeVar("F", bound=Reportable)


@dataclass(frozen=True, slots=True)
class RuleKind(Generic[S, F]):
    """One kind of resource a Config rule reports on.

    ``decide`` is the kind's pure decision (``evaluate_role`` for roles); its findings
    answer ``Reportable``. ``resource_type`` is how Config names the kind, and
    ``gone_annotation`` what a resource reported earlier and deleted since is told.
    Adding a kind (IAM users' credentials, say) means a subject type, a decision and
    one of these; ``run_rule`` stays as it is.
    """

    resource_type: str
    decide: Callable[[S, Settings, datetime], F]
    gone_annotation: str


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
    """What one scheduled run reported, for the Lambda's log line and return value.

    ``roles`` counts the resources evaluated, whatever their kind (the key is kept for
    the log lines and dashboards that already read it); ``resource_type`` says which.
    """

    account_id: str
    rule_name: str
    roles: int
    by_compliance: dict[str, int] = field(default_factory=dict)
    stale: int = 0
    test_mode: bool = False
    resource_type: str = RESOURCE_TYPE_ROLE
    evaluation_mode: EvaluationMode = EvaluationMode.FULL
    posted: int = 0
    unchanged: int = 0
    left: int = 0  # resources this run did not reach (they keep their last result)

    def as_dict(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "rule_name": self.rule_name,
            "resource_type": self.resource_type,
            "roles": self.roles,
            "by_compliance": dict(self.by_compliance),
            "stale_results_cleared": self.stale,
            "test_mode": self.test_mode,
            "evaluation_mode": self.evaluation_mode.value,
            "evaluations_posted": self.posted,
            "unchanged_skipped": self.unchanged,
            "left": self.left,
        }


def stale_resource_ids(
    recorded: Iterable[RecordedResult],
    current_ids: set[str],
    resource_type: str = RESOURCE_TYPE_ROLE,
) -> list[str]:
    """Resources the rule reported before that are gone now (each id once, first-seen order)."""
    stale: dict[str, None] = {}
    for result in recorded:
        if result.resource_type != resource_type:
            continue
        if result.resource_id not in current_ids:
            stale.setdefault(result.resource_id, None)
    return list(stale)


# Results that may go stale; NOT_APPLICABLE ones are settled.
_LIVE_TYPES = (Compliance.COMPLIANT.value, Compliance.NON_COMPLIANT.value)


def _recorded(
    history: ComplianceHistory, rule_name: str, types: Sequence[str]
) -> list[RecordedResult]:
    return list(history.recorded(rule_name, types))


def history_types(settings: Settings) -> list[tuple[str, ...]]:
    """The chains of history a run reads: COMPLIANT and NON_COMPLIANT results (for stale
    ones) in ``full`` mode; each of the three compliance types in ``changes`` mode."""
    if settings.evaluation_mode is EvaluationMode.CHANGES:
        return [(value.value,) for value in Compliance]
    return [_LIVE_TYPES]


def read_history(
    history: ComplianceHistory | None, rule_name: str, settings: Settings
) -> list[RecordedResult]:
    """What ``run_rule`` would read of the rule's history, each chain of pages at once."""
    if history is None:
        return []
    chains = history_types(settings)
    with ThreadPoolExecutor(max_workers=len(chains), thread_name_prefix="dormant-history") as pool:
        pending = [pool.submit(_recorded, history, rule_name, types) for types in chains]
        return [result for future in pending for result in future.result()]


def oldest_first(
    resource_ids: Iterable[str], recorded: Iterable[RecordedResult], resource_type: str
) -> list[str]:
    """The ids ordered by when Config recorded their result: none first, then the oldest.

    Ties keep the ids' own order. A run that cannot reach every resource takes them in
    this order, so successive runs cover them all.
    """
    when: dict[str, float] = {}
    for result in recorded:
        if result.resource_type == resource_type and result.recorded_at is not None:
            stamp = result.recorded_at.timestamp()
            when[result.resource_id] = max(stamp, when.get(result.resource_id, stamp))
    ids = list(resource_ids)
    return sorted(ids, key=lambda rid: (rid in when, when.get(rid, 0.0)))


def unchanged_since(
    evaluations: Iterable[Evaluation], recorded: Iterable[RecordedResult]
) -> tuple[list[Evaluation], int]:
    """The evaluations that differ from what Config holds, and how many do not.

    A resource Config holds nothing for is new and differs; one held with the same
    compliance and annotation is skipped (Config keeps it until a new result comes).
    """
    held = {(r.resource_type, r.resource_id): (r.compliance, r.annotation) for r in recorded}
    changed: list[Evaluation] = []
    same = 0
    for evaluation in evaluations:
        key = (evaluation.resource_type, evaluation.resource_id)
        if held.get(key) == (evaluation.compliance.value, evaluation.annotation):
            same += 1
        else:
            changed.append(evaluation)
    return changed, same


def run_rule(
    event: ConfigRuleEvent,
    settings: Settings,
    subjects: Iterable[S],
    sink: EvaluationSink,
    history: ComplianceHistory | None,
    *,
    kind: RuleKind[S, F],
    recorded: Sequence[RecordedResult] | None = None,
    unreached: Collection[str] = (),
) -> RuleRunSummary:
    """One scheduled evaluation of the account, for any kind of resource.

    ``subjects`` is read lazily (a role source's ``roles()``, say). Every subject is
    read and decided before anything is delivered, so that a bad record or a denied
    call fails the run with no evaluation posted at all. The rule's history is read
    while the subjects are read: both are chains of paged calls that wait on the
    network, not on the CPU. In ``full`` mode the history is the COMPLIANT and
    NON_COMPLIANT results (for stale ones); in ``changes`` mode it is all three
    compliance types, read as three chains at once, to compare every result with.
    ``recorded``, when given, is that history already read (``read_history``): it is
    not read again. ``unreached`` are ids of resources that exist but were not decided
    (see the module docstring).
    """
    now = event.notification_time
    changes = settings.evaluation_mode is EvaluationMode.CHANGES
    chains = history_types(settings)
    with ThreadPoolExecutor(max_workers=len(chains), thread_name_prefix="dormant-history") as pool:
        pending = (
            []
            if history is None or recorded is not None
            else [pool.submit(_recorded, history, event.rule_name, types) for types in chains]
        )
        evaluations: list[Evaluation] = []
        counts: Counter[str] = Counter()
        current: set[str] = set()
        for subject in subjects:
            finding = kind.decide(subject, settings, now)
            evaluations.append(evaluation_for(finding, now))
            counts[finding.compliance.value] += 1
            current.add(finding.resource_id)
        held = (
            list(recorded)
            if recorded is not None
            else [result for future in pending for result in future.result()]
        )
    left = set(unreached) - current
    stale = stale_resource_ids(
        (r for r in held if r.compliance in _LIVE_TYPES), current | left, kind.resource_type
    )
    unchanged = 0
    if changes and not left:
        evaluations, unchanged = unchanged_since(evaluations, held)
    evaluations.extend(
        stale_evaluation(
            resource_id, now, resource_type=kind.resource_type, annotation=kind.gone_annotation
        )
        for resource_id in stale
    )
    sink.put(evaluations, test_mode=event.test_mode)
    return RuleRunSummary(
        account_id=event.account_id,
        rule_name=event.rule_name,
        roles=len(current),
        by_compliance=dict(counts),
        stale=len(stale),
        test_mode=event.test_mode,
        resource_type=kind.resource_type,
        evaluation_mode=settings.evaluation_mode,
        posted=len(evaluations),
        unchanged=unchanged,
        left=len(left),
    )
