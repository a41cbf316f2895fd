"""A month of daily runs in ``changes`` mode leaves Config holding what full runs would.

An account of 300 roles churns for 30 simulated days, faster than a real one (roles
stopping and waking, created and deleted every day, young roles ageing out of the
window). Each day the rule runs in ``changes`` mode against one in-memory Config, and
a reference runs in ``full`` mode (everything posted) with the same stable wording
against another. After every day both hold the same compliance and annotation for
every resource, while ``changes`` posted a fraction of the evaluations.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dormant.core.events import ConfigRuleEvent
from dormant.core.settings import EvaluationMode, Settings
from dormant.engine.rule import RuleKind, run_rule
from dormant.roles.decide import ROLES, evaluate_role
from dormant.roles.model import Role
from dormant.testing import Churn, ChurningAccount, MemoryConfig

START = datetime(2026, 11, 1, 6, tzinfo=UTC)
RULE = "iam-role-last-used"
CHANGES = Settings(allow_patterns=("/breakglass-*",), evaluation_mode=EvaluationMode.CHANGES)
FULL = replace(CHANGES, evaluation_mode=EvaluationMode.FULL)
# A full run, worded as in changes mode: posts everything, reads only C/NC for stale ones.
FULL_IN_CHANGES_WORDING = RuleKind(
    resource_type=ROLES.resource_type,
    decide=lambda role, settings, now: evaluate_role(
        role, replace(settings, evaluation_mode=EvaluationMode.CHANGES), now
    ),
    gone_annotation=ROLES.gone_annotation,
)
FAST_CHURN = Churn(
    roles=300,
    active_share=0.4,
    stop_rate=0.03,
    wake_rate=0.02,
    create_rate=0.02,
    delete_rate=0.015,
    service_linked_share=0.03,
    allow_listed_share=0.03,
    seed=7,
)


WORDINGS = (
    "Created on ",
    "Used within the last 60 days",
    "Last used in us-east-1 on ",
    "No record of usage",
    "Role matches allow-list pattern /breakglass-*",
    "Service-linked role",
    "Role no longer exists",
)


def _wording(annotation: str) -> str:
    (wording,) = [w for w in WORDINGS if annotation.startswith(w)]
    return wording


def _event(now: datetime) -> ConfigRuleEvent:
    return ConfigRuleEvent(
        account_id="111111111111", rule_name=RULE, result_token="token", notification_time=now
    )


def test_changes_mode_holds_the_state_of_full_runs_every_day() -> None:
    account = ChurningAccount(FAST_CHURN, START)
    changes, reference = MemoryConfig(RULE), MemoryConfig(RULE)
    seen_annotations: set[str] = set()
    skipped = 0
    for day in range(30):
        now = account.now if day == 0 else account.advance()
        roles: list[Role] = account.roles()
        summary = run_rule(_event(now), CHANGES, roles, changes, changes, kind=ROLES)
        run_rule(_event(now), FULL, roles, reference, reference, kind=FULL_IN_CHANGES_WORDING)
        assert changes.held() == reference.held(), f"day {day + 1}"
        assert summary.posted + summary.unchanged == summary.roles + summary.stale
        if day == 0:
            assert summary.unchanged == 0  # nothing recorded yet: everything is posted
        skipped += summary.unchanged
        seen_annotations.update(_wording(a) for _, a in changes.held().values())

    # Every wording took part: young, recently used, unused, never used, allow-listed,
    # service-linked and deleted.
    assert seen_annotations == set(WORDINGS)
    assert skipped > 0
    assert changes.evaluations_posted < reference.evaluations_posted / 4


def test_full_mode_posts_everything_every_day_as_before() -> None:
    account = ChurningAccount(FAST_CHURN, START)
    config = MemoryConfig(RULE)
    for day in range(3):
        now = account.now if day == 0 else account.advance()
        before = config.evaluations_posted
        summary = run_rule(_event(now), FULL, account.roles(), config, config, kind=ROLES)
        assert summary.unchanged == 0
        assert config.evaluations_posted - before == summary.roles + summary.stale
    # The blog's wording, counting days.
    assert any(" days ago" in annotation for _, annotation in config.held().values())
