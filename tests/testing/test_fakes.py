"""The fakes of dormant.testing behave like AWS where it matters: limits, paging, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import dormant.testing
from dormant.core.errors import AwsAccessError, EvaluationDeliveryError, RoleDataError
from dormant.core.evaluations import Evaluation
from dormant.core.model import Compliance
from dormant.engine.rule import RecordedResult
from dormant.remediation.steps import Step
from dormant.roles.decide import ROLES
from dormant.roles.model import Role
from dormant.testing import (
    HistoryRequest,
    InMemoryComplianceHistory,
    InMemoryEvaluationSink,
    InMemoryRoleMutator,
    InMemoryRoleSource,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ACCOUNT = "111111111111"


def evaluation(resource_id: str, annotation: str = "No record of usage") -> Evaluation:
    return Evaluation("AWS::IAM::Role", resource_id, Compliance.NON_COMPLIANT, annotation, NOW)


def make_role(name: str, **fields: object) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        **fields,  # type: ignore[arg-type]
    )


def test_the_public_surface_is_deliberate() -> None:
    assert sorted(dormant.testing.__all__) == [
        "AccessCall",
        "Churn",
        "ChurningAccount",
        "Failure",
        "Failures",
        "HistoryRequest",
        "IamCall",
        "InMemoryAccessSource",
        "InMemoryAggregator",
        "InMemoryArchiver",
        "InMemoryAssignmentWriter",
        "InMemoryChannel",
        "InMemoryComplianceHistory",
        "InMemoryEvaluationSink",
        "InMemoryObjectStore",
        "InMemoryReferenceFinder",
        "InMemoryRoleMutator",
        "InMemoryRoleSource",
        "InMemoryUserMutator",
        "MemoryConfig",
        "PutEvaluationsCall",
        "VirtualClock",
        "aws_error",
    ]
    for name in dormant.testing.__all__:
        assert hasattr(dormant.testing, name), name


# --- the evaluation sink -------------------------------------------------------------------


def test_one_put_evaluations_call_refuses_more_than_100_and_stores_nothing() -> None:
    sink = InMemoryEvaluationSink(account_id=ACCOUNT)
    with pytest.raises(AwsAccessError) as caught:
        sink.put_evaluations([evaluation(f"AROA{i}") for i in range(101)], test_mode=False)
    assert str(caught.value).startswith(
        f"config:PutEvaluations in account {ACCOUNT} failed: ValidationException:"
    )
    assert "less than or equal to 100" in str(caught.value)
    assert (sink.delivered, sink.calls) == ([], [])


def test_put_delivers_any_number_in_calls_of_at_most_100() -> None:
    sink = InMemoryEvaluationSink()
    evaluations = [evaluation(f"AROA{i}") for i in range(250)]
    sink.put(evaluations, test_mode=True)
    assert [len(c.evaluations) for c in sink.calls] == [100, 100, 50]
    assert {c.test_mode for c in sink.calls} == {True}
    assert sink.delivered == evaluations


@pytest.mark.parametrize(("annotation", "length"), [("x" * 257, 257), ("", 0)])
def test_an_annotation_config_would_refuse_fails_the_call(annotation: str, length: int) -> None:
    sink = InMemoryEvaluationSink()
    with pytest.raises(AwsAccessError, match=rf"annotation.*between 1 and 256 \(got {length}\)"):
        sink.put([evaluation("AROAOK"), evaluation("AROABAD", annotation)], test_mode=False)
    assert sink.delivered == []


def test_failed_evaluations_are_sent_again_until_config_takes_them() -> None:
    sink = InMemoryEvaluationSink()
    sink.fail_evaluations("AROAB", times=2)
    sink.put([evaluation("AROAA"), evaluation("AROAB")], test_mode=False)
    assert [(len(c.evaluations), c.failed) for c in sink.calls] == [
        (2, ("AROAB",)),
        (1, ("AROAB",)),
        (1, ()),
    ]
    assert [e.resource_id for e in sink.delivered] == ["AROAA", "AROAB"]


def test_evaluations_config_keeps_failing_fail_the_delivery() -> None:
    sink = InMemoryEvaluationSink(max_attempts=3)
    sink.fail_evaluations("AROAB", times=None)
    with pytest.raises(EvaluationDeliveryError, match=r"1 evaluation\(s\) after 3 attempts"):
        sink.put([evaluation("AROAA"), evaluation("AROAB")], test_mode=False)
    assert len(sink.calls) == 3
    assert [e.resource_id for e in sink.delivered] == ["AROAA"]


def test_a_denied_put_is_the_adapters_error() -> None:
    sink = InMemoryEvaluationSink(account_id=ACCOUNT)
    sink.fail("AccessDenied", "not authorized to perform config:PutEvaluations")
    with pytest.raises(AwsAccessError) as caught:
        sink.put([evaluation("AROAA")], test_mode=False)
    assert caught.value.operation == "config:PutEvaluations"
    assert caught.value.account_id == ACCOUNT
    assert str(caught.value).startswith(
        f"config:PutEvaluations in account {ACCOUNT} denied: AccessDenied:"
    )


def test_a_linked_history_keeps_what_was_delivered_outside_test_mode() -> None:
    history = InMemoryComplianceHistory()
    sink = InMemoryEvaluationSink(history=history, rule_name="r")
    sink.put([evaluation("AROAA")], test_mode=True)
    assert list(history.recorded("r")) == []
    sink.put([evaluation("AROAA", "first"), evaluation("AROAB")], test_mode=False)
    sink.put([evaluation("AROAA", "second")], test_mode=False)
    assert [(r.resource_id, r.annotation) for r in history.recorded("r")] == [
        ("AROAB", "No record of usage"),
        ("AROAA", "second"),
    ]


# --- the compliance history ----------------------------------------------------------------


def test_history_pages_and_filters_by_compliance_type() -> None:
    history = InMemoryComplianceHistory(page_size=2)
    kinds = ["COMPLIANT", "NOT_APPLICABLE", "NON_COMPLIANT", "COMPLIANT", "NON_COMPLIANT"]
    history.add(
        "r", *(RecordedResult("AWS::IAM::Role", f"AROA{i}", k) for i, k in enumerate(kinds))
    )
    history.add("other", RecordedResult("AWS::IAM::Role", "AROAX", "COMPLIANT"))

    found = list(history.recorded("r", ("COMPLIANT", "NON_COMPLIANT")))

    assert [r.resource_id for r in found] == ["AROA0", "AROA2", "AROA3", "AROA4"]
    types = ("COMPLIANT", "NON_COMPLIANT")
    assert history.requests == [
        HistoryRequest("r", types, None),
        HistoryRequest("r", types, "page-2"),
    ]


def test_history_of_an_unknown_rule_is_configs_error() -> None:
    history = InMemoryComplianceHistory(account_id=ACCOUNT)
    with pytest.raises(AwsAccessError, match="NoSuchConfigRuleException: The ConfigRule 'gone'"):
        list(history.recorded("gone"))


def test_history_refuses_a_page_size_config_would_refuse() -> None:
    with pytest.raises(ValueError, match="page_size"):
        InMemoryComplianceHistory(page_size=101)


# --- the role source -----------------------------------------------------------------------


def test_source_pages_and_a_failed_page_is_the_adapters_error() -> None:
    source = InMemoryRoleSource(
        [make_role(n) for n in ("a", "b", "c")], account_id=ACCOUNT, page_size=2
    )
    source.fail("Throttling", "Rate exceeded", page=2)
    seen: list[str] = []
    with pytest.raises(AwsAccessError) as caught:
        seen.extend(r.name for r in source.roles())
    assert seen == ["a", "b"]
    assert caught.value.operation == "iam:GetAccountAuthorizationDetails"
    assert str(caught.value) == (
        f"iam:GetAccountAuthorizationDetails in account {ACCOUNT} failed: Throttling: Rate exceeded"
    )
    assert [r.name for r in source.roles()] == ["a", "b", "c"]  # the failure was used up
    assert source.calls == 4


def test_source_parses_role_details_like_the_adapter() -> None:
    detail = {"Path": "/", "RoleName": "x", "RoleId": "AROAX", "Arn": "arn:aws:iam::1:role/x"}
    with pytest.raises(RoleDataError, match=f"role x in account {ACCOUNT} has no CreateDate"):
        list(InMemoryRoleSource([detail], account_id=ACCOUNT).roles())


# --- the role mutator ----------------------------------------------------------------------


def test_mutator_answers_like_iam_and_records_every_call() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT)
    mutator.add_role(
        make_role("job", attached_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",)),
        instance_profiles=["job-profile"],
    )
    mutator.caller()
    with pytest.raises(AwsAccessError) as caught:
        mutator.execute(Step("DeleteRole", {"RoleName": "job"}))
    assert str(caught.value) == (
        f"iam:DeleteRole of role job in account {ACCOUNT} failed: DeleteConflict: "
        "Cannot delete entity, must remove roles from instance profile first."
    )
    with pytest.raises(AwsAccessError, match="NoSuchEntity: The role with name ghost"):
        mutator.execute(Step("TagRole", {"RoleName": "ghost", "Tags": []}))
    assert [(c.operation, c.error) for c in mutator.write_calls()] == [
        ("DeleteRole", "DeleteConflict"),
        ("TagRole", "NoSuchEntity"),
    ]
    assert mutator.role_names() == ["job"]


def test_mutator_refuses_a_trust_policy_naming_a_missing_role_like_iam() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT)
    mutator.add_role(make_role("existing"))
    itself = f"arn:aws:iam::{ACCOUNT}:role/new"

    def create(principal: str) -> None:
        trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}}]}
        mutator.execute(
            Step("CreateRole", {"RoleName": "new", "AssumeRolePolicyDocument": json.dumps(trust)})
        )

    for missing in (itself, "AROASTALEPRINCIPAL001"):
        with pytest.raises(AwsAccessError, match="MalformedPolicyDocument: Invalid principal"):
            create(missing)
    create(f"arn:aws:iam::{ACCOUNT}:role/existing")
    assert "new" in mutator.role_names()


def test_mutator_fails_a_planned_call_for_one_role_only() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT)
    for name in ("a", "b"):
        mutator.add_role(make_role(name))
    mutator.fail("TagRole", role_name="b", code="AccessDenied", message="explicit deny")
    tag = [{"Key": "k", "Value": "v"}]
    mutator.execute(Step("TagRole", {"RoleName": "a", "Tags": tag}))
    with pytest.raises(AwsAccessError, match="iam:TagRole of role b denied: AccessDenied"):
        mutator.execute(Step("TagRole", {"RoleName": "b", "Tags": tag}))
    mutator.execute(Step("TagRole", {"RoleName": "b", "Tags": tag}))
    assert [s.role.tags for s in map(mutator.describe_role, "ab") if s] == [(("k", "v"),)] * 2


def test_mutator_refuses_to_plan_a_call_it_never_makes() -> None:
    with pytest.raises(ValueError, match="ListRoles"):
        InMemoryRoleMutator().fail("ListRoles")


# --- wiring the engine with the fakes, as a user would --------------------------------------


def test_a_second_run_clears_the_roles_that_are_gone() -> None:
    from dormant.core.events import ConfigRuleEvent
    from dormant.core.settings import Settings
    from dormant.engine.rule import run_rule

    event = ConfigRuleEvent(
        account_id=ACCOUNT, rule_name="my-rule", result_token="t", notification_time=NOW
    )
    history = InMemoryComplianceHistory(account_id=ACCOUNT)
    sink = InMemoryEvaluationSink(account_id=ACCOUNT, history=history, rule_name="my-rule")
    old, kept = make_role("old"), make_role("kept")

    run_rule(event, Settings(), InMemoryRoleSource([old, kept]).roles(), sink, history, kind=ROLES)
    second = run_rule(
        event, Settings(), InMemoryRoleSource([kept]).roles(), sink, history, kind=ROLES
    )

    assert second.stale == 1
    assert {(r.resource_id, r.compliance) for r in history.recorded("my-rule")} == {
        ("AROAOLD", "NOT_APPLICABLE"),
        ("AROAKEPT", "NON_COMPLIANT"),
    }
