"""The permissions Config rule's run over the fakes: coverage within a time budget, oldest
results first, nothing posted for roles not reached, stable wording in changes mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.core.events import ConfigRuleEvent
from dormant.core.parameters import RuleKindName, rule_kind
from dormant.core.settings import EvaluationMode, Settings
from dormant.permissions.model import ServiceAccess
from dormant.permissions.parameters import permissions_settings_from_parameters
from dormant.permissions.scan.rule import TimeBudget, run_permissions_rule
from dormant.roles.model import Role
from dormant.testing import InMemoryAccessSource, InMemoryComplianceHistory, InMemoryEvaluationSink

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
RULE = "iam-role-last-used-permissions"
ACCOUNT = "111111111111"
WINDOW = Settings(max_days=90)


def role(name: str, *, age: float = 400, path: str = "/") -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        created=NOW - timedelta(days=age),
        account_id=ACCOUNT,
    )


def used(namespace: str, days: float | None) -> ServiceAccess:
    return ServiceAccess(namespace, namespace, None if days is None else NOW - timedelta(days=days))


def event(day: int = 0) -> ConfigRuleEvent:
    return ConfigRuleEvent(ACCOUNT, RULE, "token", NOW + timedelta(days=day))


class Countdown:
    """Lambda's remaining time, as the context tells it: ``per_call`` ms less per IAM call."""

    def __init__(self, jobs: InMemoryAccessSource, total_ms: int, per_call: int) -> None:
        self.jobs, self.total_ms, self.per_call = jobs, total_ms, per_call
        self.before = len(jobs.calls)  # calls of earlier runs

    def __call__(self) -> int:
        return self.total_ms - self.per_call * (len(self.jobs.calls) - self.before)


class Account:
    def __init__(self, names: list[str], **jobs: object) -> None:
        self.roles = [role(n) for n in names]
        access = {n: [used("s3", 1), used("kms", None)] for n in names}
        self.jobs = InMemoryAccessSource(access, polls_to_complete=1, **jobs)  # type: ignore[arg-type]
        self.history = InMemoryComplianceHistory()
        self.sink = InMemoryEvaluationSink(history=self.history, rule_name=RULE)

    def run(self, day: int = 0, *, settings: Settings = WINDOW, budget_calls: int | None = None):  # type: ignore[no-untyped-def]
        budget = None
        if budget_calls is not None:
            # 60 s margin to start: each call is 1 s, so ``budget_calls`` calls may be made.
            budget = TimeBudget(Countdown(self.jobs, 60_000 + 1000 * budget_calls, 1000))
        self.sink.delivered.clear()
        return run_permissions_rule(
            event(day), settings, self.roles, self.jobs, self.sink, self.history, budget=budget
        )

    def held(self) -> dict[str, tuple[str, str | None]]:
        return {r.resource_id: (r.compliance, r.annotation) for r in self.history.recorded(RULE)}


def test_every_role_is_evaluated_with_the_permissions_annotation() -> None:
    account = Account(["a", "b"])
    run = account.run()
    assert account.held() == {
        "AROAA": ("NON_COMPLIANT", "1 of 2 granted services unused for more than 90 days: kms"),
        "AROAB": ("NON_COMPLIANT", "1 of 2 granted services unused for more than 90 days: kms"),
    }
    assert run.summary.roles == 2
    assert run.summary.left == 0
    assert run.failures == ()


def test_a_short_budget_leaves_roles_for_the_next_run_which_starts_with_them() -> None:
    names = [f"r{i:02}" for i in range(10)]
    account = Account(names)
    first = account.run(budget_calls=12)  # 3 calls a role: about 4 roles
    reached = set(account.held())
    assert 0 < first.summary.roles < 10
    assert first.summary.left == 10 - first.summary.roles
    assert first.summary.stale == 0  # roles not reached are not taken for deleted
    unreached = {f"AROA{n.upper()}" for n in names} - reached
    account.run(day=1, budget_calls=12)
    second = {e.resource_id for e in account.sink.delivered}
    # The second run starts with the roles the first did not reach (absent in Config).
    assert second <= unreached or unreached <= second
    covered = reached | second
    runs = 2
    while len(covered) < 10 and runs < 10:
        account.run(day=runs, budget_calls=12)
        covered |= {e.resource_id for e in account.sink.delivered}
        runs += 1
    assert runs <= 3  # 10 roles, about 4 a run
    assert all(compliance != "NOT_APPLICABLE" for compliance, _ in account.held().values())


def test_roles_not_reached_keep_their_last_result_and_nothing_is_posted_for_them() -> None:
    account = Account(["a", "b", "c", "d"])
    account.run()
    before = account.held()
    account.run(day=1, budget_calls=0)  # no time to start a single job
    assert account.sink.delivered == []
    assert account.held() == before


def test_deleted_roles_are_still_cleared_when_the_run_is_partial() -> None:
    account = Account(["a", "b", "c"])
    account.run()
    account.roles = account.roles[1:]
    run = account.run(day=1, budget_calls=3)
    assert account.held()["AROAA"] == ("NOT_APPLICABLE", "Role no longer exists")
    assert run.summary.stale == 1


def test_roles_decided_without_data_are_always_evaluated() -> None:
    account = Account(["old"])
    account.roles += [role("young", age=10), role("AWSServiceRoleForX", path="/aws-service-role/")]
    run = account.run(budget_calls=0)
    assert {e.resource_id for e in account.sink.delivered} == {
        "AROAYOUNG",
        "AROAAWSSERVICEROLEFORX",
    }
    assert run.summary.left == 1


def test_changes_mode_names_dates_and_stays_quiet_when_nothing_changes() -> None:
    account = Account(["a"])
    account.roles.append(role("young", age=10))
    changes = Settings(max_days=90, evaluation_mode=EvaluationMode.CHANGES)
    account.run(settings=changes)
    assert account.held() == {
        "AROAA": (
            "NON_COMPLIANT",
            "1 of 2 granted services unused for more than 90 days: kms (never used)",
        ),
        "AROAYOUNG": ("COMPLIANT", "Created on 2026-11-20, within the 90-day window"),
    }
    later = account.run(day=3, settings=changes)
    assert later.summary.posted == 0
    assert later.summary.unchanged == 2


def test_a_partial_changes_run_posts_its_unchanged_results_so_the_next_moves_on() -> None:
    names = [f"r{i}" for i in range(6)]
    account = Account(names)
    changes = Settings(max_days=90, evaluation_mode=EvaluationMode.CHANGES)
    account.run(settings=changes)
    covered: set[str] = set()
    partial = 0
    for day in range(1, 7):
        run = account.run(day=day, settings=changes, budget_calls=3)  # a few roles a run
        partial += run.summary.left > 0
        covered |= {e.resource_id for e in account.sink.delivered}
        if len(covered) == len(names):
            break
    assert partial > 0
    # Unchanged, yet posted: otherwise every run would start with the same oldest roles.
    assert covered == {f"AROA{n.upper()}" for n in names}


def test_a_refused_call_fails_the_run_and_posts_nothing() -> None:
    account = Account(["a", "b"])
    account.jobs.fail("b", "AccessDenied", "not authorized")
    with pytest.raises(AwsAccessError, match="GenerateServiceLastAccessedDetails of role b"):
        account.run()
    assert account.sink.calls == []


def test_a_failed_job_leaves_its_role_and_the_others_are_posted() -> None:
    account = Account(["a", "b"])
    account.run()
    account.jobs.fail_job("b", "Service is busy")
    run = account.run(day=1)
    assert {e.resource_id for e in account.sink.delivered} == {"AROAA"}
    assert run.summary.left == 1
    assert run.summary.stale == 0
    (failure,) = run.failures
    assert "role b" in failure.message
    assert "Service is busy" in failure.message


def test_the_kind_parameter_chooses_the_permissions_rule() -> None:
    assert rule_kind({"kind": "permissions", "resource_type": "AWS::IAM::Role"}) is (
        RuleKindName.PERMISSIONS
    )
    assert rule_kind({"kind": "permissions"}) is RuleKindName.PERMISSIONS
    assert rule_kind({}) is RuleKindName.ROLES
    assert rule_kind({"resource_type": "AWS::IAM::User"}) is RuleKindName.USERS
    assert rule_kind({"kind": " "}) is RuleKindName.ROLES  # blank is absent, as for any
    for params in (
        {"kind": "permission"},
        {"kind": "permissions", "resource_type": "AWS::IAM::User"},
        {"kind": "users", "resource_type": "AWS::IAM::Role"},
    ):
        with pytest.raises(InvalidParameter) as raised:
            rule_kind(params)
        assert raised.value.name == "kind"


def test_the_permissions_rule_window_is_its_own() -> None:
    env = {"MAX_DAYS_FOR_LAST_USED": "60", "ROLE_WHITELIST": "/x", "EVALUATION_MODE": "changes"}
    settings = permissions_settings_from_parameters({"kind": "permissions"}, env)
    assert settings == Settings(max_days=90, evaluation_mode=EvaluationMode.CHANGES)
    with pytest.raises(InvalidParameter, match="service last access"):
        permissions_settings_from_parameters({"max_days_for_last_used": "401"})
    parsed = permissions_settings_from_parameters(
        {"max_days_for_last_used": "30", "role_whitelist": "/breakglass"}
    )
    assert parsed == Settings(max_days=30, allow_patterns=("/breakglass",))
    with pytest.raises(InvalidParameter) as raised:
        rule_kind({"kind": "permissions", "role_whitelist": "/x", "alow_list": "/y"})
    assert raised.value.name == "alow_list"
