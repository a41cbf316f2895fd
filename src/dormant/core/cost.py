"""What the rule costs in AWS Config a month, in ``full`` and ``changes`` mode.

Pure arithmetic over public list prices (standard library only); ``dormant cost`` prints
it. The model, per account (Config bills each account and Region on its own tiers):

- resources ``N`` = roles + users of the account; runs a day ``k`` from the rule's
  frequency (24 hours: 1, ..., 1 hour: 24); a month is 30 days.
- ``full``: every run posts every resource: ``N * k * 30`` evaluations a month.
- ``changes``: the first run posts every resource once (``N``, the first month only);
  after that a run posts only results that changed. ``daily_change_rate`` is the share
  of resources whose result (compliance or annotation) changes in a day, creations and
  deletions included; each change is posted once, by the first run after it, however
  often the rule runs: ``N * rate * 30`` a month, plus ``N`` in the first month.
- IAM Access Analyzer's unused access analysis, for comparison: a flat price per role
  or user monitored a month.

Never reads the clock or the network: the prices are constants with the date they were
taken, and the output states it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "ACCESS_ANALYZER_PER_PRINCIPAL",
    "CONFIG_EVALUATION_TIERS",
    "PRICES_TAKEN",
    "CostEstimate",
    "Frequency",
    "ModeCost",
    "config_evaluations_price",
    "estimate",
]

# AWS Config pricing page, custom rule evaluations (per account and Region, a month),
# taken 2026-11-30: (evaluations in the tier, or None for the rest; USD each).
CONFIG_EVALUATION_TIERS: tuple[tuple[int | None, Decimal], ...] = (
    (100_000, Decimal("0.001")),
    (400_000, Decimal("0.0008")),
    (None, Decimal("0.0005")),
)


# IAM Access Analyzer pricing page, unused access analysis, taken 2026-11-30: USD per
# IAM role or user analysed a month.
ACCESS_ANALYZER_PER_PRINCIPAL = Decimal("0.20")


PRICES_TAKEN = "2026-11-30"


DAYS_A_MONTH = 30


class Frequency(enum.StrEnum):
    """Config's MaximumExecutionFrequency values for a periodic rule."""

    TWENTY_FOUR_HOURS = "TwentyFour_Hours"
    TWELVE_HOURS = "Twelve_Hours"
    SIX_HOURS = "Six_Hours"
    THREE_HOURS = "Three_Hours"
    ONE_HOUR = "One_Hour"

    @property
    def runs_a_day(self) -> int:
        return {
            Frequency.TWENTY_FOUR_HOURS: 1,
            Frequency.TWELVE_HOURS: 2,
            Frequency.SIX_HOURS: 4,
            Frequency.THREE_HOURS: 8,
            Frequency.ONE_HOUR: 24,
        }[self]


def config_evaluations_price(evaluations: int) -> Decimal:
    """USD for one account's evaluations in one Region and month, tier by tier."""
    if evaluations < 0:
        raise ValueError("evaluations must be >= 0")
    left, total = evaluations, Decimal(0)
    for size, price in CONFIG_EVALUATION_TIERS:
        taken = left if size is None else min(left, size)
        total += taken * price
        left -= taken
        if not left:
            break
    return total


@dataclass(frozen=True, slots=True)
class ModeCost:
    """Evaluations a month for the whole organization, and their price."""

    evaluations: int
    usd: Decimal


@dataclass(frozen=True, slots=True)
class CostEstimate:
    roles: int
    users: int
    accounts: int
    frequency: Frequency
    daily_change_rate: float
    full: ModeCost
    changes_first_month: ModeCost
    changes_later_months: ModeCost
    access_analyzer: ModeCost  # evaluations: the principals analysed

    @property
    def changes_share_of_full(self) -> float:
        """The first month of ``changes`` against a month of ``full``."""
        if not self.full.evaluations:
            return 0.0
        return self.changes_first_month.evaluations / self.full.evaluations


def _per_accounts(per_account: int, accounts: int) -> ModeCost:
    return ModeCost(per_account * accounts, config_evaluations_price(per_account) * accounts)


def estimate(
    *,
    roles: int,
    users: int = 0,
    accounts: int = 1,
    frequency: Frequency = Frequency.TWENTY_FOUR_HOURS,
    daily_change_rate: float = 0.01,
) -> CostEstimate:
    """``roles`` and ``users`` are per account; every account is priced on its own tiers."""
    if min(roles, users, accounts) < 0:
        raise ValueError("roles, users and accounts must be >= 0")
    if not 0 <= daily_change_rate <= 1:
        raise ValueError("daily_change_rate must be between 0 and 1")
    resources = roles + users
    full = resources * frequency.runs_a_day * DAYS_A_MONTH
    changed = round(resources * daily_change_rate * DAYS_A_MONTH)
    principals = resources * accounts
    return CostEstimate(
        roles=roles,
        users=users,
        accounts=accounts,
        frequency=frequency,
        daily_change_rate=daily_change_rate,
        full=_per_accounts(full, accounts),
        changes_first_month=_per_accounts(resources + changed, accounts),
        changes_later_months=_per_accounts(changed, accounts),
        access_analyzer=ModeCost(principals, principals * ACCESS_ANALYZER_PER_PRINCIPAL),
    )
