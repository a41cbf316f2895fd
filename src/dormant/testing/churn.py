"""In-memory stand-ins for AWS Config and a changing account, for tests and benchmarks.

``MemoryConfig`` is one Config rule's store that answers both engine interfaces: an
``EvaluationSink`` (PutEvaluations: 100 a call, an older OrderingTimestamp never
replaces a newer result, nothing stored in test mode) and a ``ComplianceHistory``
(GetComplianceDetailsByConfigRule: filtered by compliance type, 100 a page). It counts
the calls and the evaluations, which is what Config bills.

``ChurningAccount`` is an account whose roles live a month: some used every day, some
stopping, a few created and deleted every day, with a fixed seed so that runs repeat.

Standard library only; never imports boto3 or the simulation.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dormant.core.evaluations import MAX_EVALUATIONS_PER_CALL, Evaluation, batched
from dormant.core.model import Compliance
from dormant.engine.rule import RecordedResult
from dormant.roles.model import Role

__all__ = ["Churn", "ChurningAccount", "MemoryConfig"]

_PAGE = 100  # GetComplianceDetailsByConfigRule's maximum Limit
_ALL_TYPES = tuple(c.value for c in Compliance)


class MemoryConfig:
    """The results AWS Config holds for one rule, and what it took to get them there."""

    def __init__(self, rule_name: str) -> None:
        self.rule_name = rule_name
        self._lock = threading.Lock()
        self._results: dict[tuple[str, str], Evaluation] = {}
        self.put_calls = 0
        self.evaluations_posted = 0
        self.history_pages = 0

    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        for batch in batched(evaluations, MAX_EVALUATIONS_PER_CALL):
            with self._lock:
                self.put_calls += 1
                if test_mode:
                    continue
                self.evaluations_posted += len(batch)
                for evaluation in batch:
                    key = (evaluation.resource_type, evaluation.resource_id)
                    held = self._results.get(key)
                    if held is None or held.ordering_timestamp <= evaluation.ordering_timestamp:
                        self._results[key] = evaluation

    def recorded(
        self, rule_name: str, compliance_types: Sequence[str] = _ALL_TYPES
    ) -> Iterator[RecordedResult]:
        if rule_name != self.rule_name:
            raise ValueError(f"no Config rule {rule_name!r} (this store holds {self.rule_name!r})")
        wanted = set(compliance_types)
        with self._lock:
            matching = [e for _, e in sorted(self._results.items()) if e.compliance.value in wanted]
        for start in range(0, max(len(matching), 1), _PAGE):
            with self._lock:
                self.history_pages += 1
            for e in matching[start : start + _PAGE]:
                yield RecordedResult(
                    resource_type=e.resource_type,
                    resource_id=e.resource_id,
                    compliance=e.compliance.value,
                    annotation=e.annotation,
                    recorded_at=e.ordering_timestamp,
                )

    def held(self) -> dict[str, tuple[str, str]]:
        """Resource id -> (compliance, annotation), as the Config console shows them."""
        with self._lock:
            return {
                resource_id: (e.compliance.value, e.annotation)
                for (_, resource_id), e in self._results.items()
            }


@dataclass(frozen=True, slots=True)
class Churn:
    """How an account's roles change from one day to the next (shares are per day).

    At the start ``active_share`` of the roles are used every day; the others were last
    used at a uniformly random day up to 400 days back (``never_used_share`` of them
    never). Each day ``stop_rate`` of the active roles stop being used, ``wake_rate`` of
    the others are used again (and stay in use), ``create_rate`` x roles are created
    (half of them used from then on) and ``delete_rate`` x roles are deleted. A few
    roles are service-linked (``/aws-service-role/``) and a few allow-listed
    (``breakglass-...``).
    """

    roles: int = 10_000
    active_share: float = 0.5
    never_used_share: float = 0.15
    stop_rate: float = 0.001
    wake_rate: float = 0.0005
    create_rate: float = 0.005
    delete_rate: float = 0.003
    service_linked_share: float = 0.02
    allow_listed_share: float = 0.01
    seed: int = 20261130


class ChurningAccount:
    """The roles of one account on the simulated day ``now``; ``advance`` moves a day on."""

    def __init__(self, churn: Churn, start: datetime, account_id: str = "111111111111") -> None:
        self.churn = churn
        self.now = start
        self.account_id = account_id
        self._rng = random.Random(churn.seed)
        self._next = 0
        self._roles: dict[str, Role] = {}
        self._active: set[str] = set()
        for _ in range(churn.roles):
            created = start - timedelta(days=self._rng.uniform(0, 1500))
            self._add(created, active=self._rng.random() < churn.active_share)

    def roles(self) -> list[Role]:
        return list(self._roles.values())

    def _add(self, created: datetime, *, active: bool) -> None:
        self._next += 1
        number = self._next
        draw = self._rng.random()
        if draw < self.churn.service_linked_share:
            path, name = "/aws-service-role/example.amazonaws.com/", f"AWSServiceRole{number}"
        elif draw < self.churn.service_linked_share + self.churn.allow_listed_share:
            path, name = "/", f"breakglass-{number}"
        else:
            path, name = "/", f"role-{number}"
        last_used: datetime | None = None
        if active:
            last_used = self.now - timedelta(hours=self._rng.uniform(0, 20))
        elif self._rng.random() >= self.churn.never_used_share:
            last_used = self.now - timedelta(days=self._rng.uniform(0, 400))
        if last_used is not None and last_used < created:
            last_used = None if not active else created
        role_id = f"AROA{number:017d}"
        self._roles[role_id] = Role(
            role_id=role_id,
            name=name,
            path=path,
            arn=f"arn:aws:iam::{self.account_id}:role{path}{name}",
            created=created,
            last_used=last_used,
            last_used_region=None if last_used is None else "us-east-1",
            account_id=self.account_id,
        )
        if active:
            self._active.add(role_id)

    def _count(self, expected: float) -> int:
        # Whole events a day with the expected mean, without a drift from rounding.
        return int(expected + self._rng.random())

    def advance(self) -> datetime:
        """One day later: deletions, creations, roles stopping and waking, then the day's use."""
        churn = self.churn
        self.now += timedelta(days=1)
        population = len(self._roles)
        for role_id in self._rng.sample(
            sorted(self._roles), min(population, self._count(churn.delete_rate * population))
        ):
            del self._roles[role_id]
            self._active.discard(role_id)
        for _ in range(self._count(churn.create_rate * population)):
            created = self.now - timedelta(hours=self._rng.uniform(0, 23))
            self._add(created, active=self._rng.random() < 0.5)
        active = sorted(self._active)
        for role_id in self._rng.sample(
            active, min(len(active), self._count(churn.stop_rate * len(active)))
        ):
            self._active.discard(role_id)
        resting = sorted(set(self._roles) - self._active)
        for role_id in self._rng.sample(
            resting, min(len(resting), self._count(churn.wake_rate * len(resting)))
        ):
            self._active.add(role_id)
        for role_id in self._active:
            used = self.now - timedelta(hours=self._rng.uniform(0, 20))
            role = self._roles[role_id]
            self._roles[role_id] = replace(
                role, last_used=max(used, role.created), last_used_region="us-east-1"
            )
        return self.now
