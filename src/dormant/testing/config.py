"""In-memory AWS Config for tests: an ``EvaluationSink`` and a ``ComplianceHistory``.

``InMemoryEvaluationSink`` delivers the way ``dormant.aws.config.ConfigEvaluationSink`` does
(calls of at most 100 evaluations, failed entries sent again, ``EvaluationDeliveryError``
when they keep failing), and each call is checked the way PutEvaluations checks it: more than
100 evaluations, or an annotation or resource id of the wrong length, is a ValidationException
and nothing of that call is stored. ``InMemoryComplianceHistory`` pages and filters by
compliance type like GetComplianceDetailsByConfigRule. Linked together, what a run delivers
(outside test mode) is what the next run reads back.

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from dormant.core.errors import EvaluationDeliveryError
from dormant.core.evaluations import (
    ANNOTATION_MAX_CHARS,
    MAX_EVALUATIONS_PER_CALL,
    Evaluation,
    batched,
)
from dormant.engine.rule import RecordedResult
from dormant.testing.injection import Failures, aws_error

__all__ = [
    "HistoryRequest",
    "InMemoryComplianceHistory",
    "InMemoryEvaluationSink",
    "PutEvaluationsCall",
]

PUT_EVALUATIONS = "config:PutEvaluations"
GET_COMPLIANCE_DETAILS = "config:GetComplianceDetailsByConfigRule"
RESULTS_PAGE_LIMIT = 100  # GetComplianceDetailsByConfigRule's maximum Limit
ALL_COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
_KNOWN_COMPLIANCE_TYPES = frozenset({*ALL_COMPLIANCE_TYPES, "INSUFFICIENT_DATA"})
_RESOURCE_ID_MAX_CHARS = 768
_RESOURCE_TYPE_MAX_CHARS = 256
# Per-evaluation failures (Config's FailedEvaluations) are planned under this name.
_FAILED_EVALUATION = "FailedEvaluation"


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    """One GetComplianceDetailsByConfigRule call the history answered."""

    rule_name: str
    compliance_types: tuple[str, ...]
    next_token: str | None


class InMemoryComplianceHistory:
    """A ``ComplianceHistory``: the results Config holds per rule, paged and filtered.

    ``add`` puts results in as Config would list them (in that order); ``record`` is what a
    delivered evaluation does (it replaces the resource's earlier result). Asking for a rule
    that was never added is a NoSuchConfigRuleException, as in AWS.
    """

    def __init__(self, *, account_id: str = "", page_size: int = RESULTS_PAGE_LIMIT) -> None:
        if not 1 <= page_size <= RESULTS_PAGE_LIMIT:
            raise ValueError(f"page_size must be 1..{RESULTS_PAGE_LIMIT}, got {page_size}")
        self.account_id = account_id
        self.page_size = page_size
        self.requests: list[HistoryRequest] = []
        self.failures = Failures()
        self._lock = threading.Lock()
        self._rules: dict[str, list[RecordedResult]] = {}

    def add(self, rule_name: str, *results: RecordedResult) -> None:
        """Make the rule exist and append ``results`` to what it holds."""
        with self._lock:
            self._rules.setdefault(rule_name, []).extend(results)

    def record(self, rule_name: str, evaluations: Iterable[Evaluation], at: datetime) -> None:
        """What Config keeps of delivered evaluations: the latest result per resource."""
        with self._lock:
            latest = {(e.resource_type, e.resource_id): e for e in evaluations}
            held = [
                r
                for r in self._rules.get(rule_name, [])
                if (r.resource_type, r.resource_id) not in latest
            ]
            held.extend(
                RecordedResult(e.resource_type, e.resource_id, e.compliance.value, e.annotation, at)
                for e in latest.values()
            )
            self._rules[rule_name] = held

    def fail(
        self, code: str, message: str, *, rule_name: str | None = None, times: int | None = 1
    ) -> None:
        """The next ``times`` page requests (for ``rule_name``, or any rule) answer ``code``."""
        self.failures.plan(
            "GetComplianceDetailsByConfigRule", code, message, subject=rule_name, times=times
        )

    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ALL_COMPLIANCE_TYPES
    ) -> Iterator[RecordedResult]:
        types = tuple(compliance_types)
        unknown = sorted(set(types) - _KNOWN_COMPLIANCE_TYPES)
        if unknown:
            raise self._error(
                "ValidationException", f"Value {unknown} at 'complianceTypes' is not valid"
            )
        offset = 0
        token: str | None = None
        while True:
            with self._lock:
                self.requests.append(HistoryRequest(rule_name, types, token))
                failure = self.failures.take("GetComplianceDetailsByConfigRule", rule_name)
                held = self._rules.get(rule_name)
                page = (
                    None
                    if held is None
                    else [r for r in held if not types or r.compliance in types][
                        offset : offset + self.page_size + 1
                    ]
                )
            if failure is not None:
                raise self._error(failure.code, failure.message)
            if page is None:
                raise self._error(
                    "NoSuchConfigRuleException",
                    f"The ConfigRule '{rule_name}' provided in the request is invalid.",
                )
            yield from page[: self.page_size]
            if len(page) <= self.page_size:
                return
            offset += self.page_size
            token = f"page-{offset}"

    def _error(self, code: str, message: str) -> Exception:
        return aws_error(GET_COMPLIANCE_DETAILS, code, message, self.account_id)


@dataclass(frozen=True, slots=True)
class PutEvaluationsCall:
    """One PutEvaluations call: what was sent, in which mode, which entries Config failed."""

    evaluations: tuple[Evaluation, ...]
    test_mode: bool
    failed: tuple[str, ...] = ()


class InMemoryEvaluationSink:
    """An ``EvaluationSink`` that keeps what it is given, checked as PutEvaluations checks it.

    ``delivered``: every accepted evaluation, in order; ``calls``: every PutEvaluations call
    (with ``test_mode``). With ``history`` and ``rule_name``, accepted evaluations outside
    test mode are recorded there, as Config records them.
    """

    def __init__(
        self,
        *,
        account_id: str = "",
        max_attempts: int = 5,
        history: InMemoryComplianceHistory | None = None,
        rule_name: str = "",
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        if history is not None and not rule_name:
            raise ValueError("a sink linked to a history needs the rule_name it delivers for")
        if history is not None:
            history.add(rule_name)  # results are delivered for a rule that exists
        self.account_id = account_id
        self.max_attempts = max_attempts
        self.history = history
        self.rule_name = rule_name
        self.delivered: list[Evaluation] = []
        self.calls: list[PutEvaluationsCall] = []
        self.failures = Failures()
        self._lock = threading.Lock()

    def fail_evaluations(self, *resource_ids: str, times: int | None = 1) -> None:
        """Config reports these resources in FailedEvaluations for the next ``times`` calls
        that carry them (None: always, so delivery fails)."""
        for resource_id in resource_ids:
            self.failures.plan(
                _FAILED_EVALUATION, "InternalFailure", "", subject=resource_id, times=times
            )

    def fail(self, code: str, message: str, *, times: int | None = 1) -> None:
        """The next ``times`` PutEvaluations calls answer ``code`` (AccessDenied, say)."""
        self.failures.plan("PutEvaluations", code, message, times=times)

    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        undelivered: list[Evaluation] = []
        for batch in batched(evaluations, MAX_EVALUATIONS_PER_CALL):
            pending = list(batch)
            for _ in range(self.max_attempts):
                pending = self.put_evaluations(pending, test_mode=test_mode)
                if not pending:
                    break
            undelivered.extend(pending)
        if undelivered:
            ids = ", ".join(sorted(e.resource_id for e in undelivered))
            raise EvaluationDeliveryError(
                f"AWS Config rejected {len(undelivered)} evaluation(s) after "
                f"{self.max_attempts} attempts (roles {ids})"
            )

    def put_evaluations(
        self, evaluations: Sequence[Evaluation], *, test_mode: bool
    ) -> list[Evaluation]:
        """One PutEvaluations call; returns the evaluations Config reported as failed."""
        self._validate(evaluations)
        failure = self.failures.take("PutEvaluations")
        if failure is not None:
            raise aws_error(PUT_EVALUATIONS, failure.code, failure.message, self.account_id)
        failed = [e for e in evaluations if self.failures.take(_FAILED_EVALUATION, e.resource_id)]
        accepted = [e for e in evaluations if e not in failed]
        with self._lock:
            self.calls.append(
                PutEvaluationsCall(
                    tuple(evaluations), test_mode, tuple(e.resource_id for e in failed)
                )
            )
            self.delivered.extend(accepted)
        if self.history is not None and not test_mode and accepted:
            self.history.record(
                self.rule_name, accepted, max(e.ordering_timestamp for e in accepted)
            )
        return failed

    def _validate(self, evaluations: Sequence[Evaluation]) -> None:
        def refuse(message: str) -> Exception:
            return aws_error(PUT_EVALUATIONS, "ValidationException", message, self.account_id)

        if len(evaluations) > MAX_EVALUATIONS_PER_CALL:
            raise refuse(
                f"Value at 'evaluations' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_EVALUATIONS_PER_CALL} "
                f"(got {len(evaluations)})"
            )
        for index, e in enumerate(evaluations, start=1):
            member = f"evaluations.{index}.member"
            for field, value, limit in (
                ("annotation", e.annotation, ANNOTATION_MAX_CHARS),
                ("complianceResourceId", e.resource_id, _RESOURCE_ID_MAX_CHARS),
                ("complianceResourceType", e.resource_type, _RESOURCE_TYPE_MAX_CHARS),
            ):
                if not 1 <= len(value) <= limit:
                    raise refuse(
                        f"Value at '{member}.{field}' failed to satisfy constraint: Member "
                        f"must have length between 1 and {limit} (got {len(value)})"
                    )
