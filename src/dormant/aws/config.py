"""AWS Config adapter: deliver evaluations, and read what the rule recorded.

``PutEvaluations`` takes at most 100 evaluations a call; a few batches are in flight
at once (each call waits on the network, and botocore's retries absorb throttling).
Entries Config returns in ``FailedEvaluations`` are sent again with back-off, and a
run that still cannot deliver them fails loudly (``EvaluationDeliveryError``) rather
than reporting success.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import EvaluationDeliveryError
from dormant.core.evaluations import MAX_EVALUATIONS_PER_CALL, Evaluation, batched
from dormant.engine.rule import RecordedResult

if TYPE_CHECKING:
    from mypy_boto3_config import ConfigServiceClient


__all__ = ["ConfigComplianceHistory", "ConfigEvaluationSink"]

RESULTS_PAGE_LIMIT = 100  # GetComplianceDetailsByConfigRule's maximum Limit
# PutEvaluations calls in flight at once: enough to hide network latency, few enough
# to stay clear of Config's request rate (throttled calls are retried anyway).
DEFAULT_PARALLEL_PUTS = 4


def _to_wire(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "ComplianceResourceType": evaluation.resource_type,
        "ComplianceResourceId": evaluation.resource_id,
        "ComplianceType": evaluation.compliance.value,
        "Annotation": evaluation.annotation,
        "OrderingTimestamp": evaluation.ordering_timestamp,
    }


def _key(wire: dict[str, Any]) -> tuple[str, str]:
    return str(wire["ComplianceResourceType"]), str(wire["ComplianceResourceId"])


class ConfigEvaluationSink:
    """An ``EvaluationSink`` that calls PutEvaluations with the run's result token."""

    def __init__(
        self,
        config: ConfigServiceClient,
        result_token: str,
        *,
        account_id: str = "",
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        parallel: int = DEFAULT_PARALLEL_PUTS,
    ) -> None:
        if parallel < 1:
            raise ValueError("parallel must be at least 1")
        self._config = config
        self._parallel = parallel
        self._token = result_token
        self._account_id = account_id
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    def put(self, evaluations: Sequence[Evaluation], *, test_mode: bool) -> None:
        batches = [
            [_to_wire(e) for e in batch] for batch in batched(evaluations, MAX_EVALUATIONS_PER_CALL)
        ]
        workers = max(1, min(self._parallel, len(batches)))
        with ThreadPoolExecutor(workers, thread_name_prefix="dormant-put") as pool:
            results = pool.map(lambda b: self._put_batch(b, test_mode=test_mode), batches)
            undelivered = [wire for result in results for wire in result]
        if undelivered:
            ids = ", ".join(sorted(resource_id for _, resource_id in map(_key, undelivered)))
            raise EvaluationDeliveryError(
                f"AWS Config rejected {len(undelivered)} evaluation(s) after "
                f"{self._max_attempts} attempts (roles {ids})"
            )

    def _put_batch(self, pending: list[dict[str, Any]], *, test_mode: bool) -> list[dict[str, Any]]:
        """Deliver one batch; what Config still refuses after every attempt is returned."""
        for attempt in range(1, self._max_attempts + 1):
            with aws_call("config:PutEvaluations", self._account_id):
                response: Any = self._config.put_evaluations(
                    Evaluations=pending,  # type: ignore[arg-type]
                    ResultToken=self._token,
                    TestMode=test_mode,
                )
            failed = {_key(f) for f in response.get("FailedEvaluations") or []}
            if not failed:
                return []
            pending = [wire for wire in pending if _key(wire) in failed]
            if attempt < self._max_attempts:
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return pending


class ConfigComplianceHistory:
    """A ``ComplianceHistory`` over GetComplianceDetailsByConfigRule's paginator."""

    def __init__(self, config: ConfigServiceClient, *, account_id: str = "") -> None:
        self._config = config
        self._account_id = account_id

    def recorded(
        self,
        rule_name: str,
        compliance_types: Sequence[str] = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"),
    ) -> Iterator[RecordedResult]:
        responses = each_page(
            self._config,
            "get_compliance_details_by_config_rule",
            partial(aws_call, "config:GetComplianceDetailsByConfigRule", self._account_id),
            page_size=RESULTS_PAGE_LIMIT,
            ConfigRuleName=rule_name,
            ComplianceTypes=list(compliance_types),
        )
        for response in responses:
            for result in response.get("EvaluationResults", []):
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                yield RecordedResult(
                    resource_type=str(qualifier.get("ResourceType", "")),
                    resource_id=str(qualifier.get("ResourceId", "")),
                    compliance=str(result.get("ComplianceType", "")),
                    annotation=result.get("Annotation"),
                    recorded_at=result.get("ResultRecordedTime"),
                )
