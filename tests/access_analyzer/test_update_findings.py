"""The simulated UpdateFindings archives (and reopens) findings as botocore's model shapes it.

Exactly one of ids and resourceArn; status ACTIVE or ARCHIVED; all or nothing when an id is
unknown; a RESOLVED finding stays as it is; `access-analyzer:UpdateFindings` on the
analyzer's ARN, else AccessDeniedException.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim import access_analyzer
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def statuses(client: Any, arn: str) -> dict[str, str]:
    found = client.list_findings_v2(analyzerArn=arn)["findings"]
    return {f["resource"].rsplit("/", 1)[-1]: f["status"] for f in found}


def ids(client: Any, arn: str) -> dict[str, str]:
    found = client.list_findings_v2(analyzerArn=arn)["findings"]
    return {f["resource"].rsplit("/", 1)[-1]: f["id"] for f in found}


def two_findings(sim: Simulation, now: datetime) -> tuple[Any, str]:
    for name in ("idle-a", "idle-b"):
        sim.put_role(ACCOUNT, name, created=now - timedelta(days=200))
    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    return sim.client("accessanalyzer"), arn


def test_archive_by_id_then_reopen(sim: Simulation, now: datetime) -> None:
    client, arn = two_findings(sim, now)
    found = ids(client, arn)
    client.update_findings(analyzerArn=arn, ids=[found["idle-a"]], status="ARCHIVED")
    assert statuses(client, arn) == {"idle-a": "ARCHIVED", "idle-b": "ACTIVE"}
    archived = client.list_findings_v2(analyzerArn=arn, filter={"status": {"eq": ["ACTIVE"]}})
    assert [f["resource"].rsplit("/", 1)[-1] for f in archived["findings"]] == ["idle-b"]
    client.update_findings(analyzerArn=arn, ids=[found["idle-a"]], status="ACTIVE")
    assert statuses(client, arn) == {"idle-a": "ACTIVE", "idle-b": "ACTIVE"}


def test_archive_by_resource(sim: Simulation, now: datetime) -> None:
    client, arn = two_findings(sim, now)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/idle-b"
    client.update_findings(analyzerArn=arn, resourceArn=role_arn, status="ARCHIVED")
    assert statuses(client, arn) == {"idle-a": "ACTIVE", "idle-b": "ARCHIVED"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"status": "ARCHIVED"}, "ValidationException"),  # neither ids nor resourceArn
        (
            {"status": "ARCHIVED", "ids": ["x"], "resourceArn": "arn:aws:iam::1:role/r"},
            "ValidationException",
        ),
        ({"status": "ARCHIVED", "ids": [f"id-{n}" for n in range(51)]}, "ValidationException"),
        ({"status": "ARCHIVED", "ids": ["no-such-finding"]}, "ResourceNotFoundException"),
    ],
)
def test_refused_requests_change_nothing(
    sim: Simulation, now: datetime, kwargs: dict[str, Any], code: str
) -> None:
    client, arn = two_findings(sim, now)
    if "ids" in kwargs and kwargs["ids"] == ["no-such-finding"]:
        kwargs = {**kwargs, "ids": [ids(client, arn)["idle-a"], "no-such-finding"]}
    with pytest.raises(ClientError) as refused:
        client.update_findings(analyzerArn=arn, **kwargs)
    assert refused.value.response["Error"]["Code"] == code
    assert statuses(client, arn) == {"idle-a": "ACTIVE", "idle-b": "ACTIVE"}


def test_a_resolved_finding_cannot_be_archived(sim: Simulation, now: datetime) -> None:
    client, arn = two_findings(sim, now)
    found = ids(client, arn)
    boto3.client("iam").delete_role(RoleName="idle-a")
    access_analyzer.analyze(now + timedelta(days=1))
    with pytest.raises(ClientError) as refused:
        client.update_findings(analyzerArn=arn, ids=[found["idle-a"]], status="ARCHIVED")
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "RESOLVED" in str(refused.value)


def test_an_unknown_analyzer_is_not_found(sim: Simulation, now: datetime) -> None:
    client, arn = two_findings(sim, now)
    with pytest.raises(ClientError) as missing:
        client.update_findings(analyzerArn=arn + "-gone", ids=["x"], status="ARCHIVED")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_archiving_needs_update_findings_on_the_analyzer(sim: Simulation, now: datetime) -> None:
    client, arn = two_findings(sim, now)
    finding = ids(client, arn)["idle-a"]
    read = {"Effect": "Allow", "Action": "access-analyzer:ListFindings", "Resource": arn}
    write = {"Effect": "Allow", "Action": "access-analyzer:UpdateFindings", "Resource": arn}
    reader = sim.principal("reader", policies=[{"Version": "2012-10-17", "Statement": [read]}])
    archiver = sim.principal(
        "archiver", policies=[{"Version": "2012-10-17", "Statement": [read, write]}]
    )
    with sim.enforcing():
        with sim.acting_as(reader):
            with pytest.raises(ClientError) as denied:
                boto3.client("accessanalyzer").update_findings(
                    analyzerArn=arn, ids=[finding], status="ARCHIVED"
                )
            assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
            assert "access-analyzer:UpdateFindings" in str(denied.value)
        with sim.acting_as(archiver):
            boto3.client("accessanalyzer").update_findings(
                analyzerArn=arn, ids=[finding], status="ARCHIVED"
            )
    assert statuses(client, arn)["idle-a"] == "ARCHIVED"
