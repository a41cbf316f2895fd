"""The aggregator's join, in-process over a stand-in reader: pairs, names, failures, the pool."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest

from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.engine.rule import RecordedResult
from dormant.roles.aggregated import SourcePair, aggregated_rows, check_aggregate_types
from dormant.testing import InMemoryAggregator
from dormant.testing.aggregate import DESCRIBE, DETAILS, NAMES

NOW = datetime(2026, 3, 15, tzinfo=UTC)
RULE = "iam-role-last-used"


class _Reader:
    """Three accounts; one Region of one account fails; one account's names are denied."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most_running = 0
        self.asked: list[str | None] = []

    def pairs(self, rule_name: str) -> list[SourcePair]:
        assert rule_name == RULE
        return [
            SourcePair("333333333333", "us-east-1"),
            SourcePair("111111111111", "us-east-1"),
            SourcePair("222222222222", "us-east-1"),
            SourcePair("222222222222", "eu-west-1"),
        ]

    def results(
        self, rule_name: str, pair: SourcePair, compliance_type: str | None
    ) -> Iterator[RecordedResult]:
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.asked.append(compliance_type)
        try:
            if pair == SourcePair("222222222222", "eu-west-1"):
                raise AwsAccessError(
                    "config:GetAggregateComplianceDetailsByConfigRule in account 222222222222 "
                    "denied: AccessDeniedException: no",
                    operation="config:GetAggregateComplianceDetailsByConfigRule",
                    account_id="222222222222",
                )
            yield RecordedResult("AWS::IAM::Role", f"AROA{pair.account_id}", "NON_COMPLIANT", "x")
            yield RecordedResult("AWS::IAM::User", "AIDA1", "COMPLIANT", "not a role")
        finally:
            with self.lock:
                self.running -= 1

    def role_names(self, account_id: str) -> Mapping[str, str]:
        if account_id == "333333333333":
            raise AwsAccessError("denied", operation="config:ListAggregateDiscoveredResources")
        return {f"AROA{account_id}": f"role-of-{account_id}"}


def test_rows_names_and_failures() -> None:
    reader = _Reader()
    report = aggregated_rows(reader, rule_name=RULE, compliance_type=None, workers=2, now=NOW)
    assert [(r.account_id, r.role_name) for r in report.rows] == [
        ("111111111111", "role-of-111111111111"),
        ("222222222222", "role-of-222222222222"),
        ("333333333333", "AROA333333333333"),  # its names could not be read: the id
    ]
    (failure,) = report.failures
    assert (failure.account_id, failure.region) == ("222222222222", "eu-west-1")
    assert failure.operation == "config:GetAggregateComplianceDetailsByConfigRule"
    assert report.unnamed_accounts == ["333333333333"]
    assert reader.most_running <= 2
    assert reader.asked == [None] * 4


def test_compliance_types_an_aggregator_can_answer() -> None:
    assert check_aggregate_types(("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")) is None
    assert check_aggregate_types(("NON_COMPLIANT",)) == "NON_COMPLIANT"
    with pytest.raises(ValueError, match="only COMPLIANT and NON_COMPLIANT"):
        check_aggregate_types(("NOT_APPLICABLE",))


def test_workers_are_bounded_like_every_pool() -> None:
    with pytest.raises(InvalidParameter, match="--workers"):
        aggregated_rows(_Reader(), rule_name=RULE, compliance_type=None, workers=0, now=NOW)


def test_the_in_memory_aggregator_drives_the_report_like_aws() -> None:
    aggregator = InMemoryAggregator(account_id="111111111111")
    for account in ("111111111111", "222222222222"):
        aggregator.add_results(
            RULE,
            account,
            "us-east-1",
            [
                RecordedResult("AWS::IAM::Role", f"AROA{account}A", "NON_COMPLIANT", "old"),
                RecordedResult("AWS::IAM::Role", f"AROA{account}B", "COMPLIANT", "used"),
                RecordedResult("AWS::IAM::Role", f"AROA{account}C", "NOT_APPLICABLE", "gone"),
            ],
        )
        aggregator.add_role_names(account, {f"AROA{account}A": "stale"})
    aggregator.fail(DETAILS, subject="222222222222/us-east-1")
    report = aggregated_rows(
        aggregator, rule_name=RULE, compliance_type="NON_COMPLIANT", workers=4, now=NOW
    )
    assert [(r.account_id, r.role_name, r.compliance) for r in report.rows] == [
        ("111111111111", "stale", "NON_COMPLIANT")
    ]
    (failure,) = report.failures
    assert failure.region == "us-east-1"
    assert str(failure.message).startswith(
        f"{DETAILS} in account 222222222222 denied: AccessDeniedException"
    )
    assert sorted(op for op, _ in aggregator.calls) == sorted(
        [DESCRIBE, DETAILS, DETAILS, NAMES, NAMES]
    )
