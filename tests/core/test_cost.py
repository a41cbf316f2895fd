"""``dormant cost``: the tiered arithmetic, and the command's output and errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.cost import Frequency, config_evaluations_price, estimate


@pytest.mark.parametrize(
    ("evaluations", "usd"),
    [
        (0, "0"),
        (100_000, "100"),
        (100_001, "100.0008"),
        (300_000, "260"),  # the blog's rule at 10,000 roles, daily
        (500_000, "420"),
        (500_002, "420.001"),
        (1_000_000, "670"),
    ],
)
def test_config_tiers(evaluations: int, usd: str) -> None:
    assert config_evaluations_price(evaluations) == Decimal(usd)


@given(st.integers(min_value=0, max_value=10**9))
def test_the_price_grows_with_every_evaluation_and_never_faster_than_the_first_tier(
    n: int,
) -> None:
    assert config_evaluations_price(n) <= config_evaluations_price(n + 1)
    assert config_evaluations_price(n + 1) - config_evaluations_price(n) <= Decimal("0.001")


def test_ten_thousand_roles_daily() -> None:
    result = estimate(roles=10_000, daily_change_rate=0.01)
    assert (result.full.evaluations, result.full.usd) == (300_000, Decimal(260))
    # First month: the initial post of 10,000 plus 1% a day for 30 days.
    assert result.changes_first_month.evaluations == 10_000 + 3_000
    assert result.changes_later_months.evaluations == 3_000
    assert result.changes_share_of_full <= 0.05
    assert result.access_analyzer.usd == Decimal(2000)


def test_changes_do_not_grow_with_the_frequency_and_accounts_have_their_own_tiers() -> None:
    hourly = estimate(roles=1_000, users=500, accounts=3, frequency=Frequency.ONE_HOUR)
    daily = estimate(roles=1_000, users=500, accounts=3)
    assert hourly.full.evaluations == 24 * daily.full.evaluations == 24 * 1_500 * 30 * 3
    assert hourly.changes_later_months == daily.changes_later_months
    assert hourly.full.usd == 3 * config_evaluations_price(24 * 1_500 * 30)
    assert hourly.access_analyzer.evaluations == 4_500


def test_cost_command_prints_both_modes_and_the_prices_date(dormant: Any) -> None:
    done = dormant("cost", "--roles", "10000")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    full = next(line for line in lines if line.startswith("full"))
    assert full.split()[-2:] == ["300,000", "$260.00"]
    first = next(line for line in lines if line.startswith("changes, first month "))
    assert first.split()[-2:] == ["13,000", "$13.00"]
    analyzer = next(line for line in lines if line.startswith("IAM Access Analyzer"))
    assert analyzer.split()[-1] == "$2,000.00"
    assert "2026-11-30" in done.stdout


def test_cost_command_json(dormant: Any) -> None:
    done = dormant(
        "cost",
        "--roles",
        "200",
        "--users",
        "50",
        "--accounts",
        "4",
        "--frequency",
        "Six_Hours",
        "--daily-change-rate",
        "0.02",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["full"] == {"evaluations": 250 * 4 * 30 * 4, "usd": "120.00"}
    assert result["changes_later_months"] == {"evaluations": 150 * 4, "usd": "0.60"}
    assert result["access_analyzer_unused_access"] == {"principals": 1000, "usd": "200.00"}
    assert result["prices_taken"] == "2026-11-30"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--roles", "-5"), "--roles"),
        (("--roles", "10", "--users", "many"), "--users"),
        (("--roles", "10", "--accounts", "-1"), "--accounts"),
        (("--roles", "10", "--daily-change-rate", "1.5"), "--daily-change-rate"),
        (("--roles", "10", "--daily-change-rate", "-0.1"), "--daily-change-rate"),
        (("--roles", "10", "--frequency", "Daily"), "--frequency"),
        (("--roles", "10", "--format", "xml"), "--format"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(dormant: Any, args: tuple[str, ...], option: str) -> None:
    done = dormant("cost", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"dormant: error: invalid parameter {option}:")
