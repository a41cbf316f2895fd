"""Restore says what it could not restore and what it cannot repair.

A recreated role has a new RoleId: policies that named the old role (other roles' trust
policies, the role's own policies naming itself, bucket, key and queue policies) now hold its
old principal id and grant the new role nothing. IAM refuses `aws:`-prefixed tags on
CreateRole, so restore leaves them out and says which.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from dormant.remediation import Status
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.model import Role
from dormant.roles.remediate import RoleBackup, restore, write_backup
from dormant.roles.remediate.state import RoleState
from dormant.testing import InMemoryRoleMutator
from dormant_sim.server import Simulation

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
OLD_ID = "AROAOLDAPPROLEID00001"


def _trust(principal: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }


def _role(name: str, trust: dict[str, object], **extra: object) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        trust_policy=trust,
        account_id=ACCOUNT,
        **extra,  # type: ignore[arg-type]
    )


def _backup(tmp_path: Path) -> Path:
    app = Role(
        role_id=OLD_ID,
        name="app",
        path="/",
        arn=ARN,
        created=NOW - timedelta(days=400),
        trust_policy=_trust(ARN),  # the role may assume itself
        inline_policies=(
            ("self", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ARN}]}),
            ("logs", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}),
        ),
        tags=(("team", "data"), ("aws:cloudformation:stack-name", "apps")),
        account_id=ACCOUNT,
    )  # fmt: skip
    return write_backup(tmp_path, RoleBackup(ACCOUNT, NOW, RoleState(app)))


def test_restore_strips_aws_tags_and_names_what_it_cannot_repair(tmp_path: Path) -> None:
    path = _backup(tmp_path)
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(_role("by-arn", _trust(ARN)))  # written while the role existed
    mutator.add_role(_role("by-id", _trust(OLD_ID)))  # as IAM shows it once the role is gone
    mutator.add_role(_role("unrelated", _trust(f"arn:aws:iam::{ACCOUNT}:root")))

    [outcome] = restore(mutator, [path], apply=True)

    assert outcome.status is Status.DONE, outcome.message
    [create] = [c for c in mutator.write_calls() if c.operation == "CreateRole"]
    assert [t["Key"] for t in create.params["Tags"]] == ["team"]
    assert not any(t["Key"].startswith("aws:") for t in create.params["Tags"])
    restored = mutator.describe_role("app")
    assert restored is not None
    assert restored.role.role_id != OLD_ID
    message = outcome.message
    assert message.startswith(f"restored role app from {path}; ")
    assert "not restored: tag aws:cloudformation:stack-name (IAM refuses aws: tags)" in message
    assert (
        "cannot repair: the trust policies of roles by-arn, by-id name the old role "
        f"({ARN} or {OLD_ID})" in message
    )
    assert "its own trust policy, inline policy self name the old role" in message
    assert f"resource policies outside IAM that named it now hold {OLD_ID}" in message
    assert "unrelated" not in message


def test_a_dry_run_says_the_same_before_any_write(tmp_path: Path) -> None:
    path = _backup(tmp_path)
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(_role("by-arn", _trust(ARN)))
    [outcome] = restore(mutator, [path], apply=False)
    assert outcome.status is Status.PLANNED
    assert "not restored: tag aws:cloudformation:stack-name" in outcome.message
    assert "the trust policy of role by-arn names the old role" in outcome.message
    [create] = [s for s in outcome.steps if s.operation == "CreateRole"]
    assert [t["Key"] for t in create.params["Tags"]] == ["team"]
    assert mutator.write_calls() == []


def test_the_adapter_reads_every_trust_policy_of_the_account(sim: Simulation) -> None:
    for name in ("a", "b", "c"):
        sim.put_role("123456789012", name, created=NOW, trust_policy=_trust(OLD_ID[:4] + name))
    mutator = IamRoleMutator(sim.client("iam"), sim.client("sts"))
    sim.recorder.reset()
    trusts = dict(mutator.trust_policies())
    assert set(trusts) == {"a", "b", "c"}
    assert trusts["b"]["Statement"][0]["Principal"] == {"AWS": "AROAb"}
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1
