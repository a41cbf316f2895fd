"""IAM read adapter: every role of an account via GetAccountAuthorizationDetails.

One call returns up to 1,000 roles with ``CreateDate`` and ``RoleLastUsed``, so an
account of N roles costs ceil(N/1000) calls (botocore's paginator, 1,000 a page).
``ListRoles`` lacks ``RoleLastUsed``, and ``GetRole`` per role would cost N calls:
neither is used here.

With ``references=True`` the same paged call also lists users, groups and customer managed
policies (``Filter`` names the four entity types), which ``iam_references`` turns into the
``iam`` source of references at no extra call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.model import RoleQuota
from dormant.roles.model import Role
from dormant.roles.records import role_from_detail
from dormant.roles.references.iam import GAAD_FILTER, IamReferenceIndex

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient


__all__ = [
    "MAX_ITEMS_PER_PAGE",
    "IamRoleSource",
    "read_iam_references",
    "role_quota",
]

MAX_ITEMS_PER_PAGE = 1000  # GetAccountAuthorizationDetails' maximum MaxItems


class IamRoleSource:
    """A ``RoleSource`` over one account's IAM client.

    ``on_page`` is called with the number of roles in each page (progress bars).
    """

    def __init__(
        self,
        iam: IAMClient,
        *,
        account_id: str = "",
        page_size: int = MAX_ITEMS_PER_PAGE,
        on_page: Callable[[int], None] | None = None,
        references: bool = False,
    ) -> None:
        if not 1 <= page_size <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_ITEMS_PER_PAGE}")
        self._iam = iam
        self._account_id = account_id
        self._page_size = page_size
        self._on_page = on_page
        self._index = IamReferenceIndex() if references else None

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """Raw RoleDetailList pages, through GetAccountAuthorizationDetails' paginator."""
        responses = each_page(
            self._iam,
            "get_account_authorization_details",
            partial(aws_call, "iam:GetAccountAuthorizationDetails", self._account_id),
            page_size=self._page_size,
            Filter=list(GAAD_FILTER) if self._index is not None else ["Role"],
        )
        where = f"account {self._account_id}" if self._account_id else ""
        for response in responses:
            if self._index is not None:
                self._index.add_page(response, where=where)
            details: list[dict[str, Any]] = list(response.get("RoleDetailList", []))
            if self._on_page is not None:
                self._on_page(len(details))
            yield details

    def roles(self) -> Iterator[Role]:
        where = f"account {self._account_id}" if self._account_id else ""
        for page in self.pages():
            for detail in page:
                role = role_from_detail(detail, where=where)
                if self._account_id and not role.account_id:
                    role = replace(role, account_id=self._account_id)
                yield role

    def iam_references(self) -> IamReferenceIndex:
        """The ``iam`` source over the pages read so far (all of them once ``roles()`` is done)."""
        if self._index is None:
            raise ValueError("IamRoleSource was made without references=True")
        return self._index


def role_quota(iam: IAMClient, account_id: str = "") -> RoleQuota:
    """The account's roles against its quota: one GetAccountSummary call."""
    with aws_call("iam:GetAccountSummary", account_id):
        summary = iam.get_account_summary()["SummaryMap"]
    return RoleQuota(
        roles=int(summary.get("Roles", 0)), roles_quota=int(summary.get("RolesQuota", 0))
    )


def read_iam_references(iam: IAMClient, account_id: str = "") -> IamReferenceIndex:
    """The ``iam`` source of one account on its own: ceil(entities/1000) calls, once."""
    source = IamRoleSource(iam, account_id=account_id, references=True)
    for _ in source.pages():
        pass
    return source.iam_references()
