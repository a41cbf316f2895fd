"""The call recorder: every request the simulation serves, by account, region and operation.

`dormant_sim.dispatch` records each request before it is served (the simulation's own seeding
requests excepted), so tests can assert how many calls the code under test made.
Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

__all__ = ["Call", "Recorder", "recorder"]


class Call(NamedTuple):
    """One request the simulation served."""

    account_id: str
    region: str
    service: str
    operation: str


class Recorder:
    """Thread-safe log of every request served (except the simulation's own seeding)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def records(
        self,
        service: str | None = None,
        operation: str | None = None,
        account_id: str | None = None,
    ) -> list[Call]:
        """The recorded calls, oldest first, optionally filtered."""
        with self._lock:
            snapshot = list(self._calls)
        return [
            c
            for c in snapshot
            if (service is None or c.service == service)
            and (operation is None or c.operation == operation)
            and (account_id is None or c.account_id == account_id)
        ]

    def calls(
        self,
        service: str | None = None,
        operation: str | None = None,
        account_id: str | None = None,
    ) -> int:
        """How many recorded calls match the filters (all calls when none is given)."""
        return len(self.records(service, operation, account_id))

    def counts(self, account_id: str | None = None) -> dict[str, int]:
        """Calls per "service:Operation", e.g. {"iam:GetAccountAuthorizationDetails": 3}."""
        result: dict[str, int] = {}
        for c in self.records(account_id=account_id):
            key = f"{c.service}:{c.operation}"
            result[key] = result.get(key, 0) + 1
        return result

    def write_calls(self) -> list[Call]:
        """Calls whose operation changes state (anything not Get/List/Describe-like)."""
        return [c for c in self.records() if not _is_read_operation(c.operation)]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()


def _is_read_operation(operation: str) -> bool:
    read_prefixes = ("Get", "List", "Describe", "Generate", "Simulate", "Select", "BatchGet")
    return operation.startswith(read_prefixes) or operation == "AssumeRole"


recorder = Recorder()
