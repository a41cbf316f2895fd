"""What every fake in ``dormant.testing`` shares: planned failures and AWS-shaped errors.

``Failures`` holds the calls a test told a fake to fail; ``aws_error`` builds the exact
``AwsAccessError`` dormant's boto3 adapters raise for the same AWS answer (see
``dormant.aws.session.aws_call``), so code under test cannot tell a fake's error from a real
one. Standard library and ``dormant.core.errors`` only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dormant.core.errors import ACCESS_DENIED_CODES, AwsAccessError

__all__ = ["Failure", "Failures", "aws_error"]


def aws_error(label: str, code: str, message: str, account_id: str = "") -> AwsAccessError:
    """The error an adapter raises when AWS answers ``label`` (``iam:DeleteRole of role x``)
    with ``code``: the call, the account, denied or failed, AWS's code and message."""
    where = f" in account {account_id}" if account_id else ""
    kind = "denied" if code in ACCESS_DENIED_CODES else "failed"
    return AwsAccessError(
        f"{label}{where} {kind}: {code}: {message}",
        operation=label,
        account_id=account_id,
        code=code,
    )


@dataclass
class Failure:
    """One planned failure: ``operation`` on ``subject`` (a role name, a resource id; None
    for any) answers ``code``/``message``, for the next ``times`` calls (None: every call)
    after letting ``after`` matching calls through."""

    operation: str
    code: str
    message: str
    subject: str | None = None
    times: int | None = 1
    after: int = 0
    hits: int = 0

    def matches(self, operation: str, subject: str | None) -> bool:
        return self.operation == operation and self.subject in (None, subject)


class Failures:
    """The failures planned for one fake, taken in the order they were planned. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: list[Failure] = []

    def plan(
        self,
        operation: str,
        code: str,
        message: str,
        *,
        subject: str | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> Failure:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 or None, got {times}")
        if after < 0:
            raise ValueError(f"after must be at least 0, got {after}")
        failure = Failure(operation, code, message, subject, times, after)
        with self._lock:
            self._planned.append(failure)
        return failure

    def take(self, operation: str, subject: str | None = None) -> Failure | None:
        """The planned failure for this call, used up once; None: the call succeeds."""
        with self._lock:
            for failure in self._planned:
                if failure.matches(operation, subject):
                    if failure.after > 0:
                        failure.after -= 1
                        return None
                    failure.hits += 1
                    if failure.times is not None and failure.hits >= failure.times:
                        self._planned.remove(failure)
                    return failure
        return None

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()
