"""Section "churn": what each evaluation mode posts to AWS Config in a month of churn.

An account of N roles (10,000 at full size) lives 30 simulated days with
``dormant.testing.Churn``'s default churn: half the roles used every day, 0.1% of those
stopping a day, 0.05% of the others used again, 0.5% of N created and 0.3% deleted a
day, a few service-linked and allow-listed roles. Every day the rule runs once in
``full`` mode and once in ``changes`` mode (``dormant.engine.rule.run_rule``, the Lambda's
engine), each against its own in-memory Config (``dormant.testing.MemoryConfig``), and
the evaluations each posts are counted: that is what Config bills. The two Configs are
checked to hold the same compliance for every role every day.

In-process and deterministic (fixed seed): no simulated AWS, no timing. Prices come from
``dormant.cost`` (public list prices, with the date they were taken).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from _common import BenchmarkError, log
from dormant.core.cost import PRICES_TAKEN, config_evaluations_price
from dormant.core.events import ConfigRuleEvent
from dormant.core.settings import EvaluationMode, Settings
from dormant.engine.rule import run_rule
from dormant.roles.decide import ROLES
from dormant.testing import Churn, ChurningAccount, MemoryConfig

START = datetime(2026, 11, 1, 6, tzinfo=UTC)
RULE = "iam-role-last-used"


@dataclass(frozen=True)
class ChurnPlan:
    roles: int
    days: int = 30


def run_churn(plan: ChurnPlan) -> dict[str, Any]:
    account = ChurningAccount(Churn(roles=plan.roles), START)
    settings = Settings(allow_patterns=("/breakglass-*",))
    modes = {
        mode: (replace(settings, evaluation_mode=mode), MemoryConfig(RULE))
        for mode in EvaluationMode
    }
    daily: dict[str, list[int]] = {mode.value: [] for mode in EvaluationMode}
    population: list[int] = []
    for day in range(plan.days):
        now = account.advance() if day else account.now
        roles = account.roles()
        population.append(len(roles))
        event = ConfigRuleEvent(
            account_id=account.account_id,
            rule_name=RULE,
            result_token="token",
            notification_time=now,
        )
        for mode, (mode_settings, config) in modes.items():
            before = config.evaluations_posted
            run_rule(event, mode_settings, roles, config, config, kind=ROLES)
            daily[mode.value].append(config.evaluations_posted - before)
        full_held = modes[EvaluationMode.FULL][1].held()
        changes_held = modes[EvaluationMode.CHANGES][1].held()
        if {k: v[0] for k, v in full_held.items()} != {k: v[0] for k, v in changes_held.items()}:
            raise BenchmarkError(f"churn: day {day + 1}: the two modes hold different compliance")
    log(f"churn: {plan.days} days, {population[-1]} roles at the end")
    full = sum(daily["full"])
    changes = sum(daily["changes"])
    later = daily["changes"][1:]
    daily_changes = sum(later) / len(later) if later else 0.0
    return {
        "roles_at_start": plan.roles,
        "roles_at_end": population[-1],
        "days": plan.days,
        "churn": {
            key: getattr(Churn(), key)
            for key in ("active_share", "stop_rate", "wake_rate", "create_rate", "delete_rate")
        },
        "full": {"evaluations": full, "usd": str(config_evaluations_price(full))},
        "changes": {"evaluations": changes, "usd": str(config_evaluations_price(changes))},
        "changes_share_of_full": round(changes / full, 4) if full else None,
        "changes_daily_after_first_run": round(daily_changes, 1),
        "observed_daily_change_rate": round(daily_changes / population[-1], 4),
        "posted_by_day": daily,
        "prices_taken": PRICES_TAKEN,
    }
