"""`detailed_where_needed`: a finding's details are read only where its summary lacks them;
a details call that fails stops one account's run, or, across many accounts, only that
account, named."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from dormant.aws.findings_source import detailed_where_needed
from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.core.errors import AwsAccessError
from dormant.remediation.archive import Archiver

ADMIN, MEMBER, OTHER = "123456789012", "111111111111", "222222222222"


def finding(account: str, name: str) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"{account}-{name}",
        type="UnusedIAMUserAccessKey",
        status="ACTIVE",
        analyzed_at=datetime(2026, 12, 1, tzinfo=UTC),
        resource_arn=f"arn:aws:iam::{account}:user/{name}",
        account_id=account,
        window_days=90,
        analyzer_arn=f"arn:aws:access-analyzer:us-east-1:{ADMIN}:analyzer/organization",
    )


@dataclass
class Reader:
    """A reader whose details name a key, refused for the accounts in `refused`."""

    refused: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)
    source: FindingSource = FindingSource.ACCESS_ANALYZER
    where: str = "access-analyzer organization"
    operation: str = "access-analyzer:ListFindingsV2"

    @property
    def archiver(self) -> Archiver:
        raise AssertionError("not archived here")

    def findings(
        self, finding_types: Sequence[str], *, owner_account: str | None = None
    ) -> Iterator[AwsFinding]:
        raise AssertionError("not listed here")

    def details(self, aws: AwsFinding) -> AwsFinding:
        self.asked.append(aws.id)
        if aws.account_id in self.refused:
            raise AwsAccessError(
                "access-analyzer:GetFinding denied: AccessDeniedException",
                operation="access-analyzer:GetFinding",
                account_id=ADMIN,
            )
        return replace(aws, access_key_id=f"AKIA{aws.id}", detailed=True)


FINDINGS = [
    finding(MEMBER, "two"),
    finding(MEMBER, "also-two"),
    finding(OTHER, "two"),
    finding(OTHER, "one"),
]


def needs(aws: AwsFinding) -> bool:
    return "two" in aws.id


def test_only_the_findings_that_need_them_are_asked_about() -> None:
    reader = Reader()
    detailed, failures = detailed_where_needed(reader, FINDINGS, needs)
    assert failures == []
    assert reader.asked == [f"{MEMBER}-two", f"{MEMBER}-also-two", f"{OTHER}-two"]
    assert [aws.detailed for aws in detailed] == [True, True, True, False]


def test_a_refused_details_call_stops_a_single_account_run() -> None:
    with pytest.raises(AwsAccessError, match="GetFinding denied"):
        detailed_where_needed(Reader(refused={MEMBER}), FINDINGS, needs)


def test_across_accounts_a_refused_details_call_fails_that_account_alone() -> None:
    reader = Reader(refused={MEMBER})
    detailed, failures = detailed_where_needed(reader, FINDINGS, needs, fail_alone=True)
    # The member is asked once: its other findings are not asked about after the refusal.
    assert reader.asked == [f"{MEMBER}-two", f"{OTHER}-two"]
    assert [(f.account_id, f.operation) for f in failures] == [
        (MEMBER, "access-analyzer:GetFinding")
    ]
    assert "AccessDeniedException" in failures[0].message
    assert [aws.detailed for aws in detailed] == [False, False, True, False]
