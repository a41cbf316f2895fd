"""The `mutator` fixture: dormant's IAM adapter on the in-process simulated account."""

from __future__ import annotations

import pytest

from dormant.aws.mutator import IamRoleMutator
from dormant_sim.server import Simulation


@pytest.fixture
def mutator(sim: Simulation) -> IamRoleMutator:
    return IamRoleMutator(sim.client("iam"), sim.client("sts"))
