"""The engine over its interfaces, with small in-memory fakes (no AWS at all)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from dormant.errors import AwsAccessError, RoleDataError
from dormant.evaluations import Evaluation
from dormant.events import ConfigRuleEvent
from dormant.model import Compliance, Role
from dormant.roles import role_from_detail
from dormant.service import ROLES, RecordedResult, run_rule, stale_resource_ids
from dormant.settings import Settings

NOW = datetime(2024, 6, 1, tzinfo=UTC)
EVENT = ConfigRuleEvent(
    account_id="111111111111", rule_name="r", result_token="t", notification_time=NOW
)


def make_role(name: str, days_old: int = 400) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::111111111111:role/{name}",
        created=NOW - timedelta(days=days_old),
    )


class ListSource:
    def __init__(self, *items: Role | Exception) -> None:
        self.items = items

    def roles(self) -> Iterator[Role]:
        for item in self.items:
            if isinstance(item, Exception):
                raise item
            yield item


class RecordingSink:
    def __init__(self) -> None:
        self.delivered: list[Evaluation] = []

    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        self.delivered.extend(evaluations)


class FixedHistory:
    def __init__(self, *ids: str) -> None:
        self.ids = ids
        self.asked: tuple[str, Sequence[str]] | None = None

    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ()
    ) -> Iterator[RecordedResult]:
        self.asked = (rule_name, tuple(compliance_types))
        for resource_id in self.ids:
            yield RecordedResult("AWS::IAM::Role", resource_id, "NON_COMPLIANT")


def test_a_bad_role_record_fails_the_run_before_anything_is_delivered() -> None:
    sink = RecordingSink()
    broken = RoleDataError("role Ec2DevRole in account 111111111111 has no CreateDate")
    with pytest.raises(RoleDataError, match="Ec2DevRole"):
        run_rule(
            EVENT, Settings(), ListSource(make_role("a"), broken).roles(), sink, None, kind=ROLES
        )
    assert sink.delivered == []


def test_stale_results_only_for_roles_that_are_gone() -> None:
    sink = RecordingSink()
    history = FixedHistory("AROAA", "AROAGONE", "AROAGONE")
    summary = run_rule(
        EVENT, Settings(), ListSource(make_role("a")).roles(), sink, history, kind=ROLES
    )
    assert [(e.resource_id, e.compliance) for e in sink.delivered] == [
        ("AROAA", Compliance.NON_COMPLIANT),
        ("AROAGONE", Compliance.NOT_APPLICABLE),
    ]
    assert summary.stale == 1
    # Results already NOT_APPLICABLE are not asked for, so they are not re-sent forever.
    assert history.asked == ("r", ("COMPLIANT", "NON_COMPLIANT"))


def test_stale_ignores_other_resource_types() -> None:
    recorded = [
        RecordedResult("AWS::IAM::User", "AIDAX", "NON_COMPLIANT"),
        RecordedResult("AWS::IAM::Role", "AROAX", "COMPLIANT"),
    ]
    assert stale_resource_ids(recorded, set()) == ["AROAX"]


def test_role_from_detail_feeds_the_same_engine() -> None:
    detail = {
        "Path": "/",
        "RoleName": "x",
        "RoleId": "AROAX",
        "Arn": "arn:aws:iam::111111111111:role/x",
        "CreateDate": NOW - timedelta(days=100),
        "RoleLastUsed": {"LastUsedDate": NOW - timedelta(days=70), "Region": "us-east-2"},
    }
    sink = RecordingSink()
    run_rule(
        EVENT, Settings(), ListSource(role_from_detail(detail)).roles(), sink, None, kind=ROLES
    )
    assert sink.delivered[0].annotation == "Was last used in us-east-2 70 days ago"


class FailingHistory:
    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ()
    ) -> Iterator[RecordedResult]:
        raise AwsAccessError("config:GetComplianceDetailsByConfigRule denied: AccessDenied")
        yield  # pragma: no cover - makes this a generator, like the real history


def test_a_failed_history_read_fails_the_run_before_anything_is_delivered() -> None:
    sink = RecordingSink()
    with pytest.raises(AwsAccessError, match="GetComplianceDetailsByConfigRule"):
        run_rule(
            EVENT,
            Settings(),
            ListSource(make_role("a")).roles(),
            sink,
            FailingHistory(),
            kind=ROLES,
        )
    assert sink.delivered == []
