"""The evaluation_mode parameter, the two wordings, and what a changes run posts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.errors import InvalidParameter
from dormant.core.evaluations import Evaluation
from dormant.core.events import ConfigRuleEvent
from dormant.core.model import Compliance
from dormant.core.settings import (
    EvaluationMode,
    Settings,
    parse_rule_parameters,
    settings_from_parameters,
)
from dormant.engine.rule import RecordedResult, run_rule, unchanged_since
from dormant.roles.decide import ROLES, evaluate_role
from dormant.roles.model import Reason, Role

NOW = datetime(2026, 11, 30, 6, tzinfo=UTC)
FULL = Settings(allow_patterns=("/breakglass-role",))
CHANGES = Settings(allow_patterns=("/breakglass-role",), evaluation_mode=EvaluationMode.CHANGES)


def role(
    name: str,
    *,
    created: datetime,
    last_used: datetime | None = None,
    path: str = "/",
) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::111111111111:role{path}{name}",
        created=created,
        last_used=last_used,
        last_used_region=None if last_used is None else "us-east-1",
        account_id="111111111111",
    )


# --- the parameter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        (None, EvaluationMode.FULL),
        ('{"evaluation_mode":"full"}', EvaluationMode.FULL),
        ('{"evaluation_mode":"changes"}', EvaluationMode.CHANGES),
        ('{"evaluation_mode":" changes "}', EvaluationMode.CHANGES),
    ],
)
def test_evaluation_mode_parameter(raw: str | None, mode: EvaluationMode) -> None:
    settings = settings_from_parameters(parse_rule_parameters(raw))
    assert settings.evaluation_mode is mode
    assert settings.stable_annotations is (mode is EvaluationMode.CHANGES)


@pytest.mark.parametrize("value", ["incremental", "Changes", "true", 1])
def test_any_other_evaluation_mode_is_refused_naming_it(value: object) -> None:
    with pytest.raises(InvalidParameter, match=r"evaluation_mode: expected full or changes"):
        settings_from_parameters({"evaluation_mode": value})


def test_a_blank_mode_is_unset_and_the_functions_default_applies() -> None:
    # Blank means unset for every rule parameter; the template's EVALUATION_MODE (one value
    # for the roles' and the users' rule) is the default, else full.
    env = {"EVALUATION_MODE": "changes"}
    assert settings_from_parameters({"evaluation_mode": ""}).evaluation_mode is EvaluationMode.FULL
    assert settings_from_parameters({}, env).evaluation_mode is EvaluationMode.CHANGES
    assert (
        settings_from_parameters({"evaluation_mode": "full"}, env).evaluation_mode
        is EvaluationMode.FULL
    )
    with pytest.raises(InvalidParameter, match="evaluation_mode"):
        settings_from_parameters({}, {"EVALUATION_MODE": "sometimes"})


# --- the wording ------------------------------------------------------------------------

CASES = [
    # name, role, reason, full wording, changes wording
    (
        "young",
        role("young", created=datetime(2026, 11, 1, 9, tzinfo=UTC)),
        Reason.YOUNG,
        "Role age is 28 days",
        "Created on 2026-11-01, within the 60-day window",
    ),
    (
        "recent",
        role("recent", created=NOW - timedelta(days=400), last_used=NOW - timedelta(days=46)),
        Reason.RECENTLY_USED,
        "Was last used in us-east-1 46 days ago",
        "Used within the last 60 days",
    ),
    (
        "unused",
        role(
            "unused",
            created=NOW - timedelta(days=400),
            last_used=datetime(2026, 5, 2, 23, tzinfo=UTC),
        ),
        Reason.UNUSED,
        "Was last used in us-east-1 211 days ago",
        "Last used in us-east-1 on 2026-05-02",
    ),
    (
        "never",
        role("never", created=NOW - timedelta(days=400)),
        Reason.NEVER_USED,
        "No record of usage",
        "No record of usage",
    ),
    (
        "allowed",
        role("breakglass-role", created=NOW - timedelta(days=400)),
        Reason.ALLOW_LISTED,
        "Role matches allow-list pattern /breakglass-role",
        "Role matches allow-list pattern /breakglass-role",
    ),
    (
        "service-linked",
        role("slr", created=NOW - timedelta(days=400), path="/aws-service-role/x/"),
        Reason.SERVICE_LINKED,
        "Service-linked role: AWS manages it and users cannot delete or quarantine it",
        "Service-linked role: AWS manages it and users cannot delete or quarantine it",
    ),
]


@pytest.mark.parametrize(
    ("subject", "reason", "full", "stable"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_same_decision_other_words(subject: Role, reason: Reason, full: str, stable: str) -> None:
    by_full = evaluate_role(subject, FULL, NOW)
    by_changes = evaluate_role(subject, CHANGES, NOW)
    assert (by_full.reason, by_full.annotation) == (reason, full)
    assert (by_changes.reason, by_changes.annotation) == (reason, stable)
    assert by_changes.compliance is by_full.compliance
    assert (by_changes.days_unused, by_changes.age_days) == (by_full.days_unused, by_full.age_days)


@pytest.mark.parametrize("days", range(1, 10))
def test_stable_wording_does_not_move_while_the_compliance_stays(days: int) -> None:
    later = NOW + timedelta(days=days)
    for _, subject, _, full, _ in CASES:
        today, then = evaluate_role(subject, CHANGES, NOW), evaluate_role(subject, CHANGES, later)
        assert (then.compliance, then.annotation) == (today.compliance, today.annotation)
        if "days" in full:  # the blog's wording moves every day
            assert evaluate_role(subject, FULL, later).annotation != full


# --- what is posted ---------------------------------------------------------------------


def _evaluation(resource_id: str, compliance: Compliance, annotation: str) -> Evaluation:
    return Evaluation("AWS::IAM::Role", resource_id, compliance, annotation, NOW)


def test_only_what_differs_from_config_is_posted() -> None:
    evaluations = [
        _evaluation("AROASAME", Compliance.COMPLIANT, "Used within the last 60 days"),
        _evaluation("AROAFLIP", Compliance.NON_COMPLIANT, "No record of usage"),
        _evaluation("AROAWORD", Compliance.COMPLIANT, "Used within the last 60 days"),
        _evaluation(
            "AROANEW", Compliance.COMPLIANT, "Created on 2026-11-29, within the 60-day window"
        ),
    ]
    recorded = [
        RecordedResult("AWS::IAM::Role", "AROASAME", "COMPLIANT", "Used within the last 60 days"),
        RecordedResult("AWS::IAM::Role", "AROAFLIP", "COMPLIANT", "No record of usage"),
        RecordedResult("AWS::IAM::Role", "AROAWORD", "COMPLIANT", "Role age is 10 days"),
        # Same id, another resource type: not the same resource.
        RecordedResult(
            "AWS::IAM::User",
            "AROANEW",
            "COMPLIANT",
            "Created on 2026-11-29, within the 60-day window",
        ),
    ]
    changed, same = unchanged_since(evaluations, recorded)
    assert [e.resource_id for e in changed] == ["AROAFLIP", "AROAWORD", "AROANEW"]
    assert same == 1


class TypedHistory:
    """Holds results of all three types and answers per type, recording what was asked."""

    def __init__(self, *results: RecordedResult) -> None:
        self.results = results
        self.asked: list[tuple[str, ...]] = []

    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = ()
    ) -> Iterator[RecordedResult]:
        self.asked.append(tuple(compliance_types))
        yield from (r for r in self.results if r.compliance in compliance_types)


class RecordingSink:
    def __init__(self) -> None:
        self.delivered: list[Evaluation] = []

    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        self.delivered.extend(evaluations)


EVENT = ConfigRuleEvent(
    account_id="111111111111", rule_name="r", result_token="t", notification_time=NOW
)


def test_changes_run_reads_each_compliance_type_and_posts_changes_and_gone_roles() -> None:
    kept = role("kept", created=NOW - timedelta(days=400), last_used=NOW - timedelta(days=3))
    history = TypedHistory(
        RecordedResult("AWS::IAM::Role", "AROAKEPT", "COMPLIANT", "Used within the last 60 days"),
        RecordedResult("AWS::IAM::Role", "AROAGONE", "NON_COMPLIANT", "No record of usage"),
        RecordedResult("AWS::IAM::Role", "AROALONGGONE", "NOT_APPLICABLE", "Role no longer exists"),
    )
    sink = RecordingSink()
    fresh = role("fresh", created=NOW - timedelta(days=1))
    summary = run_rule(EVENT, CHANGES, [kept, fresh], sink, history, kind=ROLES)

    assert sorted(history.asked) == [("COMPLIANT",), ("NON_COMPLIANT",), ("NOT_APPLICABLE",)]
    assert [(e.resource_id, e.compliance) for e in sink.delivered] == [
        ("AROAFRESH", Compliance.COMPLIANT),
        ("AROAGONE", Compliance.NOT_APPLICABLE),
    ]
    assert (summary.posted, summary.unchanged, summary.stale) == (2, 1, 1)
    assert summary.as_dict()["unchanged_skipped"] == 1
    assert summary.as_dict()["evaluation_mode"] == "changes"


def test_full_run_reads_and_posts_as_before() -> None:
    kept = role("kept", created=NOW - timedelta(days=400), last_used=NOW - timedelta(days=3))
    history = TypedHistory(
        RecordedResult(
            "AWS::IAM::Role", "AROAKEPT", "COMPLIANT", "Was last used in us-east-1 3 days ago"
        ),
    )
    sink = RecordingSink()
    summary = run_rule(EVENT, FULL, [kept], sink, history, kind=ROLES)
    assert history.asked == [("COMPLIANT", "NON_COMPLIANT")]
    assert [e.resource_id for e in sink.delivered] == ["AROAKEPT"]
    assert (summary.posted, summary.unchanged) == (1, 0)
