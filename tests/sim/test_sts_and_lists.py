"""AssumeRole session limits and ListRoles' MaxItems, as AWS enforces them."""

from __future__ import annotations

from datetime import datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import Simulation

MEMBER = "111111111111"


def _assume(sts: object, arn: str, seconds: int) -> dict[str, str]:
    answer = sts.assume_role(  # type: ignore[attr-defined]
        RoleArn=arn, RoleSessionName="session", DurationSeconds=seconds
    )
    return dict(answer["Credentials"])


def test_role_chaining_is_capped_at_one_hour(sim: Simulation, now: datetime) -> None:
    sim.put_role(MEMBER, "Hub", created=now - timedelta(days=9), max_session_duration=43200)
    sim.put_role(MEMBER, "Spoke", created=now - timedelta(days=9), max_session_duration=43200)
    hub = _assume(sim.client("sts"), f"arn:aws:iam::{MEMBER}:role/Hub", 43200)
    chained = boto3.client(
        "sts",
        aws_access_key_id=hub["AccessKeyId"],
        aws_secret_access_key=hub["SecretAccessKey"],
        aws_session_token=hub["SessionToken"],
    )

    _assume(chained, f"arn:aws:iam::{MEMBER}:role/Spoke", 3600)
    with pytest.raises(ClientError) as caught:
        _assume(chained, f"arn:aws:iam::{MEMBER}:role/Spoke", 3601)

    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "role chaining" in caught.value.response["Error"]["Message"]


def test_a_session_longer_than_the_role_allows_is_refused(sim: Simulation, now: datetime) -> None:
    sim.put_role(MEMBER, "Short", created=now - timedelta(days=9))
    sts = sim.client("sts")
    _assume(sts, f"arn:aws:iam::{MEMBER}:role/Short", 3600)
    with pytest.raises(ClientError) as caught:
        _assume(sts, f"arn:aws:iam::{MEMBER}:role/Short", 7200)
    assert "MaxSessionDuration" in caught.value.response["Error"]["Message"]


def test_list_roles_max_items_is_limited_to_1000(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles("123456789012", 3, now=now)
    iam = sim.client("iam")
    assert len(iam.list_roles(MaxItems=2)["Roles"]) == 2
    with pytest.raises(ClientError) as caught:
        iam.list_roles(MaxItems=1001)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
