"""Quarantine and release of IAM users, round trips on the simulation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from dormant.core.settings import Settings
from dormant.remediation import Status
from dormant.users.aws_mutator import IamUserMutator
from dormant.users.remediate import UserTarget, quarantine_users, release_users
from dormant_sim import credentials
from dormant_sim.seed import KeySeed, PasswordSeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
WINDOW = Settings(max_days=45)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _stale_user(sim: Any, now: datetime, name: str = "stale", path: str = "/") -> list[str]:
    seeded = sim.put_user(
        ACCOUNT,
        name,
        path=path,
        created=now - timedelta(days=400),
        password=PasswordSeed(
            changed=now - timedelta(days=300), last_used=now - timedelta(days=90)
        ),
        keys=[
            KeySeed(created=now - timedelta(days=200), last_used=now - timedelta(days=60)),
            KeySeed(created=now - timedelta(days=100), active=False),
        ],
        tags={"team": "data"},
    )
    return list(seeded.access_key_ids)


def _mutator(sim: Simulation, iam: Any = None, sts: Any = None) -> IamUserMutator:
    return IamUserMutator(iam or sim.client("iam"), sts or sim.client("sts"))


def _key_status(sim: Simulation, name: str) -> dict[str, str]:
    keys = sim.client("iam").list_access_keys(UserName=name)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in keys}


def _tags(sim: Simulation, name: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sim.client("iam").list_user_tags(UserName=name)["Tags"]}


def test_dry_run_plans_and_writes_nothing(sim: Simulation) -> None:
    now = _now()
    active, _ = _stale_user(sim, now)
    sim.recorder.reset()
    (outcome,) = quarantine_users(
        _mutator(sim), [UserTarget("stale")], settings=WINDOW, now=now, apply=False
    )
    assert outcome.status == Status.PLANNED
    assert [s.operation for s in outcome.steps] == ["PutUserPolicy", "UpdateAccessKey", "TagUser"]
    assert outcome.steps[1].params == {
        "UserName": "stale",
        "AccessKeyId": active,
        "Status": "Inactive",
    }
    assert sim.recorder.write_calls() == []


def test_quarantine_then_release_is_an_exact_round_trip(sim: Simulation) -> None:
    now = _now()
    active, inactive = _stale_user(sim, now)
    before_tags = _tags(sim, "stale")

    (done,) = quarantine_users(
        _mutator(sim), [UserTarget("stale")], settings=WINDOW, now=now, apply=True
    )
    assert done.status == Status.DONE, done.message
    iam = sim.client("iam")
    policy = iam.get_user_policy(UserName="stale", PolicyName="dormant-quarantine")
    statements = policy["PolicyDocument"]["Statement"]
    assert statements[1]["Condition"]["DateLessThan"]["aws:TokenIssueTime"].endswith("Z")
    assert _key_status(sim, "stale") == {active: "Inactive", inactive: "Inactive"}
    tags = _tags(sim, "stale")
    assert tags["dormant:deactivated-keys"] == active
    assert tags["dormant:quarantined-by"].startswith("arn:aws:")

    (again,) = quarantine_users(
        _mutator(sim), [UserTarget("stale")], settings=WINDOW, now=now, apply=True
    )
    assert again.status == Status.UNCHANGED

    (released,) = release_users(_mutator(sim), [UserTarget("stale")], apply=True)
    assert released.status == Status.DONE, released.message
    # Exactly the key quarantine deactivated is active again; the other stays inactive.
    assert _key_status(sim, "stale") == {active: "Active", inactive: "Inactive"}
    assert iam.list_user_policies(UserName="stale")["PolicyNames"] == []
    assert _tags(sim, "stale") == before_tags

    (nothing,) = release_users(_mutator(sim), [UserTarget("stale")], apply=True)
    assert nothing.status == Status.UNCHANGED


def test_a_user_used_within_the_window_is_skipped(sim: Simulation) -> None:
    now = _now()
    sim.put_user(
        ACCOUNT,
        "busy",
        created=now - timedelta(days=400),
        keys=[KeySeed(created=now - timedelta(days=300), last_used=now - timedelta(days=2))],
    )
    sim.recorder.reset()
    (outcome,) = quarantine_users(
        _mutator(sim), [UserTarget("busy")], settings=WINDOW, now=now, apply=True
    )
    assert outcome.status == Status.SKIPPED
    assert outcome.message == (
        "user busy is no longer unused (COMPLIANT: Access key 1 last used 2 days ago)"
    )
    assert sim.recorder.write_calls() == []


def test_refusals_allow_list_own_user_and_other_account(sim: Simulation) -> None:
    now = _now()
    _stale_user(sim, now, "breakglass", path="/emergency/")
    _stale_user(sim, now, "ops")
    key_id, secret = sim.credentials(ACCOUNT, "ops")
    as_ops = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    import boto3

    session = boto3.session.Session(region_name="us-east-1", **as_ops)
    mutator = _mutator(sim, session.client("iam"), session.client("sts"))
    outcomes = list(
        quarantine_users(
            mutator,
            [
                UserTarget("breakglass"),
                UserTarget("ops"),
                UserTarget("stale-elsewhere", "111111111111"),
                UserTarget("ghost"),
            ],
            settings=Settings(max_days=45, allow_patterns=("/emergency/*",)),
            now=now,
            apply=True,
        )
    )
    assert [(o.status, o.message) for o in outcomes] == [
        (
            Status.REFUSED,
            "user breakglass (/emergency/breakglass) matches allow-list pattern /emergency/*",
        ),
        (
            Status.REFUSED,
            f"user ops is the user this command runs as (arn:aws:iam::{ACCOUNT}:user/ops)",
        ),
        (
            Status.REFUSED,
            "the finding for user stale-elsewhere names 111111111111, but the credentials act "
            f"in account {ACCOUNT}",
        ),
        (Status.FAILED, f"user ghost does not exist in account {ACCOUNT}"),
    ]


def test_a_failed_call_undoes_the_earlier_ones(sim: Simulation) -> None:
    now = _now()
    active, inactive = _stale_user(sim, now)
    sim.inject_error("iam", "TagUser", "AccessDenied", status=403)
    (outcome,) = quarantine_users(
        _mutator(sim), [UserTarget("stale")], settings=WINDOW, now=now, apply=True
    )
    assert outcome.status == Status.FAILED
    assert "iam:TagUser failed" in outcome.message
    assert "the 2 earlier change(s) were undone" in outcome.message
    assert _key_status(sim, "stale") == {active: "Active", inactive: "Inactive"}
    assert sim.client("iam").list_user_policies(UserName="stale")["PolicyNames"] == []


def test_cli_takes_the_users_json_from_stdin(dormant, sim_server) -> None:
    now = _now()
    credentials.set_report_polls(0)
    _stale_user(sim_server, now)
    sim_server.put_user(
        ACCOUNT,
        "busy",
        created=now - timedelta(days=400),
        keys=[KeySeed(created=now - timedelta(days=300), last_used=now - timedelta(days=2))],
    )
    found = dormant("users", "-f", "json", env=sim_server.env())
    assert found.returncode == 1, found.stderr
    document = json.loads(found.stdout)
    assert [f["user_name"] for f in document["findings"] if f["compliance"] == "NON_COMPLIANT"] == [
        "stale"
    ]

    dry = dormant("quarantine", "--from", "-", input=found.stdout, env=sim_server.env())
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0] == "dry run: nothing will be changed; add --apply to make these calls"
    assert lines[1] == "planned: would quarantine user stale (owner: data)"
    assert lines[2].startswith("  iam:PutUserPolicy UserName=stale PolicyName=dormant-quarantine")
    assert lines[-1].startswith("summary: planned 1, done 0")

    applied = dormant(
        "quarantine", "--from", "-", "--apply", input=found.stdout, env=sim_server.env()
    )
    assert applied.returncode == 0, applied.stderr
    assert "done: quarantined user stale (owner: data)" in applied.stdout.splitlines()

    released = dormant("release", "--user", "stale", "--apply", env=sim_server.env())
    assert released.returncode == 0, released.stderr
    assert "done: released user stale" in released.stdout.splitlines()


def test_cli_refuses_roles_and_users_together(dormant) -> None:
    result = dormant("quarantine", "some-role", "--user", "alice")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dormant: error: invalid parameter --user: name roles or users in one run, not both"
    )


def test_a_users_window_may_exceed_the_roles_400_days(dormant, sim_server) -> None:
    # The credential report keeps last use with no trailing limit, so a user's window is
    # not capped at IAM's 400 days of role last use; here it spares the stale user.
    now = _now()
    _stale_user(sim_server, now)
    result = dormant("quarantine", "--user", "stale", "--max-days", "500", env=sim_server.env())
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("skipped: user stale") for line in result.stdout.splitlines()), (
        result.stdout
    )
    roles = dormant("quarantine", "some-role", "--max-days", "500", env=sim_server.env())
    assert roles.returncode == 2
    assert "IAM tracks role last use (400 days)" in roles.stderr
