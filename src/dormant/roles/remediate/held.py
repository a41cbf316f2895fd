"""A retire step held back because AWS's finding and dormant do not both say unused.

With ``--source`` (``dormant retire``, the retire stack's ``Source``), a notice, quarantine
or delete is made only where both agree; anywhere else the step becomes ``keep``, saying
why. Clearing a notice and keeping take nothing away, so they are never held. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from dormant.remediation.notice import LifecycleStep

__all__ = ["HELD_STEPS", "hold"]

HELD_STEPS = frozenset({LifecycleStep.NOTIFY, LifecycleStep.QUARANTINE, LifecycleStep.DELETE})

T = TypeVar("T", bound=Any)


def hold(item: T, why: str | None) -> T:
    """``item`` (a planned step) kept instead, when ``why`` says why it may not be made."""
    if why is None or item.step not in HELD_STEPS:
        return item
    return replace(item, step=LifecycleStep.KEEP, reason=f"not {item.step}: {why}", next=None)
