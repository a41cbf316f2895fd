"""The credential report as the simulation serves it, and the adapter that reads it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from dormant.core.errors import CredentialReportError
from dormant.users.aws import IamUserSource, ReportWait
from dormant.users.model import CredentialKind
from dormant.users.records import parse_credential_report
from dormant_sim import credentials
from dormant_sim.seed import KeySeed, PasswordSeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def test_report_generation_takes_a_few_calls_and_then_stays(sim: Simulation) -> None:
    iam = sim.client("iam")
    with pytest.raises(ClientError, match="ReportNotPresent"):
        iam.get_credential_report()
    states = [iam.generate_credential_report()["State"] for _ in range(4)]
    assert states == ["STARTED", "INPROGRESS", "COMPLETE", "COMPLETE"]
    first = iam.get_credential_report()
    sim.put_user(ACCOUNT, "late", created=datetime.now().astimezone())
    # A finished report is kept (AWS keeps it four hours): the new user is not in it yet.
    assert iam.get_credential_report()["Content"] == first["Content"]
    credentials.expire_reports(ACCOUNT)
    iam.generate_credential_report()
    with pytest.raises(ClientError, match="ReportInProgress"):
        iam.get_credential_report()


def test_report_cells_hold_aws_values(sim: Simulation, now: datetime) -> None:
    sim.put_user(
        ACCOUNT,
        "alice",
        path="/ops/",
        created=now - timedelta(days=300),
        password=PasswordSeed(changed=now - timedelta(days=200)),
        keys=[KeySeed(created=now - timedelta(days=100))],
    )
    sim.put_user(
        ACCOUNT,
        "bob",
        created=now - timedelta(days=30),
        keys=[
            KeySeed(
                created=now - timedelta(days=20),
                last_used=now - timedelta(days=2),
                region="eu-west-1",
                service="ec2",
            )
        ],
    )
    credentials.set_report_polls(0)
    iam = sim.client("iam")
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    lines = iam.get_credential_report()["Content"].decode().splitlines()
    assert lines[1].startswith(f"<root_account>,arn:aws:iam::{ACCOUNT}:root,")
    alice = lines[2].split(",")
    # password_last_used: never used; key 1 never used: N/A for date, region and service.
    assert alice[3:6] == ["true", "no_information", "2025-08-27T12:00:00+00:00"]
    assert alice[8:13] == ["true", "2025-12-05T12:00:00+00:00", "N/A", "N/A", "N/A"]
    assert alice[13:18] == ["false", "N/A", "N/A", "N/A", "N/A"]
    bob = lines[3].split(",")
    assert bob[3:6] == ["false", "N/A", "N/A"]
    assert bob[10:13] == ["2026-03-13T12:00:00+00:00", "eu-west-1", "ec2"]
    parsed = parse_credential_report("\n".join(lines))
    assert [u.name for u in parsed] == ["<root_account>", "alice", "bob"]


def test_source_polls_with_backoff_and_joins_user_details(sim: Simulation, now: datetime) -> None:
    seeded = sim.put_user(
        ACCOUNT,
        "carol",
        path="/ci/",
        created=now - timedelta(days=90),
        keys=[KeySeed(created=now - timedelta(days=80), last_used=now - timedelta(days=60))],
        tags={"team": "build"},
    )
    pauses: list[float] = []
    source = IamUserSource(sim.client("iam"), account_id=ACCOUNT, sleep=pauses.append)

    root, carol = source.users()

    assert pauses == [1.0, 2.0]
    assert root.is_root
    assert (carol.user_id, carol.path, carol.tags) == (seeded.user_id, "/ci/", (("team", "build"),))
    assert [c.kind for c in carol.credentials] == [CredentialKind.ACCESS_KEY_1]
    assert carol.credentials[0].last_used == now - timedelta(days=60)
    assert sim.recorder.calls("iam", "GenerateCredentialReport") == 3
    assert sim.recorder.calls("iam", "GetCredentialReport") == 1
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 1


def test_a_report_that_never_completes_ends_in_a_clear_error(sim: Simulation) -> None:
    credentials.set_report_polls(1000)
    pauses: list[float] = []
    source = IamUserSource(
        sim.client("iam"),
        account_id=ACCOUNT,
        wait=ReportWait(first=1, factor=2, cap=4, total=12),
        sleep=pauses.append,
    )
    with pytest.raises(CredentialReportError) as raised:
        source.users()
    assert str(raised.value) == (
        f"IAM did not finish generating the credential report of account {ACCOUNT} within "
        "12 seconds (GenerateCredentialReport still says INPROGRESS); try again later"
    )
    assert pauses == [1, 2, 4, 4]
    assert sum(pauses) <= 12


def test_2500_users_cost_three_pages_of_details(sim: Simulation, now: datetime) -> None:
    sim.bulk_users(ACCOUNT, 2500, now=now)
    credentials.set_report_polls(0)
    users = IamUserSource(sim.client("iam"), account_id=ACCOUNT, sleep=lambda _: None).users()
    assert len(users) == 2501
    assert all(u.user_id for u in users[1:])
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 3
    assert sim.recorder.calls("iam", "GetCredentialReport") == 1
