"""A run killed at a call (before or after it took effect), and a call that times out."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import botocore.endpoint
import botocore.exceptions
import pytest

from dormant_sim import faults
from dormant_sim.server import Simulation


def _tags(name: str) -> dict[str, str]:
    tags = boto3.client("iam").list_role_tags(RoleName=name)["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def _role(sim: Simulation) -> None:
    from datetime import UTC, datetime

    sim.put_role("123456789012", "app", created=datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("after", [False, True])
def test_a_kill_stops_the_caller_at_the_nth_matching_call(sim: Simulation, after: bool) -> None:
    _role(sim)
    iam = boto3.client("iam")
    faults.kill_at("iam", "TagRole", skip=1, after=after)
    iam.tag_role(RoleName="app", Tags=[{"Key": "first", "Value": "1"}])
    said = ""
    try:
        iam.tag_role(RoleName="app", Tags=[{"Key": "second", "Value": "2"}])
    except Exception:  # nothing the code under test catches may stop it
        pytest.fail("the kill was caught as an Exception")
    except faults.RunKilled as killed:
        said = str(killed)
    assert said == f"run killed {'after' if after else 'before'} iam:TagRole"
    assert ("second" in _tags("app")) is after
    assert _tags("app")["first"] == "1"
    iam.tag_role(RoleName="app", Tags=[{"Key": "third", "Value": "3"}])  # one kill only


def test_a_timeout_is_retried_like_a_real_one_and_surfaces_when_retries_run_out(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    _role(sim)
    # botocore's back-off sleeps, not the process's: the retries still happen.
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda seconds: None))
    once = faults.inject_timeout("iam", "GetRole", times=1)
    assert boto3.client("iam").get_role(RoleName="app")["Role"]["RoleName"] == "app"
    assert once.hits == 1
    always = faults.inject_timeout("iam", "GetRole", times=None)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        boto3.client("iam").get_role(RoleName="app")
    assert always.hits > 1  # retried before it gave up
