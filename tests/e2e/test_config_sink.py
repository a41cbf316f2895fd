"""Delivery to AWS Config: batches of 100, several in flight, refusals retried."""

from __future__ import annotations

import math
from datetime import datetime

import boto3
import pytest

from dormant.aws.calls import CallCounter
from dormant.aws.config import ConfigEvaluationSink
from dormant.core.errors import EvaluationDeliveryError
from dormant.core.evaluations import Evaluation, stale_evaluation
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
RULE = "iam-role-last-used"


def evaluations(count: int, now: datetime) -> list[Evaluation]:
    return [stale_evaluation(f"AROA{i:017d}", now) for i in range(count)]


@pytest.mark.parametrize("parallel", [1, 4])
def test_every_evaluation_arrives_once_in_batches_of_100(
    sim: Simulation, now: datetime, parallel: int
) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    client = boto3.client("config", region_name="us-east-1")
    counter = CallCounter()
    counter.attach(client.meta.events)
    sink = ConfigEvaluationSink(client, token, parallel=parallel, sleep=lambda _: None)
    sim.fail_evaluations(3, calls=2)

    sink.put(evaluations(950, now), test_mode=False)

    stored = sim.stored_evaluations(RULE, ACCOUNT)
    assert len(stored) == 950
    assert len({e.resource_id for e in stored}) == 950
    # ten batches, and one more call for each of the two that came back partly refused
    assert sim.recorder.calls(operation="PutEvaluations") == math.ceil(950 / 100) + 2
    assert counter.snapshot() == {"config:PutEvaluations": 12}


def test_what_config_keeps_refusing_is_named(sim: Simulation, now: datetime) -> None:
    token = sim.issue_result_token(RULE, ACCOUNT)
    sink = ConfigEvaluationSink(
        boto3.client("config", region_name="us-east-1"), token, sleep=lambda _: None
    )
    sim.fail_evaluations(1, calls=1000)
    with pytest.raises(EvaluationDeliveryError, match=r"rejected 3 evaluation\(s\) after 5"):
        sink.put(evaluations(250, now), test_mode=False)
