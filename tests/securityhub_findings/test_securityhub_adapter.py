"""`dormant.aws.securityhub_findings`: Security Hub's OCSF findings read as `AwsFinding`s, in
ceil(N / page) GetFindingsV2 calls, for each of the four unused-access types; archived with a
note by BatchUpdateFindingsV2; a malformed finding or a denied call is one error naming it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from dormant.aws.securityhub_findings import (
    SECURITYHUB_WINDOW_DAYS,
    UNUSED_ACCESS_TYPES,
    Unprocessed,
    archive_securityhub_findings,
    read_securityhub_findings,
)
from dormant.core.errors import AwsAccessError
from dormant_sim import access_analyzer
from dormant_sim.seed.users import KeySeed, PasswordSeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def _hub(sim: Simulation, now: datetime) -> Any:
    old = now - timedelta(days=200)
    for index in range(3):
        sim.put_role(ACCOUNT, f"idle-{index}", created=old)
    sim.put_role(ACCOUNT, "busy", created=old, last_used=now - timedelta(days=2))
    sim.put_user(
        ACCOUNT,
        "alice",
        created=old,
        password=PasswordSeed(changed=old),
        keys=[KeySeed(created=old, last_used=None)],
    )
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("securityhub")
    client.enable_security_hub()
    return client


@pytest.mark.parametrize("page_size", [1, 2, 100])
def test_unused_roles_page_by_page(sim: Simulation, now: datetime, page_size: int) -> None:
    client = _hub(sim, now)
    sim.recorder.reset()
    found = list(
        read_securityhub_findings(
            client, ["UnusedIAMRole"], account_id=ACCOUNT, page_size=page_size
        )
    )
    assert sim.recorder.calls("securityhub", "GetFindingsV2") == -(-3 // page_size)
    assert sorted(f.resource_arn for f in found) == [
        f"arn:aws:iam::{ACCOUNT}:role/idle-{index}" for index in range(3)
    ]
    first = found[0]
    assert (first.source, first.type, first.status, first.account_id) == (
        "securityhub",
        "UnusedIAMRole",
        "New",
        ACCOUNT,
    )
    assert first.analyzed_at == now
    assert first.window_days == SECURITYHUB_WINDOW_DAYS
    assert first.id.startswith(f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/")
    assert first.analyzer_arn.endswith("productv2/aws/access-analyzer")


def test_the_users_types_too(sim: Simulation, now: datetime) -> None:
    client = _hub(sim, now)
    users = {
        f.type: f.resource_arn
        for f in read_securityhub_findings(
            client, ["UnusedIAMUserPassword", "UnusedIAMUserAccessKey"]
        )
    }
    assert users == {
        "UnusedIAMUserPassword": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "UnusedIAMUserAccessKey": f"arn:aws:iam::{ACCOUNT}:user/alice",
    }
    assert set(UNUSED_ACCESS_TYPES) >= set(users)
    with pytest.raises(ValueError, match="finding_types"):
        list(read_securityhub_findings(client, ["ExternalAccess"]))


def test_archived_findings_are_no_longer_read(sim: Simulation, now: datetime) -> None:
    client = _hub(sim, now)
    first, *rest = read_securityhub_findings(client, ["UnusedIAMRole"])
    gone = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/gone"
    unprocessed = archive_securityhub_findings(
        client, [first.id, gone], "dormant deleted the role; backup s3://backups/idle.json"
    )
    assert unprocessed == [
        Unprocessed(gone, "ResourceNotFoundException", "The finding was not found")
    ]
    assert sorted(f.id for f in read_securityhub_findings(client, ["UnusedIAMRole"])) == sorted(
        f.id for f in rest
    )
    shown = client.get_findings_v2()["Findings"]
    archived = next(f for f in shown if f["metadata"]["uid"] == first.id)
    assert archived["status"] == "Archived"
    assert archived["comment"].startswith("dormant deleted the role")
    with pytest.raises(ValueError, match="note"):
        archive_securityhub_findings(client, [first.id], " ")


def test_a_malformed_finding_is_one_error_naming_it(sim: Simulation, now: datetime) -> None:
    class Broken:
        def get_paginator(self, _name: str) -> Any:
            class Pages:
                def paginate(self, **_kwargs: Any) -> Any:
                    return iter([{"Findings": [{"metadata": {"uid": "f-1"}, "resources": []}]}])

            return Pages()

    with pytest.raises(AwsAccessError, match=r"finding f-1 lacks finding_info.types"):
        list(read_securityhub_findings(Broken(), ["UnusedIAMRole"]))  # type: ignore[arg-type]


def test_a_denied_read_names_the_call_and_account(sim: Simulation, now: datetime) -> None:
    _hub(sim, now)
    stranger = sim.principal(
        "stranger",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}],
            }
        ],
    )
    with sim.enforcing(), sim.acting_as(stranger):
        client = boto3.client("securityhub", region_name="us-east-1")
        with pytest.raises(AwsAccessError) as denied:
            list(read_securityhub_findings(client, ["UnusedIAMRole"], account_id=ACCOUNT))
    assert denied.value.denied
    assert "securityhub:GetFindingsV2" in str(denied.value)
    assert ACCOUNT in str(denied.value)
