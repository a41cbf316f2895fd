"""The same strict simulation, served on loopback for clients and subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from dormant_sim.recording import Call
from dormant_sim.server import SimulatedAws, clean_aws_environment

ACCOUNT = "123456789012"
MEMBER = "111111111111"


def test_server_listens_on_loopback_only(sim_server: SimulatedAws) -> None:
    assert sim_server.endpoint_url is not None
    assert sim_server.endpoint_url.startswith("http://127.0.0.1:")


def test_paging_and_recording_work_through_the_server(
    sim_server: SimulatedAws, now: datetime
) -> None:
    sim_server.bulk_roles(ACCOUNT, 1200, now=now)
    iam = sim_server.client("iam")

    first = iam.get_account_authorization_details(Filter=["Role"], MaxItems=1000)
    second = iam.get_account_authorization_details(
        Filter=["Role"], MaxItems=1000, Marker=first["Marker"]
    )
    with pytest.raises(ClientError) as caught:
        iam.get_account_authorization_details(Filter=["Role"], MaxItems=1001)

    assert (len(first["RoleDetailList"]), len(second["RoleDetailList"])) == (1000, 200)
    assert second["IsTruncated"] is False
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert sim_server.recorder.calls("iam", "GetAccountAuthorizationDetails", ACCOUNT) == 3


def test_config_store_and_injection_work_through_the_server(
    sim_server: SimulatedAws, now: datetime
) -> None:
    event = sim_server.scheduled_event("iam-role-last-used", ACCOUNT, notification_time=now)
    config = sim_server.client("config")
    evaluation = {
        "ComplianceResourceType": "AWS::IAM::Role",
        "ComplianceResourceId": "AROAEXAMPLE",
        "ComplianceType": "NON_COMPLIANT",
        "Annotation": "No record of usage",
        "OrderingTimestamp": now,
    }
    sim_server.fail_evaluations(1)

    failed = config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"])
    config.put_evaluations(Evaluations=[evaluation], ResultToken=event["resultToken"])
    results = config.get_compliance_details_by_config_rule(ConfigRuleName="iam-role-last-used")

    assert len(failed["FailedEvaluations"]) == 1
    assert [r["ComplianceType"] for r in results["EvaluationResults"]] == ["NON_COMPLIANT"]


def test_latency_applies_to_served_requests(
    sim_server: SimulatedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    sts = sim_server.client("sts")
    sts.get_caller_identity()
    # The server waits with time.sleep: record each wait instead of timing the calls, so a
    # loaded machine can neither fail this test nor hide a missing delay.
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    sim_server.set_latency(0.04)
    for _ in range(5):
        sts.get_caller_identity()
    assert waits.count(0.04) == 5


def test_concurrent_requests_are_served_in_parallel(
    sim_server: SimulatedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = [sim_server.client("sts") for _ in range(8)]
    for c in clients:
        c.get_caller_identity()
    # Each request, once the server has taken it, waits until all eight are being served:
    # a server that took one request at a time would break the barrier (after its
    # generous timeout) and the calls would fail.
    all_in_flight = threading.Barrier(len(clients), timeout=60)
    record = sim_server.recorder.record

    def record_and_wait(call: Call) -> None:
        record(call)
        all_in_flight.wait()

    monkeypatch.setattr(sim_server.recorder, "record", record_and_wait)
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        identities = list(pool.map(lambda c: c.get_caller_identity()["Account"], clients))
    assert identities == [ACCOUNT] * len(clients)
    assert not all_in_flight.broken
    assert sim_server.recorder.calls("sts", "GetCallerIdentity") == 2 * len(clients)


def test_reset_empties_the_accounts(sim_server: SimulatedAws, now: datetime) -> None:
    sim_server.put_role(ACCOUNT, "Temporary", created=now)
    sim_server.client("iam").list_roles()
    sim_server.reset()
    assert sim_server.client("iam").list_roles()["Roles"] == []
    assert sim_server.recorder.calls() == 1


def test_a_subprocess_reaches_the_server_with_env(sim_server: SimulatedAws, now: datetime) -> None:
    sim_server.put_role(MEMBER, "MemberRole", created=now - timedelta(days=3))
    script = (
        "import boto3, json;"
        "print(json.dumps([boto3.client('sts').get_caller_identity()['Account'],"
        " [r['RoleName'] for r in boto3.client('iam').list_roles()['Roles']]]))"
    )

    default = subprocess.run(
        [sys.executable, "-c", script], env=sim_server.env(), capture_output=True, text=True
    )
    member = subprocess.run(
        [sys.executable, "-c", script],
        env=sim_server.env(account_id=MEMBER),
        capture_output=True,
        text=True,
    )

    assert json.loads(default.stdout) == [ACCOUNT, []], default.stderr
    assert json.loads(member.stdout) == [MEMBER, ["MemberRole"]], member.stderr
    # Asking again reuses the credentials instead of exceeding IAM's two keys per user.
    assert [sim_server.env(account_id=MEMBER)["AWS_ACCESS_KEY_ID"] for _ in range(3)] == [
        sim_server.env(account_id=MEMBER)["AWS_ACCESS_KEY_ID"]
    ] * 3
    assert sim_server.recorder.calls("sts", "GetCallerIdentity") == 2


def test_clean_environment_drops_real_aws_settings() -> None:
    env = clean_aws_environment(
        {
            "PATH": "/bin",
            "AWS_PROFILE": "production",
            "AWS_SESSION_TOKEN": "secret",
            "MOTO_ACCOUNT_ID": "999999999999",
        },
        endpoint_url="http://127.0.0.1:1",
    )
    assert env["PATH"] == "/bin"
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert "MOTO_ACCOUNT_ID" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_CONFIG_FILE"].startswith("/nonexistent")
    assert env["AWS_SHARED_CREDENTIALS_FILE"].startswith("/nonexistent")
