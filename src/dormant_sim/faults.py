"""Faults a test plans: per-request latency, injected AWS errors, timeouts, kills, failed
evaluations.

`dormant_sim.dispatch` consults this module on every request it serves (delay, then maybe
answer with an injected error, time out, or kill the run); `dormant_sim.config` takes
evaluation-failure plans from it. A kill (`kill_at`) raises `RunKilled`, which derives from
`BaseException` so that no `except Exception` in the code under test stops it: the run ends
at that call, before or after it took effect, as Lambda ends a function at its timeout.
State is process-global, as moto's backends are; `reset()` clears it.
Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.core import errors as moto_errors

__all__ = [
    "AWS_COMMON_ERROR_CODES",
    "Injection",
    "RunKilled",
    "clear_injections",
    "deny_assume_role",
    "fail_evaluations",
    "get_latency",
    "inject_error",
    "inject_timeout",
    "kill_at",
    "latency",
    "reset",
    "set_latency",
    "take_evaluation_failures",
    "take_injection",
]

# AWS's common errors (any operation may return them), which moto warns about when a service
# model does not list them. `dormant_sim.dispatch` declares them to moto on install.
AWS_COMMON_ERROR_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidClientTokenId",
    "RequestExpired",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
)


class RunKilled(BaseException):
    """The run was stopped at a call (`kill_at`); never caught by the code under test."""

    def __init__(self, service: str, operation: str, after: bool) -> None:
        when = "after" if after else "before"
        super().__init__(f"run killed {when} {service}:{operation}")
        self.service, self.operation, self.after = service, operation, after


@dataclass
class Injection:
    """A planned fault: the next matching request(s) fail with `code`/`message`.

    `skip` matching requests pass untouched first (the fault hits the Nth). `effect` is
    "error" (an AWS error answer), "timeout" (the client's read times out: botocore retries
    it as it would a real one) or "kill-before"/"kill-after" (`RunKilled` is raised, before
    the request is served or after it took effect).
    """

    service: str
    operation: str
    code: str
    message: str
    times: int | None  # None: every matching request, until cleared
    account_id: str | None
    status: int | None
    when: Callable[[Mapping[str, Any]], bool] | None
    hits: int = 0
    skip: int = 0
    effect: str = "error"

    def matches(self, service: str, operation: str, account_id: str) -> bool:
        return (
            self.service == service
            and self.operation == operation
            and (self.account_id is None or self.account_id == account_id)
        )


@dataclass
class _EvaluationFailurePlan:
    count: int
    calls_left: int


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: float = 0.0
    injections: list[Injection] = field(default_factory=list)
    evaluation_failures: list[_EvaluationFailurePlan] = field(default_factory=list)


_state = _State()


def set_latency(seconds: float) -> None:
    """Delay every request the simulation serves by `seconds` (0 turns it off)."""
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"latency must be a finite number >= 0, got {seconds!r}")
    with _state.lock:
        _state.latency = float(seconds)


def get_latency() -> float:
    with _state.lock:
        return _state.latency


@contextmanager
def latency(seconds: float) -> Iterator[None]:
    """Apply a per-request latency for the duration of a `with` block."""
    previous = get_latency()
    set_latency(seconds)
    try:
        yield
    finally:
        set_latency(previous)


def inject_error(
    service: str,
    operation: str,
    code: str,
    message: str = "Injected by the simulation",
    *,
    times: int | None = 1,
    account_id: str | None = None,
    status: int | None = None,
    when: Callable[[Mapping[str, Any]], bool] | None = None,
    skip: int = 0,
) -> Injection:
    """Make the next `times` matching requests fail with an AWS error `code` (after `skip`
    matching requests that pass).

    `service` is moto's service name ("iam", "sts", "config", "organizations"), `operation` the
    API name ("DeleteRole"). `account_id` restricts it to callers in that account; `when`
    receives the request's parameters (e.g. {"RoleName": "x"}) and restricts it further.
    `times=None` fails every matching request until `clear_injections()`/`reset()`.
    `status` defaults to the HTTP status AWS's model gives the code (else 400).
    """
    if times is not None and times < 1:
        raise ValueError(f"times must be >= 1 or None, got {times}")
    injection = Injection(
        service, operation, code, message, times, account_id, status, when, skip=skip
    )
    with _state.lock:
        # moto's list of codes that need no error shape in the service model; an injected
        # code is one the test means to produce, so moto need not warn about it.
        if code not in moto_errors.COMMON_ERROR_CODES:
            moto_errors.COMMON_ERROR_CODES.append(code)
        _state.injections.append(injection)
    return injection


def inject_timeout(
    service: str,
    operation: str,
    *,
    times: int | None = 1,
    skip: int = 0,
    when: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Injection:
    """Make the next `times` matching requests time out (botocore's ReadTimeoutError), after
    `skip` that pass. The request is not served: a timed-out call changed nothing."""
    timeout = Injection(service, operation, "ReadTimeout", "", times, None, None, when)
    timeout.effect = "timeout"
    return _plan(timeout, skip)


def kill_at(
    service: str,
    operation: str,
    *,
    skip: int = 0,
    after: bool = False,
    when: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Injection:
    """Kill the run at the (`skip` + 1)th matching request: raise `RunKilled` before it is
    served, or (`after`) once it took effect, before its answer reaches the caller."""
    effect = "kill-after" if after else "kill-before"
    return _plan(
        Injection(service, operation, "RunKilled", "", 1, None, None, when, effect=effect), skip
    )


def _plan(injection: Injection, skip: int) -> Injection:
    if skip < 0:
        raise ValueError(f"skip must be >= 0, got {skip}")
    if injection.times is not None and injection.times < 1:
        raise ValueError(f"times must be >= 1 or None, got {injection.times}")
    injection.skip = skip
    with _state.lock:
        _state.injections.append(injection)
    return injection


def deny_assume_role(
    account_id: str, role_name: str | None = None, *, times: int | None = None
) -> Injection:
    """Make sts:AssumeRole into `account_id` (optionally only `role_name`) fail AccessDenied.

    moto lets anyone assume any role; real AWS refuses unless the trust policy allows it.
    """

    def targets(params: Mapping[str, Any]) -> bool:
        arn = str(params.get("RoleArn", ""))
        parts = arn.split(":")
        if len(parts) < 6 or parts[4] != account_id:
            return False
        return role_name is None or parts[5].rsplit("/", 1)[-1] == role_name

    return inject_error(
        "sts",
        "AssumeRole",
        "AccessDenied",
        f"User is not authorized to perform: sts:AssumeRole on resource: "
        f"arn:aws:iam::{account_id}:role/{role_name or '*'}",
        times=times,
        status=403,
        when=targets,
    )


def fail_evaluations(count: int, *, calls: int = 1) -> None:
    """Make the next `calls` PutEvaluations return their first `count` evaluations as failed.

    Failed evaluations come back in `FailedEvaluations` and are not stored, as when AWS Config
    cannot process part of a batch; the caller is expected to retry them.
    """
    if count < 1 or calls < 1:
        raise ValueError("count and calls must be >= 1")
    with _state.lock:
        _state.evaluation_failures.append(_EvaluationFailurePlan(count, calls))


def clear_injections() -> None:
    """Forget planned errors and evaluation failures (latency stays)."""
    with _state.lock:
        _state.injections.clear()
        _state.evaluation_failures.clear()


def reset() -> None:
    """Forget latency, planned errors and evaluation failures."""
    with _state.lock:
        _state.latency = 0.0
        _state.injections.clear()
        _state.evaluation_failures.clear()


def take_injection(
    service: str, operation: str, account_id: str, params: Callable[[], Mapping[str, Any]]
) -> Injection | None:
    """The planned error for this request, if any, counted as used.

    `params` is called only when an injection could match, since parsing a request costs.
    """
    with _state.lock:
        candidates = [i for i in _state.injections if i.matches(service, operation, account_id)]
    if not candidates:
        return None
    request_params = params()
    with _state.lock:
        for injection in candidates:
            if injection not in _state.injections:
                continue  # used up by a concurrent request
            if injection.when is not None and not injection.when(request_params):
                continue
            if injection.skip > 0:
                injection.skip -= 1
                continue
            injection.hits += 1
            if injection.times is not None and injection.hits >= injection.times:
                _state.injections.remove(injection)
            return injection
    return None


def take_evaluation_failures(batch_size: int) -> int:
    """How many of a PutEvaluations batch of `batch_size` fail under the current plan."""
    with _state.lock:
        if not _state.evaluation_failures:
            return 0
        plan = _state.evaluation_failures[0]
        plan.calls_left -= 1
        if plan.calls_left <= 0:
            _state.evaluation_failures.pop(0)
        return min(plan.count, batch_size)
