"""``dormant cost``: what the rule costs in AWS Config a month, full against changes mode.

The command's edge only: options in, text or JSON out. The model and the prices are
``dormant.cost``; nothing here talks to AWS.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import click

from dormant.core.cost import (
    ACCESS_ANALYZER_PER_PRINCIPAL,
    CONFIG_EVALUATION_TIERS,
    PRICES_TAKEN,
    CostEstimate,
    Frequency,
    ModeCost,
    estimate,
)
from dormant.core.errors import InvalidParameter

__all__ = ["cost"]

_FORMATS = ("table", "json")
_CENT = Decimal("0.01")


def _count(value: str, option: str) -> int:
    if not re.fullmatch(r"\s*\+?\d+\s*", value):
        raise InvalidParameter(option, f"expected a whole number >= 0, got {value!r}")
    return int(value)


def _rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise InvalidParameter(
            "--daily-change-rate", f"expected a share between 0 and 1 (0.01 is 1%), got {value!r}"
        )
    return rate


def _frequency(value: str) -> Frequency:
    for frequency in Frequency:
        if value.strip() == frequency.value:
            return frequency
    choices = ", ".join(f.value for f in Frequency)
    raise InvalidParameter("--frequency", f"expected one of {choices}, got {value!r}")


def _usd(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def prices_text() -> str:
    tiers = []
    lower = 0
    for size, price in CONFIG_EVALUATION_TIERS:
        if size is None:
            tiers.append(f"${price} above {lower:,}")
        else:
            tiers.append(f"${price} for {'the first' if not lower else 'the next'} {size:,}")
            lower += size
    return (
        "AWS Config custom rule evaluations, per account and Region a month: "
        + ", ".join(tiers)
        + f"; IAM Access Analyzer unused access: ${ACCESS_ANALYZER_PER_PRINCIPAL} per role "
        f"or user a month. Public list prices as taken on {PRICES_TAKEN}."
    )


def _as_json(result: CostEstimate) -> str:
    def mode(cost: ModeCost) -> dict[str, object]:
        return {"evaluations": cost.evaluations, "usd": str(cost.usd.quantize(_CENT))}

    return json.dumps(
        {
            "kind": "cost",
            "roles_per_account": result.roles,
            "users_per_account": result.users,
            "accounts": result.accounts,
            "frequency": result.frequency.value,
            "runs_a_day": result.frequency.runs_a_day,
            "daily_change_rate": result.daily_change_rate,
            "full": mode(result.full),
            "changes_first_month": mode(result.changes_first_month),
            "changes_later_months": mode(result.changes_later_months),
            "changes_first_month_share_of_full": round(result.changes_share_of_full, 4),
            "access_analyzer_unused_access": {
                "principals": result.access_analyzer.evaluations,
                "usd": str(result.access_analyzer.usd.quantize(_CENT)),
            },
            "prices_taken": PRICES_TAKEN,
            "prices": prices_text(),
        },
        indent=2,
    )


def _as_table(result: CostEstimate) -> str:
    rows = [
        ("full (every resource, every run)", f"{result.full.evaluations:,}", _usd(result.full.usd)),
        (
            "changes, first month",
            f"{result.changes_first_month.evaluations:,}",
            _usd(result.changes_first_month.usd),
        ),
        (
            "changes, later months",
            f"{result.changes_later_months.evaluations:,}",
            _usd(result.changes_later_months.usd),
        ),
        (
            "IAM Access Analyzer unused access",
            f"{result.access_analyzer.evaluations:,} principals",
            _usd(result.access_analyzer.usd),
        ),
    ]
    header = ("mode", "evaluations a month", "USD a month")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(3)]
    lines = [
        f"{result.accounts:,} account(s) x ({result.roles:,} roles + {result.users:,} users), "
        f"rule every {result.frequency.value} ({result.frequency.runs_a_day} run(s) a day), "
        f"{result.daily_change_rate:.2%} of results changing a day, 30-day month",
        "",
    ]
    for row in (header, *rows):
        lines.append(
            f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}".rstrip()
        )
    lines += [
        "",
        f"changes, first month: {result.changes_share_of_full:.1%} of full's evaluations",
        prices_text(),
    ]
    return "\n".join(lines)


@click.command(
    epilog="Model: full posts every resource every run; changes posts every resource once "
    "(the first run), then only the results that changed, once each. Exit codes: 0 printed; "
    "2 invalid option."
)
@click.option("--roles", "roles", default="0", metavar="N", help="IAM roles per account.")
@click.option("--users", "users", default="0", metavar="N", help="IAM users per account.")
@click.option(
    "--accounts",
    "accounts",
    default="1",
    metavar="N",
    help="Accounts, each priced on its own tiers.",
)
@click.option(
    "--frequency",
    default=Frequency.TWENTY_FOUR_HOURS.value,
    show_default=True,
    help="The rule's EvaluationFrequency: " + ", ".join(f.value for f in Frequency) + ".",
)
@click.option(
    "--daily-change-rate",
    "rate",
    default="0.01",
    show_default=True,
    metavar="R",
    help="Share of results (0..1) that change in a day, creations and deletions included.",
)
@click.option(
    "--format", "output_format", default="table", show_default=True, help="table or json."
)
def cost(
    roles: str, users: str, accounts: str, frequency: str, rate: str, output_format: str
) -> None:
    """Monthly AWS Config evaluations and dollars, full against changes mode.

    Needs --roles and/or --users, e.g. `dormant cost --roles 10000` (one account, daily).
    """
    if output_format not in _FORMATS:
        raise InvalidParameter("--format", f"expected table or json, got {output_format!r}")
    role_count, user_count = _count(roles, "--roles"), _count(users, "--users")
    if role_count == 0 and user_count == 0:
        # A price of nothing is no answer: say what the command needs.
        raise click.UsageError(
            "give the account's size with --roles N and/or --users N, "
            "e.g. dormant cost --roles 10000"
        )
    result = estimate(
        roles=role_count,
        users=user_count,
        accounts=_count(accounts, "--accounts"),
        frequency=_frequency(frequency),
        daily_change_rate=_rate(rate),
    )
    click.echo(_as_json(result) if output_format == "json" else _as_table(result))
