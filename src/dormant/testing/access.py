"""In-memory service last-access jobs for tests: ``AccessJobs`` and ``AccessSource``.

``InMemoryAccessSource`` answers ``dormant.permissions.scan.AccessJobs`` (``start``: a job id;
``read``: ``IN_PROGRESS`` for the job's first ``polls_to_complete`` polls, then ``COMPLETED``
with the role's services, ``page_size`` a page, with a marker) and the one-role
``AccessSource`` from a mapping of role name to ``ServiceAccess`` records. It keeps a virtual
clock (``clock``; its ``polling`` sleeps by moving it on, and each call may cost
``call_seconds`` of it), records every call (``calls``; ``on_call`` runs inside each, so a
test may hold calls there), and measures what the scheduler must bound: the most calls at
once (``max_concurrent``) and the most jobs started and not yet read to their last page
(``max_in_flight``). It can be told to fail a role the way the IAM adapter
(``dormant.permissions.aws.IamAccessSource``) fails it: a denied or throttled call, or a job
that ends FAILED.

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from dormant.permissions.model import ServiceAccess
from dormant.permissions.scan.pipeline import (
    GENERATE,
    GET,
    JobPage,
    JobStatus,
    Polling,
    read_access,
)
from dormant.roles.model import Role
from dormant.testing.injection import Failures, aws_error

__all__ = ["AccessCall", "InMemoryAccessSource", "VirtualClock"]


class VirtualClock:
    """Time that moves only when told: ``sleep`` and ``advance`` move it on. Thread-safe."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += seconds


@dataclass(frozen=True, slots=True)
class AccessCall:
    """One call the source answered: ``operation`` is GENERATE or GET, ``at`` its start."""

    operation: str
    role_name: str
    at: float
    marker: str | None = None


@dataclass
class _Job:
    role: Role
    polls_left: int
    failure: str | None


class InMemoryAccessSource:
    """Jobs over ``{role name: [ServiceAccess, ...]}`` (unknown roles grant nothing)."""

    def __init__(
        self,
        access: Mapping[str, Iterable[ServiceAccess]] | None = None,
        *,
        polls_to_complete: int = 0,
        page_size: int = 1000,
        call_seconds: float = 0.0,
        clock: VirtualClock | None = None,
        polling: Polling | None = None,
        on_call: Callable[[AccessCall], None] | None = None,
    ) -> None:
        if polls_to_complete < 0 or page_size < 1 or call_seconds < 0:
            raise ValueError("polls_to_complete >= 0, page_size >= 1, call_seconds >= 0")
        self.access = {name: tuple(records) for name, records in (access or {}).items()}
        self.polls_to_complete = polls_to_complete
        self.page_size = page_size
        self.call_seconds = call_seconds
        self.on_call = on_call  # runs inside each call (a test may hold calls there)
        self.clock = clock or VirtualClock()
        self._polling = polling or Polling(sleep=self.clock.sleep, clock=self.clock)
        self.asked: list[str] = []  # role names whose job was started, in that order
        self.calls: list[AccessCall] = []
        self.failures = Failures()
        self.max_concurrent = 0
        self.max_in_flight = 0
        self._running = 0
        self._open: set[str] = set()
        self._jobs: dict[str, _Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def polling(self) -> Polling:
        return self._polling

    def fail(self, role_name: str, code: str, message: str, *, operation: str = "Generate") -> None:
        """The role's next ``operation`` call ("Generate" or "Get") answers ``code``."""
        self.failures.plan(operation, code, message, subject=role_name)

    def fail_job(self, role_name: str, message: str = "The job failed to complete") -> None:
        """The role's next job ends FAILED."""
        self.failures.plan("Job", "JobFailed", message, subject=role_name)

    def _enter(self, operation: str, role: Role, marker: str | None = None) -> None:
        call = AccessCall(operation, role.name, self.clock(), marker)
        with self._lock:
            self.calls.append(call)
            self._running += 1
            self.max_concurrent = max(self.max_concurrent, self._running)
        if self.on_call is not None:
            self.on_call(call)

    def _leave(self) -> None:
        if self.call_seconds:
            self.clock.advance(self.call_seconds)
        with self._lock:
            self._running -= 1

    def start(self, role: Role) -> str:
        self._enter(GENERATE, role)
        try:
            failure = self.failures.take("Generate", role.name)
            if failure is not None:
                raise aws_error(
                    f"{GENERATE} of role {role.name}",
                    failure.code,
                    failure.message,
                    role.account_id,
                )
            job = self.failures.take("Job", role.name)
            job_id = f"job-{next(self._ids)}"
            with self._lock:
                self.asked.append(role.name)
                self._jobs[job_id] = _Job(
                    role, self.polls_to_complete, None if job is None else job.message
                )
                self._open.add(job_id)
                self.max_in_flight = max(self.max_in_flight, len(self._open))
            return job_id
        finally:
            self._leave()

    def read(self, role: Role, job_id: str, marker: str | None = None) -> JobPage:
        self._enter(GET, role, marker)
        try:
            failure = self.failures.take("Get", role.name)
            if failure is not None:
                with self._lock:
                    self._open.discard(job_id)  # a failed read ends its role: nobody reads on
                raise aws_error(
                    f"{GET} of role {role.name}", failure.code, failure.message, role.account_id
                )
            with self._lock:
                job = self._jobs[job_id]
                if job.polls_left > 0:
                    job.polls_left -= 1
                    return JobPage(JobStatus.IN_PROGRESS)
                if job.failure is not None:
                    self._open.discard(job_id)
                    return JobPage(
                        JobStatus.FAILED, error_code="JobFailed", error_message=job.failure
                    )
                records = self.access.get(role.name, ())
                start = int(marker or 0)
                end = start + self.page_size
                if end >= len(records):
                    self._open.discard(job_id)
                return JobPage(
                    JobStatus.COMPLETED,
                    records[start:end],
                    marker=str(end) if end < len(records) else None,
                )
        finally:
            self._leave()

    def service_access(self, role: Role) -> Sequence[ServiceAccess]:
        """One role's services through the same jobs; raises the role's failure."""
        (outcome,) = read_access(self, [role], workers=1, in_flight=1).outcomes
        if outcome.error is not None:
            raise outcome.error
        return outcome.access
