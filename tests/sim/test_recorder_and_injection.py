"""Every request is recorded; latency and errors can be injected; AssumeRole can be denied."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
MEMBER = "111111111111"


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_recorder_counts_calls_by_service_operation_and_account(sim: Simulation) -> None:
    iam = sim.client("iam")
    member_iam = sim.client("iam", MEMBER)

    iam.list_roles()
    iam.list_roles()
    member_iam.list_roles()
    sim.client("sts").get_caller_identity()

    assert sim.recorder.calls() == 4
    assert sim.recorder.calls("iam") == 3
    assert sim.recorder.calls("iam", "ListRoles", account_id=ACCOUNT) == 2
    assert sim.recorder.calls(account_id=MEMBER) == 1
    assert sim.recorder.counts() == {"iam:ListRoles": 3, "sts:GetCallerIdentity": 1}
    assert sim.recorder.records(account_id=MEMBER)[0].operation == "ListRoles"
    sim.recorder.reset()
    assert sim.recorder.calls() == 0


def test_seeding_is_not_recorded(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "Seeded", created=now, inline_policies={"p": _allow_all()})
    sim.seed_demo_account(MEMBER, now)
    assert sim.recorder.calls() == 0


def test_write_calls_exclude_reads(sim: Simulation, now: datetime) -> None:
    sim.put_role(ACCOUNT, "Target", created=now)
    iam = sim.client("iam")
    iam.get_role(RoleName="Target")
    iam.tag_role(RoleName="Target", Tags=[{"Key": "k", "Value": "v"}])
    assert [c.operation for c in sim.recorder.write_calls()] == ["TagRole"]


def test_recorder_is_thread_safe(sim: Simulation) -> None:
    iam = sim.client("iam")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: iam.list_roles(), range(40)))
    assert sim.recorder.calls("iam", "ListRoles") == 40


def test_latency_delays_each_request(sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> None:
    sts = sim.client("sts")
    sts.get_caller_identity()  # warm the client up
    # Each request waits with time.sleep: record the waits rather than time the calls.
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    sim.set_latency(0.05)
    for _ in range(4):
        sts.get_caller_identity()
    sim.set_latency(0)
    sts.get_caller_identity()

    assert waits == [0.05] * 4


def test_negative_latency_is_refused(sim: Simulation) -> None:
    with pytest.raises(ValueError, match="latency"):
        sim.set_latency(-1)


def test_injected_error_fails_only_the_matching_role_once(sim: Simulation, now: datetime) -> None:
    for name in ("KeepMe", "DeleteMe"):
        sim.put_role(ACCOUNT, name, created=now)
    sim.inject_error(
        "iam",
        "DeleteRole",
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        when=lambda params: params.get("RoleName") == "KeepMe",
    )
    iam = sim.client("iam")

    iam.delete_role(RoleName="DeleteMe")
    with pytest.raises(ClientError) as caught:
        iam.delete_role(RoleName="KeepMe")

    assert _code(caught) == "DeleteConflict"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["KeepMe"]
    iam.delete_role(RoleName="KeepMe")  # the injection was used up
    assert iam.list_roles()["Roles"] == []


def test_injected_error_can_target_one_account_and_repeat(sim: Simulation) -> None:
    sim.inject_error("iam", "ListRoles", "AccessDenied", "denied", times=None, account_id=MEMBER)
    for _ in range(3):
        with pytest.raises(ClientError) as caught:
            sim.client("iam", MEMBER).list_roles()
        assert _code(caught) == "AccessDenied"
    sim.client("iam").list_roles()
    sim.clear_injections()
    sim.client("iam", MEMBER).list_roles()


def test_throttling_is_retried_by_botocore(sim: Simulation) -> None:
    import boto3
    from botocore.config import Config

    sim.inject_error("iam", "ListRoles", "Throttling", "Rate exceeded", times=1)
    iam = boto3.client("iam", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    assert iam.list_roles()["Roles"] == []
    assert sim.recorder.calls("iam", "ListRoles") == 2


def test_assume_role_can_be_denied_for_one_account(sim: Simulation) -> None:
    sim.deny_assume_role(MEMBER)
    sts = sim.client("sts")

    with pytest.raises(ClientError) as caught:
        sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/Scanner", RoleSessionName="scan")
    granted = sts.assume_role(
        RoleArn="arn:aws:iam::222222222222:role/Scanner", RoleSessionName="scan"
    )

    assert _code(caught) == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert granted["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::222222222222:")


def test_assume_role_can_be_denied_for_one_role(sim: Simulation) -> None:
    sim.deny_assume_role(MEMBER, "Scanner")
    sts = sim.client("sts")
    sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/Other", RoleSessionName="scan")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/Scanner", RoleSessionName="scan")


def test_assumed_credentials_act_in_the_target_account_and_stamp_last_use(
    sim: Simulation, now: datetime
) -> None:
    sim.put_role(MEMBER, "Scanner", created=now - timedelta(days=400))
    creds = sim.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{MEMBER}:role/Scanner", RoleSessionName="scan"
    )["Credentials"]
    import boto3

    iam = boto3.client(
        "iam",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )

    roles = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]

    assert [r["Arn"] for r in roles] == [f"arn:aws:iam::{MEMBER}:role/Scanner"]
    assert roles[0]["RoleLastUsed"]["Region"] == "us-east-1"
    assert sim.recorder.calls("iam", account_id=MEMBER) == 1


def test_install_is_idempotent(sim: Simulation) -> None:
    from moto.core.responses import BaseResponse

    from dormant_sim import strict

    before = BaseResponse.call_action
    strict.install()
    assert BaseResponse.call_action is before
    sim.client("iam").list_roles()
    assert sim.recorder.calls() == 1


def _allow_all() -> dict[str, Any]:
    return json.loads(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",'
        ' "Resource": "*"}]}'
    )


def test_latency_context_restores_the_previous_value(sim: Simulation) -> None:
    from dormant_sim import strict

    sim.set_latency(0.01)
    with strict.latency(0.2):
        assert strict.get_latency() == 0.2
    assert strict.get_latency() == 0.01
