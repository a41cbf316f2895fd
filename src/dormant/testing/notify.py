"""An in-memory notice channel: a ``dormant.notify.channel.Channel`` that keeps what it was
sent, and can be told to fail for one owner, as an undelivered SNS message or webhook post
would (``NotificationError``).

Standard library and dormant's pure core only.
"""

from __future__ import annotations

import threading

from dormant.core.errors import NotificationError
from dormant.notify.message import Message

__all__ = ["InMemoryChannel"]


class InMemoryChannel:
    """Keeps every delivered message in ``sent``, in order."""

    def __init__(self, label: str = "memory") -> None:
        self._label = label
        self.sent: list[Message] = []
        self.windows: list[float | None] = []  # each delivery's ``within``, in order
        self._failing: dict[str | None, str] = {}
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self._label

    def fail(self, owner: str | None = None, problem: str = "injected failure") -> None:
        """Every later message to ``owner`` (None: to anyone) fails with ``problem``."""
        with self._lock:
            self._failing[owner] = problem

    def recover(self) -> None:
        with self._lock:
            self._failing.clear()

    def deliver(self, message: Message, *, within: float | None = None) -> None:
        with self._lock:
            self.windows.append(within)
            problem = self._failing.get(message.owner, self._failing.get(None))
            if problem is not None:
                raise NotificationError(f"{self._label}: {problem}")
            self.sent.append(message)

    def to(self, owner: str) -> list[Message]:
        """The messages delivered to one owner."""
        with self._lock:
            return [m for m in self.sent if m.owner == owner]
