"""A run's time budget: which changes may still start in the time a run has left.

Lambda kills a run at its timeout wherever it is. ``Budget`` reads the time left through a
callable (the Lambda context's ``get_remaining_time_in_millis``; a fake in tests) and
answers three questions: may another owner's changes start (``allows_owner``: not under
``margin_ms``), may a change of so many AWS calls start and still finish
(``allows_calls``: each call costed at its worst, ``call_ms``), and how long may a notice
take (``delivery_seconds``: what is left above the margin). Without a callable (the
command line) everything may start. Pure: no clock, no boto3; it never sleeps or waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Budget", "worst_call_ms"]


def worst_call_ms(
    connect_s: float, read_s: float, attempts: int, backoff_cap_s: float = 20.0
) -> int:
    """The longest one AWS call can take with these client settings: every attempt waits
    its whole connect and read timeouts, and botocore's back-off between attempts (at most
    2**n seconds before attempt n+1, capped at ``backoff_cap_s``) takes its longest."""
    waits = sum(min(2.0**n, backoff_cap_s) for n in range(1, max(attempts, 1)))
    return int(1000 * (max(attempts, 1) * (connect_s + read_s) + waits))


@dataclass(frozen=True, slots=True)
class Budget:
    """The time a run has left (``remaining_ms``, None: unbounded) and what a change costs."""

    remaining_ms: Callable[[], int] | None = None
    # No owner's changes start with less than this left: time for its notice and its
    # quarantines, and for the run's summary line.
    margin_ms: int = 120_000
    # The worst case of one AWS call (see worst_call_ms); a delete is costed call by call.
    call_ms: int = 51_000
    # What a run needs after its last change: the summary line and the error it may raise.
    reserve_ms: int = 10_000

    def left_ms(self) -> int | None:
        return None if self.remaining_ms is None else int(self.remaining_ms())

    def allows_owner(self) -> bool:
        left = self.left_ms()
        return left is None or left >= self.margin_ms

    def needed_ms(self, calls: int) -> int:
        return self.reserve_ms + calls * self.call_ms

    def allows_calls(self, calls: int) -> bool:
        """A change of ``calls`` AWS calls can finish, each at its worst, before the end."""
        left = self.left_ms()
        return left is None or left >= self.needed_ms(calls)

    def delivery_seconds(self) -> float | None:
        """How long a notice may take (None: no bound): the time left above the margin, so
        that a webhook that never answers cannot eat the owner's changes or the run."""
        left = self.left_ms()
        if left is None:
            return None
        return max(0.0, (left - self.margin_ms) / 1000)

    def describe_left(self) -> str:
        left = self.left_ms()
        return "no limit" if left is None else f"{left / 1000:.0f} s"
