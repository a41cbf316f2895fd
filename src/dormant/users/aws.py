"""IAM read adapter for users: the credential report, joined with the users' details.

An account of N users costs one report generation (GenerateCredentialReport, called again
with backoff until its ``State`` is ``COMPLETE``, within a bounded total wait), one
GetCredentialReport, and ceil(N/1000) GetAccountAuthorizationDetails with
``Filter=["User"]`` for UserId, Path and tags. Never one call per user. Parsing and the
join are ``dormant.users.records``'s; nothing is decided here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import CredentialReportError
from dormant.users.model import User
from dormant.users.records import join_user_details, parse_credential_report

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient


__all__ = [
    "MAX_ITEMS_PER_PAGE",
    "IamUserSource",
    "ReportWait",
]

MAX_ITEMS_PER_PAGE = 1000  # GetAccountAuthorizationDetails' maximum MaxItems


@dataclass(frozen=True, slots=True)
class ReportWait:
    """How long to wait for IAM to generate the report: the first pause, its growth, its
    cap, and the total beyond which the wait ends in an error. IAM usually needs seconds;
    a Lambda run must end well within its timeout."""

    first: float = 1.0
    factor: float = 2.0
    cap: float = 8.0
    total: float = 120.0

    def pauses(self) -> Iterator[float]:
        """The pauses between calls, until their sum would pass ``total``."""
        waited = 0.0
        pause = self.first
        while waited + pause <= self.total:
            yield pause
            waited += pause
            pause = min(pause * self.factor, self.cap)


class IamUserSource:
    """Every user of one account (and its root user), with their credentials.

    ``sleep`` is how the wait between GenerateCredentialReport calls is spent (tests pass
    one that records the pauses instead of sleeping).
    """

    def __init__(
        self,
        iam: IAMClient,
        *,
        account_id: str = "",
        page_size: int = MAX_ITEMS_PER_PAGE,
        wait: ReportWait | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_ITEMS_PER_PAGE}")
        self._iam = iam
        self._account_id = account_id
        self._page_size = page_size
        self._wait = wait or ReportWait()
        self._sleep = sleep

    @property
    def _where(self) -> str:
        return f"of account {self._account_id}" if self._account_id else "from IAM"

    def generate_report(self) -> None:
        """Call GenerateCredentialReport until the report is COMPLETE, or fail clearly."""
        pauses = self._wait.pauses()
        while True:
            with aws_call("iam:GenerateCredentialReport", self._account_id):
                state = self._iam.generate_credential_report().get("State")
            if state == "COMPLETE":
                return
            pause = next(pauses, None)
            if pause is None:
                raise CredentialReportError(
                    f"IAM did not finish generating the credential report {self._where} "
                    f"within {self._wait.total:g} seconds (GenerateCredentialReport still "
                    f"says {state}); try again later"
                )
            self._sleep(pause)

    def report_text(self) -> str:
        """The decoded CSV of a freshly generated (or recent) credential report."""
        self.generate_report()
        with aws_call("iam:GetCredentialReport", self._account_id):
            content: Any = self._iam.get_credential_report()["Content"]
        if isinstance(content, bytes):
            try:
                return content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CredentialReportError(
                    f"credential report {self._where} is not UTF-8 text ({exc})"
                ) from None
        return str(content)

    def details(self) -> Iterator[dict[str, Any]]:
        """UserDetailList entries, through GetAccountAuthorizationDetails' paginator."""
        responses = each_page(
            self._iam,
            "get_account_authorization_details",
            partial(aws_call, "iam:GetAccountAuthorizationDetails", self._account_id),
            page_size=self._page_size,
            Filter=["User"],
        )
        for response in responses:
            yield from response.get("UserDetailList", [])

    def users(self) -> list[User]:
        """Every user in the report that IAM still has, with its UserId; the root first."""
        where = f"account {self._account_id}" if self._account_id else "from IAM"
        report = parse_credential_report(self.report_text(), where=where)
        return join_user_details(report, self.details(), where=where)
