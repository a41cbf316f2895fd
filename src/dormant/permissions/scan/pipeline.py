"""Service last-access jobs, pipelined: many IAM jobs started ahead and polled round-robin.

A role's data costs one ``GenerateServiceLastAccessedDetails`` (``AccessJobs.start``), then
``GetServiceLastAccessedDetails`` polls until the job completes (``AccessJobs.read``), whose
completing answer is the first page; ``Marker`` brings the next ones. Almost all of a role's
time is IAM finishing the job, so ``read_access`` keeps up to ``in_flight`` jobs started and
not yet read, while at most ``workers`` calls run at once: a job that is not finished waits
its back-off on a timer, holding no worker. Steps of jobs already started (a due poll, the
next page) go before starting another job, so started jobs finish and free their slot.

Back-off per job: the first poll right after the generate, then jittered waits from
``Polling.first_delay`` doubling up to ``max_delay``; a job still running after ``max_wait``
seconds of waiting fails its role, as does a ``FAILED`` job or a call that raises (the
adapter raises ``AwsAccessError`` once botocore's retries are spent). Failures are values: one
role's failure never stops the others.

A ``RunBudget`` may stop the read early: ``may_start`` is asked before each new job (no new
job once it says no), ``must_stop`` before each step (jobs not finished then are dropped).
Roles not read are returned as ``left``, never as failures.

The clock, the sleep and the jitter are ``Polling`` fields, so tests drive the scheduler with
a fake clock and never wait. Standard library only: never import boto3 or ``dormant.aws``.
"""

from __future__ import annotations

import enum
import heapq
import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from dormant.core.errors import AwsAccessError
from dormant.permissions.model import ServiceAccess
from dormant.roles.model import Role

__all__ = [
    "DEFAULT_ACCESS_WORKERS",
    "DEFAULT_IN_FLIGHT",
    "GENERATE",
    "GET",
    "AccessJobs",
    "AccessRead",
    "JobOutcome",
    "JobPage",
    "JobStatus",
    "Polling",
    "RunBudget",
    "read_access",
]

# IAM throttles service-last-accessed calls per account: a few calls at once is the sweet
# spot; jobs themselves run inside IAM, so many more can be started ahead.
DEFAULT_ACCESS_WORKERS = 4
DEFAULT_IN_FLIGHT = 32
MAX_IN_FLIGHT = 1000

GENERATE = "iam:GenerateServiceLastAccessedDetails"
GET = "iam:GetServiceLastAccessedDetails"


class JobStatus(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class JobPage:
    """One GetServiceLastAccessedDetails answer: a status, and when COMPLETED one page of
    services with the ``marker`` of the next page (None on the last); ``error`` when FAILED."""

    status: JobStatus
    services: tuple[ServiceAccess, ...] = ()
    marker: str | None = None
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True, slots=True)
class Polling:
    """How jobs are waited for; ``clock``, ``sleep`` and ``jitter`` are injectable."""

    first_delay: float = 0.5
    max_delay: float = 5.0
    max_wait: float = 120.0  # seconds of back-off one job may wait before its role fails
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform

    def __post_init__(self) -> None:
        if not 0 < self.first_delay <= self.max_delay:
            raise ValueError("delays must satisfy 0 < first_delay <= max_delay")


class AccessJobs(Protocol):
    """IAM's two job operations for one account; called from worker threads."""

    @property
    def polling(self) -> Polling: ...

    def start(self, role: Role) -> str:
        """GenerateServiceLastAccessedDetails: the job id, or ``AwsAccessError``."""
        ...

    def read(self, role: Role, job_id: str, marker: str | None = None) -> JobPage:
        """One GetServiceLastAccessedDetails call, or ``AwsAccessError``."""
        ...


class RunBudget(Protocol):
    def may_start(self) -> bool:
        """Whether another job may be started."""
        ...

    def must_stop(self) -> bool:
        """Whether to drop the jobs not finished and return now."""
        ...


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """A role's services (``access``), or the error its read ended with."""

    role: Role
    access: tuple[ServiceAccess, ...] = ()
    error: Exception | None = None


@dataclass(slots=True)
class AccessRead:
    """Every role read (``outcomes``, in the roles' order) and those never finished (``left``)."""

    outcomes: list[JobOutcome]
    left: list[Role]


@dataclass(slots=True)
class _Job:
    index: int
    role: Role
    delay: float
    job_id: str | None = None
    marker: str | None = None
    waited: float = 0.0
    services: list[ServiceAccess] = field(default_factory=list)


class _Time:
    """The clock, never behind the end of the last sleep (a fake sleep moves time on)."""

    def __init__(self, polling: Polling) -> None:
        self._clock = polling.clock
        self._sleep = polling.sleep
        self._floor = -math.inf

    def now(self) -> float:
        return max(self._clock(), self._floor)

    def sleep_until(self, due: float) -> None:
        pause = due - self.now()
        if pause > 0:
            self._sleep(pause)
        self._floor = max(self._floor, due)


def _step(jobs: AccessJobs, job: _Job) -> str | JobPage:
    if job.job_id is None:
        return jobs.start(job.role)
    return jobs.read(job.role, job.job_id, job.marker)


def _job_error(job: _Job, text: str) -> AwsAccessError:
    label = f"{GET} of role {job.role.name}"
    account = job.role.account_id
    where = f" in account {account}" if account else ""
    return AwsAccessError(f"{label}{where} failed: {text}", operation=label, account_id=account)


class _Scheduler:
    def __init__(
        self,
        jobs: AccessJobs,
        roles: Sequence[Role],
        *,
        workers: int,
        in_flight: int,
        budget: RunBudget | None,
        on_done: Callable[[JobOutcome], None] | None,
    ) -> None:
        self.jobs = jobs
        self.polling = jobs.polling
        self.time = _Time(self.polling)
        self.pending = deque(enumerate(roles))
        self.workers = workers
        self.in_flight = in_flight
        self.budget = budget
        self.on_done = on_done
        self.active = 0
        self.ready: deque[_Job] = deque()
        self.timers: list[tuple[float, int, _Job]] = []
        self.outcomes: dict[int, JobOutcome] = {}
        self.starting = True

    def finish(self, job: _Job, outcome: JobOutcome) -> None:
        self.active -= 1
        self.outcomes[job.index] = outcome
        if self.on_done is not None:
            self.on_done(outcome)

    def handle(self, job: _Job, result: str | JobPage) -> None:
        if isinstance(result, str):
            job.job_id = result
            self.ready.append(job)  # the first poll right away, as IAM's own examples do
            return
        if result.status is JobStatus.COMPLETED:
            job.services.extend(result.services)
            job.marker = result.marker
            if result.marker:
                self.ready.append(job)
            else:
                self.finish(job, JobOutcome(job.role, tuple(job.services)))
            return
        if result.status is JobStatus.FAILED:
            error = _job_error(
                job,
                f"job {job.job_id} ended FAILED: {result.error_code or 'Unknown'}: "
                f"{result.error_message or 'no reason given'}",
            )
            self.finish(job, JobOutcome(job.role, error=error))
            return
        polling = self.polling
        pause = min(polling.max_delay, polling.jitter(job.delay * 0.75, job.delay * 1.25))
        if job.waited + pause > polling.max_wait:
            error = _job_error(
                job,
                f"job {job.job_id} still {result.status} after {job.waited:.1f} s of waiting "
                f"(the limit is {polling.max_wait:.0f} s)",
            )
            self.finish(job, JobOutcome(job.role, error=error))
            return
        job.waited += pause
        job.delay = min(polling.max_delay, job.delay * 2)
        heapq.heappush(self.timers, (self.time.now() + pause, job.index, job))

    def next_job(self) -> _Job | None:
        if self.ready:
            return self.ready.popleft()
        if not self.pending or self.active >= self.in_flight or not self.starting:
            return None
        if self.budget is not None and not self.budget.may_start():
            self.starting = False
            return None
        index, role = self.pending.popleft()
        self.active += 1
        return _Job(index, role, self.polling.first_delay)

    def run(self, pool: ThreadPoolExecutor) -> list[Role]:
        running: dict[Future[str | JobPage], _Job] = {}
        stopped = False
        while True:
            now = self.time.now()
            while self.timers and self.timers[0][0] <= now:
                self.ready.append(heapq.heappop(self.timers)[2])
            if not stopped and self.budget is not None and self.budget.must_stop():
                stopped = True
            while not stopped and len(running) < self.workers:
                job = self.next_job()
                if job is None:
                    break
                running[pool.submit(_step, self.jobs, job)] = job
            if not running:
                if stopped or not self.timers:
                    break
                self.time.sleep_until(self.timers[0][0])
                continue
            timeout = None if not self.timers else max(0.0, self.timers[0][0] - now)
            done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # a role's failure is a value
                    self.finish(job, JobOutcome(job.role, error=exc))
                    continue
                # Even once stopped: a finished job is kept, an unfinished one is left.
                self.handle(job, result)
        unfinished = list(self.ready) + [entry[2] for entry in self.timers]
        unfinished.sort(key=lambda job: job.index)
        return [job.role for job in unfinished] + [role for _, role in self.pending]


def read_access(
    jobs: AccessJobs,
    roles: Sequence[Role],
    *,
    workers: int = DEFAULT_ACCESS_WORKERS,
    in_flight: int = DEFAULT_IN_FLIGHT,
    budget: RunBudget | None = None,
    on_done: Callable[[JobOutcome], None] | None = None,
) -> AccessRead:
    """Read every role's services: at most ``in_flight`` jobs started and not yet read, at
    most ``workers`` calls at once. ``on_done`` hears each outcome in the calling thread."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not 1 <= in_flight <= MAX_IN_FLIGHT:
        raise ValueError(f"in_flight must be 1..{MAX_IN_FLIGHT}, got {in_flight}")
    if not roles:
        return AccessRead([], [])
    scheduler = _Scheduler(
        jobs, roles, workers=workers, in_flight=in_flight, budget=budget, on_done=on_done
    )
    pool = ThreadPoolExecutor(
        max_workers=min(workers, len(roles)), thread_name_prefix="dormant-job"
    )
    try:
        left = scheduler.run(pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    outcomes = [scheduler.outcomes[i] for i in sorted(scheduler.outcomes)]
    return AccessRead(outcomes, left)
