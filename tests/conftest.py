"""Fixtures shared by every test: fake credentials, the simulated AWS, a fixed clock.

- `aws_credentials` (autouse): fake credentials and region us-east-1 in the environment, and no
  AWS profile, config file, endpoint or MOTO_ACCOUNT_ID, so no test can reach a real account
  or have moto's account selection overridden.
- `sim`: the in-process simulated AWS (moto's `mock_aws`, made strict by `dormant_sim`),
  empty at the start of each test. boto3 clients created inside the test talk to it.
- `sim_server`: the same simulation served on 127.0.0.1 for subprocesses (`sim_server.env()`)
  and clients with `endpoint_url=sim_server.endpoint_url`; one server per test session,
  emptied before each test.
- `now`: a fixed timezone-aware instant to evaluate against.
- `dormant`: runs the real command line (`python -m dormant`) as a subprocess with no AWS
  setting at all; `example`: the snapshot bundled with the package.

The simulation is process-global (as moto is): `sim` and `sim_server` share one state, so a
test uses one of them, never both. Under pytest-xdist each worker has its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

# Property tests check values, not speed: on a loaded 2-core machine (or CI) a
# per-example deadline only produces flaky failures.
settings.register_profile("dormant", deadline=None)
settings.load_profile("dormant")

if TYPE_CHECKING:
    from dormant.roles.aws_mutator import IamRoleMutator
    from dormant_sim.server import SimulatedAws, Simulation

FAKE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
_REMOVED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "MOTO_ACCOUNT_ID",
)


@pytest.fixture(autouse=True)
def aws_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Fake credentials for every test; nothing from the machine's AWS setup leaks in."""
    for name in _REMOVED:
        monkeypatch.delenv(name, raising=False)
    missing = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def sim(aws_credentials: None) -> Iterator[Simulation]:
    """The in-process simulated AWS, empty, with no latency and no injected failures."""
    from moto import mock_aws

    from dormant_sim import strict
    from dormant_sim.server import Simulation

    strict.install()
    with mock_aws():
        strict.reset()
        yield Simulation()
    strict.reset()


@pytest.fixture(scope="session")
def _sim_server_session() -> Iterator[SimulatedAws]:
    from dormant_sim.server import SimulatedAws

    with SimulatedAws() as server:
        yield server


@pytest.fixture
def sim_server(_sim_server_session: SimulatedAws, aws_credentials: None) -> Iterator[SimulatedAws]:
    """The simulated AWS on http://127.0.0.1:<port>, emptied before and after the test."""
    _sim_server_session.reset()
    yield _sim_server_session
    _sim_server_session.reset()


@pytest.fixture
def now() -> datetime:
    """The instant tests evaluate against: 2026-03-15 12:00:00 UTC."""
    return datetime(2026, 3, 15, 12, 0, 0, tzinfo=UTC)


EXAMPLE = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "dormant"
    / "examples"
    / "account-authorization-details.json"
)
AS_OF = "2024-06-01T00:00:00Z"

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def example() -> Path:
    """The snapshot bundled with the package (AWS CLI v1 dates)."""
    return EXAMPLE


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without any AWS setting, so nothing can reach a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "COLUMNS": "200",
        }
    )
    env.update(extra or {})
    return env


@pytest.fixture
def dormant() -> Runner:
    def run(
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dormant", *args],
            input=input,
            capture_output=True,
            text=True,
            env=clean_env(env),
            cwd=cwd,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def mutator(sim: Simulation) -> IamRoleMutator:
    """dormant's IAM adapter for roles' remediation on the in-process simulated account."""
    from dormant.roles.aws_mutator import IamRoleMutator

    return IamRoleMutator(sim.client("iam"), sim.client("sts"))
