"""The permissions rule's budget bounds the calls in flight: the clients the Lambda handler
makes for it (its Config client, its IAM client for the last-access jobs) carry connect and
read timeouts and a retry cap whose worst case, back-off included, fits in the share of the
stop margin left for calls in flight; botocore's defaults (60 s + 60 s, 11 attempts) do not.
Read from the clients' own Config objects."""

from __future__ import annotations

import math

import boto3
import pytest

from dormant.aws.session import call_time_bound, client_config
from dormant.handler import permissions_rule_clients
from dormant.permissions.aws import access_client_config
from dormant.permissions.scan.rule import (
    CALLS_IN_FLIGHT_SECONDS,
    POSTING_SECONDS,
    START_MARGIN_SECONDS,
    STOP_MARGIN_SECONDS,
)


@pytest.fixture
def clients() -> tuple[object, ...]:
    return permissions_rule_clients(boto3.session.Session(region_name="us-east-1"))


def test_every_call_of_the_rule_ends_within_the_margin_for_calls_in_flight(
    clients: tuple[object, ...],
) -> None:
    for client in clients:
        config = client.meta.config  # type: ignore[attr-defined]
        attempts = config.retries["total_max_attempts"]
        assert config.retries["mode"] == "standard"
        assert (config.connect_timeout + config.read_timeout) * attempts < STOP_MARGIN_SECONDS
        assert call_time_bound(config) <= CALLS_IN_FLIGHT_SECONDS
        assert (config.connect_timeout, config.read_timeout, attempts) == (1.0, 4.0, 3)
    assert call_time_bound(clients[0].meta.config) == 28.0  # type: ignore[attr-defined]


def test_the_stop_margin_holds_the_calls_in_flight_and_the_posting() -> None:
    assert STOP_MARGIN_SECONDS == CALLS_IN_FLIGHT_SECONDS + POSTING_SECONDS
    assert START_MARGIN_SECONDS > STOP_MARGIN_SECONDS


def test_botocores_defaults_and_adaptive_retries_are_not_bounded_within_it() -> None:
    """What the rule used before: one call could outlast the whole margin."""
    assert call_time_bound(client_config()) > STOP_MARGIN_SECONDS
    assert call_time_bound(access_client_config(4)) == math.inf


def test_the_bound_counts_every_attempt_and_botocores_longest_back_off() -> None:
    config = client_config(max_attempts=3, connect_timeout=2.0, read_timeout=3.0)
    # 4 attempts of 5 s; back-offs of at most 1, 2 and 4 s, each up to 5 s more on Retry-After.
    assert call_time_bound(config) == 4 * 5.0 + (1 + 5) + (2 + 5) + (4 + 5)
    long = client_config(max_attempts=7, connect_timeout=1.0, read_timeout=1.0)
    assert call_time_bound(long) == 8 * 2.0 + sum(min(2**n, 20) + 5 for n in range(7))
