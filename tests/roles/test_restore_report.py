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


def _trust(principal: str | list[str]) -> dict[str, object]:
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


def _backup_trusting(
    tmp_path: Path, *principals: str, account: str = ACCOUNT, **extra: object
) -> Path:
    arn = f"arn:aws:iam::{account}:role/app"
    app = Role(
        role_id=OLD_ID,
        name="app",
        path="/",
        arn=arn,
        created=NOW - timedelta(days=400),
        trust_policy=_trust(list(principals)),
        account_id=account,
        **extra,  # type: ignore[arg-type]
    )
    return write_backup(tmp_path, RoleBackup(account, NOW, RoleState(app)))


def _backup(tmp_path: Path) -> Path:
    return _backup_trusting(
        tmp_path,
        ARN,  # the role may assume itself; so may the account
        f"arn:aws:iam::{ACCOUNT}:root",
        inline_policies=(
            ("self", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ARN}]}),
            ("logs", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}),
        ),
        tags=(("team", "data"), ("aws:cloudformation:stack-name", "apps")),
    )  # fmt: skip


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
    # IAM refuses a role that trusts itself before it exists: that principal is left out.
    assert (
        f"; left out of its trust policy: {ARN} (it names role app itself, which IAM refuses "
        "before the role exists)" in message
    )
    assert create.params["AssumeRolePolicyDocument"]
    assert ARN not in str(create.params["AssumeRolePolicyDocument"])
    assert "; cannot repair: inline policy self name the old role" in message
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
    for name in ("1", "2", "3"):
        sim.put_role(
            "123456789012", name, created=NOW, trust_policy=_trust(f"arn:aws:iam::{name * 12}:root")
        )
    mutator = IamRoleMutator(sim.client("iam"), sim.client("sts"))
    sim.recorder.reset()
    trusts = dict(mutator.trust_policies())
    assert set(trusts) == {"1", "2", "3"}
    assert trusts["2"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1


GONE = f"arn:aws:iam::{ACCOUNT}:role/gone"
STALE = "AROASTALEPRINCIPAL001"


def test_principals_that_no_longer_exist_are_left_out_and_named_one_each(
    tmp_path: Path,
) -> None:
    path = _backup_trusting(tmp_path, ARN, GONE, STALE, f"arn:aws:iam::{ACCOUNT}:role/kept")
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(_role("kept", _trust(f"arn:aws:iam::{ACCOUNT}:root")))

    [outcome] = restore(mutator, [path], apply=True)

    assert outcome.status is Status.DONE, outcome.message
    clauses = outcome.message.split("; ")
    assert f"left out of its trust policy: {GONE} (role gone no longer exists)" in clauses
    assert (
        f"left out of its trust policy: {STALE} (the unique id of a principal deleted since)"
        in clauses
    )
    assert sum(clause.startswith("left out of its trust policy") for clause in clauses) == 3
    restored = mutator.describe_role("app")
    assert restored is not None
    trust = restored.role.trust_policy
    assert trust is not None
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/kept"}


def test_a_backup_trusting_only_principals_that_are_gone_is_refused(tmp_path: Path) -> None:
    path = _backup_trusting(tmp_path, ARN, STALE)
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    for apply in (False, True):
        [outcome] = restore(mutator, [path], apply=apply)
        assert outcome.status is Status.REFUSED
        assert outcome.message.startswith("role app was not restored: IAM would not create it")
        assert f"({ARN}, {STALE})" in outcome.message
    assert mutator.write_calls() == []
    assert mutator.describe_role("app") is None


def test_restore_against_iam_that_checks_principals(sim: Simulation, tmp_path: Path) -> None:
    """The simulation refuses what IAM refuses; the restore leaves those principals out."""
    account = "123456789012"
    arn = f"arn:aws:iam::{account}:role/app"
    gone = f"arn:aws:iam::{account}:role/gone"
    path = _backup_trusting(tmp_path, arn, gone, STALE, account, account=account)
    mutator = IamRoleMutator(sim.client("iam"), sim.client("sts"))
    [outcome] = restore(mutator, [path], apply=True)
    assert outcome.status is Status.DONE, outcome.message
    assert outcome.message.count("left out of its trust policy") == 3
    trust = sim.client("iam").get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"AWS": account}
