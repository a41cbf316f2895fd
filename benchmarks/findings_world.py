"""The set-up and the measures the AWS-findings benchmarks share (roles, users, permissions).

``analyzed_account`` starts the simulated AWS on loopback, empties it (moto's state is the
process's: the earlier sections' resources are there), lets the section seed its account,
creates an ACCOUNT_UNUSED_ACCESS analyzer and has it analyze the account as of a day before
``now``, and gives the section its Access Analyzer and IAM clients. ``measured`` counts the
calls and the wall time of what runs inside it; ``median_seconds`` times a call ``reps``
times. ``calls_text``, ``calls_target`` and ``join_target`` print and judge the results the
same way in every section. Talks to nothing but the simulation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from _common import log, median

if TYPE_CHECKING:
    from dormant_sim.server import SimulatedAws

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PAGE = 1000  # ListFindingsV2 and GetAccountAuthorizationDetails: the most a page holds


@dataclass(frozen=True)
class AnalyzedAccount:
    sim: SimulatedAws
    analyzer_client: Any
    iam: Any


@contextmanager
def analyzed_account(
    now: datetime, seeding: str, seed: Callable[[SimulatedAws], None]
) -> Iterator[AnalyzedAccount]:
    """The simulated account ``seed`` fills, analyzed; ``seeding`` is logged first."""
    from dormant_sim import access_analyzer
    from dormant_sim.server import SimulatedAws

    with SimulatedAws() as sim:
        sim.reset()
        log(seeding)
        seed(sim)
        access_analyzer.create_analyzer(ACCOUNT_ID, "unused", endpoint_url=sim.endpoint_url)
        access_analyzer.analyze(now - timedelta(days=1))
        yield AnalyzedAccount(
            sim,
            sim.client("accessanalyzer", ACCOUNT_ID, region=REGION),
            sim.client("iam", ACCOUNT_ID, region=REGION),
        )


@dataclass
class Measure:
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)


@contextmanager
def measured(sim: SimulatedAws) -> Iterator[Measure]:
    """The calls by operation and the wall time of the block (filled in when it ends)."""
    sim.recorder.reset()
    measure = Measure()
    started = time.perf_counter()
    yield measure
    measure.seconds = time.perf_counter() - started
    measure.calls = sim.recorder.counts()


def median_seconds(call: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return median(times)


def calls_text(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))


def calls_target(
    name: str, calls: Mapping[str, int], expected: Mapping[str, int]
) -> tuple[str, bool, str]:
    return (name, dict(calls) == dict(expected), calls_text(calls))


def join_target(section: str, result: Mapping[str, Any]) -> tuple[str, bool, str]:
    return (
        f"{section}: join under 1 s beyond the calls",
        result["join_s"] < 1.0,
        f"join {result['join_s']:.3f} s for {result['findings']} findings",
    )
