"""dormant.testing's mutator answers as the IAM adapter on the simulated account does.

The same steps go to both; each must succeed or fail alike, with the same AWS error code
and the same kind of message, and leave the role in the same state.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dormant.core.errors import AwsAccessError
from dormant.remediation.steps import Step
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.state import comparable
from dormant.testing import InMemoryRoleMutator
from dormant_sim.server import Simulation
from remediation_support import ACCOUNT, READ_ONLY, put_full_role

PROFILE = "OldJob-profile"
TRUST = '{"Version":"2012-10-17","Statement":[]}'
CASES = {
    "delete a role still in a profile": [Step("DeleteRole", {"RoleName": "OldJob"})],
    "delete a role with managed policies": [
        Step(
            "RemoveRoleFromInstanceProfile", {"InstanceProfileName": PROFILE, "RoleName": "OldJob"}
        ),
        Step("DeleteRole", {"RoleName": "OldJob"}),
    ],
    "delete a missing inline policy": [
        Step("DeleteRolePolicy", {"RoleName": "OldJob", "PolicyName": "nope"})
    ],
    "detach a policy that is not attached": [
        Step("DetachRolePolicy", {"RoleName": "OldJob", "PolicyArn": "arn:aws:iam::aws:policy/X"})
    ],
    "create a role that exists": [
        Step("CreateRole", {"RoleName": "OldJob", "Path": "/", "AssumeRolePolicyDocument": TRUST})
    ],
    "create a profile that exists": [
        Step("CreateInstanceProfile", {"InstanceProfileName": PROFILE, "Path": "/"})
    ],
    "delete a profile that holds a role": [
        Step("DeleteInstanceProfile", {"InstanceProfileName": PROFILE})
    ],
    "tag a missing role": [Step("TagRole", {"RoleName": "Ghost", "Tags": []})],
    "a full teardown": [
        Step(
            "RemoveRoleFromInstanceProfile", {"InstanceProfileName": PROFILE, "RoleName": "OldJob"}
        ),
        Step("DetachRolePolicy", {"RoleName": "OldJob", "PolicyArn": READ_ONLY}),
        Step(
            "DetachRolePolicy",
            {"RoleName": "OldJob", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"},
        ),
        Step("DeleteRolePolicy", {"RoleName": "OldJob", "PolicyName": "write-logs"}),
        Step("DeleteRolePolicy", {"RoleName": "OldJob", "PolicyName": "read-bucket"}),
        Step("DeleteRole", {"RoleName": "OldJob"}),
        Step("DeleteInstanceProfile", {"InstanceProfileName": PROFILE}),
    ],
    "untag and retag": [
        Step("UntagRole", {"RoleName": "OldJob", "TagKeys": ["team", "absent"]}),
        Step("TagRole", {"RoleName": "OldJob", "Tags": [{"Key": "cost-center", "Value": "7"}]}),
    ],
}


def answers(mutator: RoleMutator, steps: list[Step]) -> list[str]:
    mutator.caller()
    result = []
    for step in steps:
        try:
            mutator.execute(step)
        except AwsAccessError as exc:
            # "<call> in account <id> failed: <Code>: <AWS's message>" up to AWS's own words.
            result.append(str(exc).split(": ")[0] + ": " + str(exc).split(": ")[1])
        else:
            result.append("ok")
    return result


@pytest.mark.parametrize("steps", list(CASES.values()), ids=list(CASES))
def test_fake_and_adapter_agree(sim: Simulation, now: datetime, steps: list[Step]) -> None:
    put_full_role(sim, "OldJob", now)
    adapter = IamRoleMutator(sim.client("iam"), sim.client("sts"))
    seeded = adapter.describe_role("OldJob")
    assert seeded is not None
    fake = InMemoryRoleMutator(ACCOUNT)
    fake.add_role(
        seeded.role,
        max_session_duration=seeded.max_session_duration,
        instance_profiles=seeded.instance_profiles,
    )

    assert answers(fake, steps) == answers(adapter, steps)
    after_fake, after_real = fake.describe_role("OldJob"), adapter.describe_role("OldJob")
    assert (after_fake is None) == (after_real is None)
    if after_fake is not None and after_real is not None:
        assert comparable(after_fake) == comparable(after_real)
    assert (fake.instance_profile(PROFILE) is None) == (
        not adapter.instance_profile_exists(PROFILE)
    )
