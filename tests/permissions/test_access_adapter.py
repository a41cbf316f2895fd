"""dormant's IAM access adapter against the simulated jobs: polls, backoff, pages, failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import botocore.config
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permissions_support import ACCOUNT, seed_role

from dormant.core.errors import AwsAccessError
from dormant.permissions.aws import IamAccessSource, access_client_config
from dormant.permissions.model import ServiceAccess
from dormant.roles.model import Role
from dormant.roles.records import role_from_detail
from dormant_sim import access, seed
from dormant_sim.server import Simulation

GENERATE = "GenerateServiceLastAccessedDetails"
GET = "GetServiceLastAccessedDetails"


class Sleeps:
    """Records the waits instead of waiting; ``clock`` is the time they add up to."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    def clock(self) -> float:
        return sum(self.waits)


def _role(sim: Simulation, name: str) -> Role:
    detail = sim.client("iam").get_role(RoleName=name)["Role"]
    return role_from_detail(detail)


def _source(sim: Simulation, sleeps: Sleeps, client: Any = None, **kwargs: Any) -> IamAccessSource:
    iam = client if client is not None else sim.client("iam")
    return IamAccessSource(iam, account_id=ACCOUNT, sleep=sleeps, clock=sleeps.clock, **kwargs)


def test_a_role_costs_one_generate_its_polls_and_its_pages(sim: Simulation, now: datetime) -> None:
    seed_role(sim, "app", now, used={"s3:GetObject": 3, "kms": 200})
    role = _role(sim, "app")
    access.set_polls_to_complete(2)
    sim.recorder.reset()
    sleeps = Sleeps()
    records = _source(sim, sleeps, page_size=1).service_access(role)
    assert [r.namespace for r in records] == ["kms", "s3", "sqs"]
    assert sim.recorder.counts() == {f"iam:{GENERATE}": 1, f"iam:{GET}": 3 + 2}
    assert len(sleeps.waits) == 2
    s3 = next(r for r in records if r.namespace == "s3")
    assert s3.last_used is not None
    assert s3.last_used.utcoffset() is not None
    assert s3.last_used_region == "eu-west-1"
    assert [a.name for a in s3.tracked_actions] == ["GetObject"]


def test_polls_back_off_with_jitter_from_half_a_second_up_to_five(
    sim: Simulation, now: datetime
) -> None:
    seed_role(sim, "app", now)
    access.set_polls_to_complete(8)
    sleeps = Sleeps()
    source = _source(sim, sleeps, jitter=lambda low, high: high)
    source.service_access(_role(sim, "app"))
    assert sleeps.waits == [0.625, 1.25, 2.5, 5.0, 5.0, 5.0, 5.0, 5.0]
    low = Sleeps()
    _source(sim, low, jitter=lambda low, high: low).service_access(_role(sim, "app"))
    assert low.waits[0] == 0.375
    assert all(0.375 <= wait <= 5.0 for wait in low.waits)


def test_a_job_that_outlasts_the_wait_fails_the_role(sim: Simulation, now: datetime) -> None:
    seed_role(sim, "app", now)
    access.set_polls_to_complete(100)
    sleeps = Sleeps()
    with pytest.raises(AwsAccessError) as caught:
        _source(sim, sleeps, max_wait=10).service_access(_role(sim, "app"))
    assert sum(sleeps.waits) <= 10
    message = str(caught.value)
    assert f"iam:{GET} of role app in account {ACCOUNT}" in message
    assert "still IN_PROGRESS" in message


def test_a_failed_job_fails_the_role_naming_the_call_and_error(
    sim: Simulation, now: datetime
) -> None:
    seed_role(sim, "app", now)
    access.fail_jobs("app", message="Service is busy")
    with pytest.raises(AwsAccessError) as caught:
        _source(sim, Sleeps()).service_access(_role(sim, "app"))
    assert caught.value.operation == f"iam:{GET} of role app"
    assert "ended FAILED: JobFailed: Service is busy" in str(caught.value)
    assert "role app" in str(caught.value)


def test_a_denied_call_fails_the_role(sim: Simulation, now: datetime) -> None:
    seed_role(sim, "app", now)
    sim.inject_error("iam", GENERATE, "AccessDenied", "not authorized", status=403)
    with pytest.raises(AwsAccessError) as caught:
        _source(sim, Sleeps()).service_access(_role(sim, "app"))
    assert str(caught.value).startswith(
        f"iam:{GENERATE} of role app in account {ACCOUNT} denied: AccessDenied"
    )


def test_throttling_is_retried_and_its_exhaustion_fails_the_role(
    sim: Simulation, now: datetime
) -> None:
    seed_role(sim, "app", now)
    role = _role(sim, "app")
    sim.inject_error("iam", GET, "Throttling", "Rate exceeded", times=2)
    assert _source(sim, Sleeps()).service_access(role)
    # Throttled on every call: two attempts (a short test), then the role fails.
    sim.inject_error("iam", GET, "Throttling", "Rate exceeded", times=None)
    impatient = seed.fake_session().client(
        "iam", config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 2})
    )
    with pytest.raises(AwsAccessError) as caught:
        IamAccessSource(impatient, account_id=ACCOUNT, sleep=Sleeps()).service_access(role)
    assert f"iam:{GET} of role app in account {ACCOUNT} failed: Throttling" in str(caught.value)


def test_the_client_config_retries_adaptively() -> None:
    config = access_client_config(workers=16)
    assert config.retries == {"mode": "adaptive", "max_attempts": 10}
    assert config.max_pool_connections == 16


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(services=st.integers(min_value=1, max_value=24), page_size=st.integers(1, 30))
def test_every_page_is_read_whatever_the_page_size(
    sim: Simulation, now: datetime, services: int, page_size: int
) -> None:
    namespaces = sorted(access.KNOWN_SERVICES)[:services]
    name = f"app-{services}-{page_size}"
    seed_role(sim, name, now, actions=[f"{ns}:*" for ns in namespaces])
    records = _source(sim, Sleeps(), page_size=page_size).service_access(_role(sim, name))
    assert [r.namespace for r in records] == namespaces
    assert all(isinstance(r, ServiceAccess) for r in records)
