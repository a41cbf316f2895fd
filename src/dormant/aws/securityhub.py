"""AWS Security Hub adapter: read dormant's earlier findings, import new ones.

``BatchImportFindings`` takes at most 100 findings a call; the findings Security Hub
returns in ``FailedFindings`` are sent again with back-off, and an import that still
cannot deliver them fails loudly (``FindingImportError``, naming the findings and
Security Hub's reason) rather than reporting success. ``GetFindings`` is paged 100 at a
time and filtered to one account, one product and one generator, so an export never
touches another tool's findings. Must never decide what to import
(``dormant.report.securityhub`` plans that).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import FindingImportError
from dormant.core.evaluations import batched
from dormant.report.asff import product_arn

if TYPE_CHECKING:
    from mypy_boto3_securityhub import SecurityHubClient


__all__ = ["MAX_FINDINGS_PER_CALL", "SecurityHubFindings"]

MAX_FINDINGS_PER_CALL = 100  # BatchImportFindings' limit
_PAGE_SIZE = 100  # GetFindings' largest MaxResults


class SecurityHubFindings:
    """One account's dormant findings in one Region's Security Hub."""

    def __init__(
        self,
        client: SecurityHubClient,
        *,
        account_id: str,
        region: str,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._account_id = account_id
        self._product_arn = product_arn(account_id, region)
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self.calls = 0  # BatchImportFindings calls made, retries included

    def active(self, generator_id: str) -> Iterator[dict[str, Any]]:
        """The ACTIVE findings this account's default product holds from ``generator_id``."""

        def equals(value: str) -> list[dict[str, str]]:
            return [{"Value": value, "Comparison": "EQUALS"}]

        pages = each_page(
            self._client,
            "get_findings",
            partial(aws_call, "securityhub:GetFindings", self._account_id),
            page_size=_PAGE_SIZE,
            Filters={
                "GeneratorId": equals(generator_id),
                "AwsAccountId": equals(self._account_id),
                "ProductArn": equals(self._product_arn),
                "RecordState": equals("ACTIVE"),
            },
        )
        for page in pages:
            yield from page.get("Findings", [])

    def import_findings(self, findings: Sequence[dict[str, Any]]) -> None:
        """Import every finding, 100 a call, retrying what Security Hub refuses."""
        refused: dict[str, str] = {}
        for batch in batched(findings, MAX_FINDINGS_PER_CALL):
            refused.update(self._import_batch(list(batch)))
        if refused:
            shown = "; ".join(f"{fid}: {why}" for fid, why in sorted(refused.items())[:5])
            more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
            raise FindingImportError(
                f"securityhub:BatchImportFindings in account {self._account_id} refused "
                f"{len(refused)} finding(s) after {self._max_attempts} attempts: {shown}{more}"
            )

    def _import_batch(self, pending: list[dict[str, Any]]) -> dict[str, str]:
        """Deliver one batch; the findings still refused after every attempt, with why."""
        refused: dict[str, str] = {}
        for attempt in range(1, self._max_attempts + 1):
            with aws_call("securityhub:BatchImportFindings", self._account_id):
                response: Any = self._client.batch_import_findings(
                    Findings=pending  # type: ignore[arg-type]
                )
            self.calls += 1
            refused = {
                str(f.get("Id", "")): f"{f.get('ErrorCode', '')}: {f.get('ErrorMessage', '')}"
                for f in response.get("FailedFindings") or []
            }
            if not refused:
                return {}
            pending = [f for f in pending if f["Id"] in refused]
            if attempt < self._max_attempts:
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return refused
