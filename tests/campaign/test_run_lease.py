"""The retire campaign's run lease in the simulated S3: taken with a conditional write, held
against a second run, given back, taken over past its term or when unreadable, and a lost
race (another run's write between our read and our write) refused. The time moves through
an injected clock only."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions
import pytest

from dormant.aws.lease import LEASE_TERM, RunLease
from dormant.core.errors import RunInProgress
from dormant_sim.server import Simulation

BUCKET = "dormant-retire-backups-111111111111"
KEY = "lease/retire-run.json"
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def s3(sim: Simulation) -> Any:
    client = sim.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


def lease_body(s3: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
    return found


def test_a_second_run_is_refused_while_the_first_holds_the_lease(s3: Any) -> None:
    clock = Clock()
    first, second = (RunLease(s3, BUCKET, KEY, clock=clock) for _ in range(2))
    with first.held() as held:
        assert held.expires_at == START + LEASE_TERM
        assert lease_body(s3)["released"] is False
        clock.now = START + timedelta(minutes=5)
        with pytest.raises(RunInProgress) as refused:
            second.acquire()
        assert str(refused.value) == (
            f"another run of the retire campaign holds its lease s3://{BUCKET}/{KEY} until "
            f"{(START + LEASE_TERM).isoformat()}; this run changed nothing (the next one takes "
            "over a lease past its term)"
        )
    assert lease_body(s3)["released"] is True
    again = second.acquire()  # given back: the next run takes it at once
    assert lease_body(s3)["holder"] == again.holder


def test_a_lease_past_its_term_is_taken_over(s3: Any) -> None:
    """A run killed mid-way never gives the lease back; the next run takes it after its term."""
    clock = Clock()
    RunLease(s3, BUCKET, KEY, clock=clock).acquire()
    later = RunLease(s3, BUCKET, KEY, clock=clock)
    clock.now = START + LEASE_TERM - timedelta(seconds=1)
    with pytest.raises(RunInProgress):
        later.acquire()
    clock.now = START + LEASE_TERM + timedelta(seconds=1)
    taken = later.acquire()
    assert lease_body(s3)["holder"] == taken.holder
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"]
    assert len(versions) == 2  # overwritten, never deleted


def test_an_unreadable_lease_is_taken_over(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"not json")
    RunLease(s3, BUCKET, KEY, clock=Clock()).acquire()
    assert lease_body(s3)["released"] is False


class RacingS3:
    """The S3 client, but another run writes the lease just before our first write."""

    def __init__(self, s3: Any, rival: RunLease | None) -> None:
        self._s3 = s3
        self._rival = rival

    def get_object(self, **kwargs: Any) -> Any:
        return self._s3.get_object(**kwargs)

    def put_object(self, **kwargs: Any) -> Any:
        rival, self._rival = self._rival, None
        if rival is not None:
            rival.acquire()
        return self._s3.put_object(**kwargs)


@pytest.mark.parametrize("existing", [False, True], ids=["no lease yet", "a lease past its term"])
def test_of_two_runs_racing_for_the_lease_one_wins(s3: Any, existing: bool) -> None:
    clock = Clock()
    if existing:
        RunLease(s3, BUCKET, KEY, clock=clock).acquire()
        clock.now = START + LEASE_TERM + timedelta(minutes=1)
    rival = RunLease(s3, BUCKET, KEY, clock=clock)
    loser = RunLease(RacingS3(s3, rival), BUCKET, KEY, clock=clock)
    with pytest.raises(RunInProgress, match="holds its lease"):
        loser.acquire()
    assert lease_body(s3)["released"] is False


def test_a_lease_lost_meanwhile_is_logged_not_raised(
    s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    mine = RunLease(s3, BUCKET, KEY, clock=clock)
    with mine.held():
        clock.now = START + LEASE_TERM + timedelta(minutes=1)
        other = RunLease(s3, BUCKET, KEY, clock=clock).acquire()
        caplog.set_level(logging.WARNING, logger="dormant")
    assert "another run took it" in caplog.text
    assert lease_body(s3)["holder"] == other.holder
    assert lease_body(s3)["released"] is False


def test_the_simulated_s3_refuses_what_s3_refuses(s3: Any) -> None:
    """What the lease relies on, and what S3 does: If-None-Match fails on an existing key, and
    If-Match fails on another ETag (412 PreconditionFailed both)."""
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"{}", IfNoneMatch="*")
    for condition in ({"IfNoneMatch": "*"}, {"IfMatch": '"0123456789abcdef"'}):
        with pytest.raises(s3.exceptions.ClientError) as failed:
            s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"{}", **condition)
        assert failed.value.response["Error"]["Code"] == "PreconditionFailed"
        assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


class ConflictingS3:
    """An S3 whose conditional write meets a concurrent one: 409 ConditionalRequestConflict,
    which S3 answers and the simulation never does."""

    def get_object(self, **kwargs: Any) -> Any:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject"
        )

    def put_object(self, **kwargs: Any) -> Any:
        assert kwargs["IfNoneMatch"] == "*"
        raise botocore.exceptions.ClientError(
            {
                "Error": {"Code": "ConditionalRequestConflict", "Message": "conflict"},
                "ResponseMetadata": {"HTTPStatusCode": 409},
            },
            "PutObject",
        )


def test_a_conflicting_write_means_another_run_holds_the_lease() -> None:
    with pytest.raises(RunInProgress, match="holds its lease"):
        RunLease(ConflictingS3(), BUCKET, KEY, clock=Clock()).acquire()
