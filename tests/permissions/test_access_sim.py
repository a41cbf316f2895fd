"""The simulated service-last-accessed jobs behave like IAM's: polls, pages, failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from permissions_support import ACCOUNT, seed_role

from dormant_sim import access
from dormant_sim.server import Simulation


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def _poll_until_done(iam: Any, job_id: str, **params: Any) -> tuple[int, dict[str, Any]]:
    for polls in range(1, 20):
        response = iam.get_service_last_accessed_details(JobId=job_id, **params)
        if response["JobStatus"] != "IN_PROGRESS":
            return polls, response
    raise AssertionError("the job never finished")


def test_jobs_stay_in_progress_for_the_set_polls_then_list_the_granted_services(
    sim: Simulation, now: datetime
) -> None:
    arn = seed_role(sim, "app", now, used={"s3:GetObject": 3})
    iam = sim.client("iam")
    access.set_polls_to_complete(3)
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")
    polls, response = _poll_until_done(iam, job["JobId"])
    assert polls == 4
    assert response["JobStatus"] == "COMPLETED"
    services = {s["ServiceNamespace"]: s for s in response["ServicesLastAccessed"]}
    assert sorted(services) == ["kms", "s3", "sqs"]
    assert "LastAuthenticated" not in services["kms"]
    assert services["s3"]["LastAuthenticatedRegion"] == "eu-west-1"
    tracked = services["s3"]["TrackedActionsLastAccessed"]
    assert [a["ActionName"] for a in tracked] == ["GetObject"]
    assert "TrackedActionsLastAccessed" not in services["kms"]


def test_service_level_jobs_track_no_actions(sim: Simulation, now: datetime) -> None:
    arn = seed_role(sim, "app", now, used={"s3:GetObject": 3})
    iam = sim.client("iam")
    job = iam.generate_service_last_accessed_details(Arn=arn)
    _, response = _poll_until_done(iam, job["JobId"])
    assert response["JobType"] == "SERVICE_LEVEL"
    assert all("TrackedActionsLastAccessed" not in s for s in response["ServicesLastAccessed"])


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 100])
def test_completed_jobs_page_with_marker(sim: Simulation, now: datetime, page_size: int) -> None:
    arn = seed_role(sim, "app", now, actions=("s3:*", "kms:*", "sqs:*", "sns:*", "ec2:*"))
    iam = sim.client("iam")
    job_id = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    _, response = _poll_until_done(iam, job_id, MaxItems=page_size)
    seen = [s["ServiceNamespace"] for s in response["ServicesLastAccessed"]]
    while response["IsTruncated"]:
        response = iam.get_service_last_accessed_details(
            JobId=job_id, MaxItems=page_size, Marker=response["Marker"]
        )
        assert len(response["ServicesLastAccessed"]) <= page_size
        seen += [s["ServiceNamespace"] for s in response["ServicesLastAccessed"]]
    assert seen == ["ec2", "kms", "s3", "sns", "sqs"]


def test_managed_policies_and_wildcards_grant_services(sim: Simulation, now: datetime) -> None:
    seeded = sim.put_role(
        ACCOUNT,
        "admin",
        created=now,
        managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    iam = sim.client("iam")
    job_id = iam.generate_service_last_accessed_details(Arn=seeded.arn)["JobId"]
    _, response = _poll_until_done(iam, job_id, MaxItems=1000)
    assert len(response["ServicesLastAccessed"]) == len(access.KNOWN_SERVICES)


def test_jobs_fail_on_request(sim: Simulation, now: datetime) -> None:
    arn = seed_role(sim, "app", now)
    other = seed_role(sim, "other", now)
    access.fail_jobs("app", message="Service is busy")
    iam = sim.client("iam")
    _, failed = _poll_until_done(iam, iam.generate_service_last_accessed_details(Arn=arn)["JobId"])
    assert failed["JobStatus"] == "FAILED"
    assert failed["Error"]["Message"] == "Service is busy"
    _, fine = _poll_until_done(iam, iam.generate_service_last_accessed_details(Arn=other)["JobId"])
    assert fine["JobStatus"] == "COMPLETED"


def test_unknown_roles_jobs_and_markers_are_refused(sim: Simulation, now: datetime) -> None:
    arn = seed_role(sim, "app", now)
    iam = sim.client("iam")
    with pytest.raises(ClientError) as caught:
        iam.generate_service_last_accessed_details(Arn=arn.replace("role/app", "role/nope"))
    assert _code(caught) == "NoSuchEntity"
    with pytest.raises(ClientError) as caught:
        sim.client("iam", "111111111111").generate_service_last_accessed_details(Arn=arn)
    assert _code(caught) == "NoSuchEntity"
    with pytest.raises(ClientError) as caught:
        iam.get_service_last_accessed_details(JobId="00000000-0000-4000-8000-000000000000")
    assert _code(caught) == "NoSuchEntity"
    job_id = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    _poll_until_done(iam, job_id)
    with pytest.raises(ClientError) as caught:
        iam.get_service_last_accessed_details(JobId=job_id, Marker="bogus")
    assert _code(caught) == "ValidationError"
    with pytest.raises(ClientError) as caught:
        iam.get_service_last_accessed_details(JobId=job_id, MaxItems=1001)
    assert _code(caught) == "ValidationError"


def test_throttling_is_injected_like_any_call(sim: Simulation, now: datetime) -> None:
    arn = seed_role(sim, "app", now)
    sim.inject_error("iam", "GenerateServiceLastAccessedDetails", "Throttling", "Rate exceeded")
    iam = sim.client("iam")
    iam.generate_service_last_accessed_details(Arn=arn)  # botocore retried the throttle
    assert sim.recorder.calls("iam", "GenerateServiceLastAccessedDetails") == 2
