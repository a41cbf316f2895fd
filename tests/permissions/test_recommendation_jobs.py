"""The one polling loop both services' recommendation jobs run (``run_job``), with a fake job
whose answers are scripted: the back-off between polls, the bound on polls, a FAILED job, the
steps read across pages and translated, a step AWS names with an action dormant does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from dormant.aws.recommendation_jobs import Fields, RecommendationJob, run_job
from dormant.core.errors import AwsAccessError
from dormant.core.recommendations import RecommendationSource, RecommendedAction

ROLE = "arn:aws:iam::111111111111:role/team/app"
FIELDS = Fields(
    status="Status",
    error="Error",
    error_code="Code",
    error_message="Message",
    steps="Steps",
    step="Unused",
    action="Action",
    policy_id="PolicyId",
    policy="Policy",
    updated="Updated",
)
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


class ScriptedJob:
    """Answers each poll with the next scripted status; records every call in order."""

    def __init__(self, statuses: Iterable[Mapping[str, Any]], pages: list[dict[str, Any]]):
        self.statuses = list(statuses)
        self.page_list = pages
        self.calls: list[str] = []

    def start(self) -> object:
        self.calls.append("start")
        return {}

    def poll(self) -> Mapping[str, Any]:
        self.calls.append("poll")
        return self.statuses.pop(0)

    def pages(self) -> Iterable[Mapping[str, Any]]:
        self.calls.append("pages")
        return self.page_list

    def job(self) -> RecommendationJob:
        return RecommendationJob(
            RecommendationSource.SECURITYHUB, "svc:GetIt", FIELDS, self.start, self.poll, self.pages
        )


def step(action: str, policy_id: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"Action": action, "PolicyId": policy_id}
    if document is not None:
        inner["Policy"] = json.dumps(document)
        inner["Updated"] = datetime(2026, 11, 1, 12)  # naive, as some answers are
    return {"Unused": inner}


def test_polls_back_off_until_succeeded_then_every_page_is_read() -> None:
    scripted = ScriptedJob(
        [{"Status": "IN_PROGRESS"}, {"Status": "IN_PROGRESS"}, {"Status": "SUCCEEDED"}],
        [
            {"Steps": [step("CREATE_POLICY", "inline", DOCUMENT)]},
            {"Steps": [step("DETACH_POLICY", "arn:aws:iam::aws:policy/X")]},
        ],
    )
    waits: list[float] = []
    recommendation = run_job(
        scripted.job(), finding_id="f-1", role_arn=ROLE, account_id="", sleep=waits.append
    )
    assert scripted.calls == ["start", "poll", "poll", "poll", "pages"]
    assert waits == [1.0, 2.0]
    assert recommendation.source is RecommendationSource.SECURITYHUB
    assert (recommendation.finding_id, recommendation.resource_arn) == ("f-1", ROLE)
    first, second = recommendation.steps
    assert (first.action, first.existing_policy_id) == (RecommendedAction.CREATE_POLICY, "inline")
    assert first.recommended_policy == DOCUMENT
    assert first.policy_updated_at == datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert (second.action, second.recommended_policy, second.policy_updated_at) == (
        RecommendedAction.DETACH_POLICY,
        None,
        None,
    )


def test_polling_is_bounded_and_never_sleeps_after_the_last_poll() -> None:
    scripted = ScriptedJob([{"Status": "IN_PROGRESS"}] * 6, [])
    waits: list[float] = []
    with pytest.raises(AwsAccessError) as still:
        run_job(
            scripted.job(),
            finding_id="f-1",
            role_arn=ROLE,
            account_id="111111111111",
            sleep=waits.append,
            max_polls=6,
        )
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert "pages" not in scripted.calls
    assert str(still.value) == (
        "svc:GetIt for role app: the recommendation of finding f-1 was still IN_PROGRESS "
        "after 6 polls; run the command again later"
    )
    assert still.value.account_id == "111111111111"


def test_a_failed_job_is_one_line_naming_the_role_and_its_error() -> None:
    failed = {"Status": "FAILED", "Error": {"Code": "ERROR", "Message": "cannot recommend"}}
    scripted = ScriptedJob([{"Status": "IN_PROGRESS"}, failed], [])
    with pytest.raises(AwsAccessError) as error:
        run_job(
            scripted.job(), finding_id="f-1", role_arn=ROLE, account_id="", sleep=lambda _: None
        )
    assert str(error.value) == (
        "svc:GetIt for role app: the recommendation of finding f-1 FAILED: ERROR cannot recommend"
    )


def test_an_unknown_recommended_action_names_it() -> None:
    scripted = ScriptedJob([{"Status": "SUCCEEDED"}], [{"Steps": [step("REWRITE", "p")]}])
    with pytest.raises(AwsAccessError, match="for role app: unknown recommended action 'REWRITE'"):
        run_job(
            scripted.job(), finding_id="f-1", role_arn=ROLE, account_id="", sleep=lambda _: None
        )
