"""In-memory IAM role listing for tests: a ``RoleSource``.

``InMemoryRoleSource`` lists roles page by page like GetAccountAuthorizationDetails, and a
role given as a RoleDetail mapping is parsed by the same ``role_from_detail`` the IAM adapter
(``dormant.roles.aws.IamRoleSource``) uses, so a bad record fails the same way. A planned
failure of a page is the ``AwsAccessError`` the adapter raises for the same answer.

Standard library and dormant's pure core only: never import boto3, botocore or moto here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from dormant.roles.model import Role
from dormant.roles.records import role_from_detail
from dormant.testing.injection import Failures, aws_error

__all__ = ["MAX_ITEMS_PER_PAGE", "InMemoryRoleSource"]

MAX_ITEMS_PER_PAGE = 1000  # GetAccountAuthorizationDetails' maximum MaxItems


class InMemoryRoleSource:
    """A ``RoleSource`` over a list of roles (``Role`` values or RoleDetail mappings)."""

    def __init__(
        self,
        roles: Iterable[Role | Mapping[str, Any]] = (),
        *,
        account_id: str = "",
        page_size: int = MAX_ITEMS_PER_PAGE,
    ) -> None:
        if not 1 <= page_size <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_ITEMS_PER_PAGE}, got {page_size}")
        self.items = list(roles)
        self.account_id = account_id
        self.page_size = page_size
        self.calls = 0  # pages served, as the adapter counts GetAccountAuthorizationDetails
        self.failures = Failures()
        self._lock = threading.Lock()

    def fail(self, code: str, message: str, *, page: int = 1, times: int | None = 1) -> None:
        """The request for page ``page`` (1 is the first) of the next listing(s) fails."""
        self.failures.plan(
            "GetAccountAuthorizationDetails", code, message, subject=str(page), times=times
        )

    def roles(self) -> Iterator[Role]:
        where = f"account {self.account_id}" if self.account_id else ""
        for number, start in enumerate(range(0, max(len(self.items), 1), self.page_size), 1):
            with self._lock:
                self.calls += 1
            failure = self.failures.take("GetAccountAuthorizationDetails", str(number))
            if failure is not None:
                raise aws_error(
                    "iam:GetAccountAuthorizationDetails",
                    failure.code,
                    failure.message,
                    self.account_id,
                )
            for item in self.items[start : start + self.page_size]:
                role = item if isinstance(item, Role) else role_from_detail(item, where=where)
                if self.account_id and not role.account_id:
                    role = replace(role, account_id=self.account_id)
                yield role
