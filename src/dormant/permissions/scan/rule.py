"""The permissions Config rule's run: the oldest results first, within Lambda's time.

``run_permissions_rule`` reads the rule's history (what ``dormant.engine.rule.run_rule``
reads anyway) while the roles are listed, orders the roles whose decision needs their
last-access data by when Config recorded their result (none first, then the oldest), reads
them through the pipeline under a ``TimeBudget`` and hands every decided role to ``run_rule``
with the ones not reached as ``unreached``: nothing is posted for those, they keep their last
result and are never taken for deleted, and the next run starts with them. A role whose
read failed (a FAILED job, throttling beyond the retries) is left the same way and listed in
``failures``; a refused call (a missing permission: every role would meet it) fails the run
before anything is posted.

Pure orchestration over the protocols: never import boto3 or ``dormant.aws``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from dormant.core.errors import AwsAccessError
from dormant.core.evaluations import ANNOTATION_ROLE_DELETED
from dormant.core.events import ConfigRuleEvent
from dormant.core.model import RESOURCE_TYPE_ROLE, AccountFailure
from dormant.core.settings import Settings
from dormant.engine.rule import (
    ComplianceHistory,
    EvaluationSink,
    RuleKind,
    RuleRunSummary,
    oldest_first,
    read_history,
    run_rule,
)
from dormant.permissions.decide import needs_access
from dormant.permissions.model import PermissionsFinding
from dormant.permissions.scan import (
    DEFAULT_ACCESS_WORKERS,
    DEFAULT_IN_FLIGHT,
    AccessJobs,
    scan_permissions,
)
from dormant.roles.model import Role

__all__ = [
    "CALLS_IN_FLIGHT_SECONDS",
    "POSTING_SECONDS",
    "START_MARGIN_SECONDS",
    "STOP_MARGIN_SECONDS",
    "PermissionsRun",
    "TimeBudget",
    "run_permissions_rule",
]

# No job is started once less than this is left of the invocation: the jobs in flight
# finish in seconds (a few polls), and the history is already read.
START_MARGIN_SECONDS = 60.0


# Jobs still unfinished with this little left are dropped. The calls then in flight still
# run to their end: the rule's clients bound each to CALLS_IN_FLIGHT_SECONDS (connect and
# read timeouts, a retry cap: dormant.permissions.aws.rule_client_config). Then posting
# 5,000 evaluations is 50 PutEvaluations calls, 4 at a time, a few seconds even when Config
# is slow.
CALLS_IN_FLIGHT_SECONDS = 30.0
POSTING_SECONDS = 15.0
STOP_MARGIN_SECONDS = CALLS_IN_FLIGHT_SECONDS + POSTING_SECONDS


@dataclass(frozen=True, slots=True)
class TimeBudget:
    """A ``RunBudget`` over the invocation's remaining time (Lambda's
    ``context.get_remaining_time_in_millis``)."""

    remaining_ms: Callable[[], int]
    start_margin_s: float = START_MARGIN_SECONDS
    stop_margin_s: float = STOP_MARGIN_SECONDS

    def may_start(self) -> bool:
        return self.remaining_ms() > self.start_margin_s * 1000

    def must_stop(self) -> bool:
        return self.remaining_ms() < self.stop_margin_s * 1000


@dataclass(frozen=True, slots=True)
class PermissionsRun:
    """What the run reported, and the roles whose read failed (left for the next run)."""

    summary: RuleRunSummary
    failures: tuple[AccountFailure, ...] = ()


def _already_decided(finding: PermissionsFinding, _: Settings, __: datetime) -> PermissionsFinding:
    return finding


# The findings come decided by ``evaluate_permissions`` (what ``PERMISSIONS.decide`` calls).
_DECIDED: RuleKind[PermissionsFinding, PermissionsFinding] = RuleKind(
    resource_type=RESOURCE_TYPE_ROLE,
    decide=_already_decided,
    gone_annotation=ANNOTATION_ROLE_DELETED,
)


def run_permissions_rule(
    event: ConfigRuleEvent,
    settings: Settings,
    roles: Iterable[Role],
    jobs: AccessJobs,
    sink: EvaluationSink,
    history: ComplianceHistory | None,
    *,
    budget: TimeBudget | None = None,
    workers: int = DEFAULT_ACCESS_WORKERS,
    in_flight: int = DEFAULT_IN_FLIGHT,
) -> PermissionsRun:
    """One scheduled run of the permissions rule (see the module docstring)."""
    now = event.notification_time
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dormant-history") as pool:
        reading = pool.submit(read_history, history, event.rule_name, settings)
        listed = list(roles)
        recorded = reading.result()
    by_id = {role.role_id: role for role in listed}
    wanted = [role.role_id for role in listed if needs_access(role, settings, now)]
    ordered = [by_id[rid] for rid in oldest_first(wanted, recorded, RESOURCE_TYPE_ROLE)]
    ordered += [role for role in listed if not needs_access(role, settings, now)]
    result = scan_permissions(
        jobs,
        ordered,
        settings=settings,
        now=now,
        workers=workers,
        in_flight=in_flight,
        budget=budget,
    )
    if result.denied:
        denied = next(f for f in result.failures if " denied: " in f.message)
        raise AwsAccessError(
            denied.message, operation=denied.operation, account_id=denied.account_id
        )
    unreached = {role.role_id for role in [*result.left, *result.failed_roles]}
    summary = run_rule(
        event,
        settings,
        result.findings,
        sink,
        history,
        kind=_DECIDED,
        recorded=recorded,
        unreached=unreached,
    )
    return PermissionsRun(summary, tuple(result.failures))
