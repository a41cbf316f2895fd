"""The clock: where the edges (the Lambda handlers, the command line) take "now" from.

``Clock`` is any function returning an aware UTC ``datetime``; ``system_clock`` is the real
one. Pure code never calls a clock: it takes ``now`` as an argument, and the edge that
builds it reads the clock once. Tests hand the edges a clock of their own; nothing read
from an event, a file or an option replaces it for a change in AWS. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "system_clock"]

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
