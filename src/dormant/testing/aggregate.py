"""An in-memory AWS Config aggregator for tests: an ``AggregateReader``.

``InMemoryAggregator`` answers like ``dormant.roles.aws_aggregate.ConfigAggregateReader``: where the
rule has results (every (account, Region) given results for it), one pair's results without
``NOT_APPLICABLE`` (an aggregator carries none) and only the ``ComplianceType`` asked for
(``COMPLIANT`` or ``NON_COMPLIANT``; any other is refused as AWS refuses it), and the role
names of an account. Any call can be told to fail (``fail``), for one pair
(``"<account>/<region>"``) or one account, with the ``AwsAccessError`` the adapter raises;
every call is recorded. Thread-safe, as the report reads pairs from a pool.

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping

from dormant.engine.rule import RecordedResult
from dormant.roles.aggregated import AGGREGATE_TYPES, SourcePair
from dormant.testing.injection import Failure, Failures, aws_error

__all__ = ["InMemoryAggregator"]

DESCRIBE = "config:DescribeAggregateComplianceByConfigRules"
DETAILS = "config:GetAggregateComplianceDetailsByConfigRule"
NAMES = "config:ListAggregateDiscoveredResources"


class InMemoryAggregator:
    """One aggregator over the results and role names a test gives it."""

    def __init__(self, *, account_id: str = "") -> None:
        self.account_id = account_id  # the aggregator's own account, for error messages
        self.failures = Failures()
        self.calls: list[tuple[str, str]] = []  # (operation, subject)
        self._lock = threading.Lock()
        self._results: dict[tuple[str, SourcePair], list[RecordedResult]] = {}
        self._names: dict[str, dict[str, str]] = {}

    def add_results(
        self, rule_name: str, account_id: str, region: str, results: Iterable[RecordedResult]
    ) -> None:
        key = (rule_name, SourcePair(account_id, region))
        with self._lock:
            self._results.setdefault(key, []).extend(results)

    def add_role_names(self, account_id: str, names: Mapping[str, str]) -> None:
        with self._lock:
            self._names.setdefault(account_id, {}).update(names)

    def fail(
        self,
        operation: str,
        code: str = "AccessDeniedException",
        message: str = "Injected by the test",
        *,
        subject: str | None = None,
        times: int | None = 1,
    ) -> Failure:
        """Fail ``operation`` (``DESCRIBE``, ``DETAILS``, ``NAMES`` or their names) for
        ``subject``: ``"<account>/<region>"`` for a pair's results, an account id for names."""
        return self.failures.plan(operation, code, message, subject=subject, times=times)

    def _call(self, operation: str, subject: str, account_id: str) -> None:
        with self._lock:
            self.calls.append((operation, subject))
        failure = self.failures.take(operation, subject)
        if failure is not None:
            raise aws_error(operation, failure.code, failure.message, account_id)

    def pairs(self, rule_name: str) -> list[SourcePair]:
        self._call(DESCRIBE, rule_name, self.account_id)
        with self._lock:
            return sorted(pair for rule, pair in self._results if rule == rule_name)

    def results(
        self, rule_name: str, pair: SourcePair, compliance_type: str | None
    ) -> Iterator[RecordedResult]:
        self._call(DETAILS, f"{pair.account_id}/{pair.region}", pair.account_id)
        if compliance_type is not None and compliance_type not in AGGREGATE_TYPES:
            raise aws_error(
                DETAILS,
                "InvalidParameterValueException",
                f"ComplianceType {compliance_type} is not supported",
                pair.account_id,
            )
        wanted = {compliance_type} if compliance_type else set(AGGREGATE_TYPES)
        with self._lock:
            held = list(self._results.get((rule_name, pair), ()))
        return iter([r for r in held if r.compliance in wanted])

    def role_names(self, account_id: str) -> Mapping[str, str]:
        self._call(NAMES, account_id, account_id)
        with self._lock:
            return dict(self._names.get(account_id, {}))
