"""The engine over its interfaces, with the in-memory fakes of dormant.testing (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.errors import AwsAccessError, RoleDataError
from dormant.core.events import ConfigRuleEvent
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.engine.rule import RecordedResult, run_rule, stale_resource_ids
from dormant.roles.decide import ROLES
from dormant.roles.model import Role
from dormant.roles.records import role_from_detail
from dormant.testing import InMemoryComplianceHistory, InMemoryEvaluationSink, InMemoryRoleSource

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


def history_of(*ids: str) -> InMemoryComplianceHistory:
    """Rule r holds a NON_COMPLIANT result for each id, as Config would list them."""
    history = InMemoryComplianceHistory(account_id=EVENT.account_id)
    history.add("r", *(RecordedResult("AWS::IAM::Role", i, "NON_COMPLIANT") for i in ids))
    return history


def test_a_bad_role_record_fails_the_run_before_anything_is_delivered() -> None:
    sink = InMemoryEvaluationSink()
    broken = {
        "Path": "/",
        "RoleName": "Ec2DevRole",
        "RoleId": "AROAEC2DEVROLE",
        "Arn": "arn:aws:iam::111111111111:role/Ec2DevRole",
    }
    source = InMemoryRoleSource([make_role("a"), broken], account_id="111111111111")
    with pytest.raises(RoleDataError, match="role Ec2DevRole in account 111111111111 has no"):
        run_rule(EVENT, Settings(), source.roles(), sink, None, kind=ROLES)
    assert sink.delivered == []
    assert sink.calls == []


def test_stale_results_only_for_roles_that_are_gone() -> None:
    sink = InMemoryEvaluationSink()
    history = history_of("AROAA", "AROAGONE", "AROAGONE")
    summary = run_rule(
        EVENT, Settings(), InMemoryRoleSource([make_role("a")]).roles(), sink, history, kind=ROLES
    )
    assert [(e.resource_id, e.compliance) for e in sink.delivered] == [
        ("AROAA", Compliance.NON_COMPLIANT),
        ("AROAGONE", Compliance.NOT_APPLICABLE),
    ]
    assert summary.stale == 1
    # Results already NOT_APPLICABLE are not asked for, so they are not re-sent forever.
    assert [(r.rule_name, r.compliance_types) for r in history.requests] == [
        ("r", ("COMPLIANT", "NON_COMPLIANT"))
    ]


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
    sink = InMemoryEvaluationSink()
    run_rule(
        EVENT,
        Settings(),
        InMemoryRoleSource([role_from_detail(detail)]).roles(),
        sink,
        None,
        kind=ROLES,
    )
    assert sink.delivered[0].annotation == "Was last used in us-east-2 70 days ago"


def test_a_failed_history_read_fails_the_run_before_anything_is_delivered() -> None:
    sink = InMemoryEvaluationSink()
    history = history_of()
    history.fail("AccessDenied", "not authorized to perform GetComplianceDetailsByConfigRule")
    with pytest.raises(AwsAccessError, match="GetComplianceDetailsByConfigRule"):
        run_rule(
            EVENT,
            Settings(),
            InMemoryRoleSource([make_role("a")]).roles(),
            sink,
            history,
            kind=ROLES,
        )
    assert sink.delivered == []
