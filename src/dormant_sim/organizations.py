"""AWS Organizations' delegated administrators, as AWS answers them where dormant asks.

moto differs from AWS in two ways that matter to ``dormant retire --assignments``:

- RegisterDelegatedAdministrator and ListDelegatedAdministrators take only six service
  principals, and refuse ``sso.amazonaws.com``, which Identity Center's delegated
  administration uses. Here it is accepted too (AWS's list of services that work with
  Organizations names IAM Identity Center among those with a delegated administrator).
- ListDelegatedAdministrators called in a member account answers from that account's empty
  backend. AWS answers it only in the management account or a delegated administrator
  (the organization's list), and refuses any other member with AccessDeniedException.
  Here a member registered for any service gets the management account's list; any other
  member is refused.

Test support over moto's private classes; never imported by dormant's Lambda path. It must
never weaken a check that AWS makes.
"""

from __future__ import annotations

from typing import Any

from moto.organizations.exceptions import (
    AWSOrganizationsNotInUseException,
    OrganizationsClientError,
)
from moto.organizations.models import (
    FakeDelegatedAdministrator,
    OrganizationsBackend,
    organizations_backends,
)

from dormant_sim.patching import Patch

__all__ = ["PATCHES", "reset"]

_SSO = "sso.amazonaws.com"
_original_list = OrganizationsBackend.list_delegated_administrators


def _list_delegated_administrators(self: OrganizationsBackend, **kwargs: str) -> dict[str, Any]:
    if self.org is not None:
        return _original_list(self, **kwargs)
    owner = organizations_backends.master_accounts.get(self.account_id)
    if owner is None:
        raise AWSOrganizationsNotInUseException
    management = organizations_backends[owner[0]][owner[1]]
    if not any(admin.account.id == self.account_id for admin in management.admins):
        raise OrganizationsClientError(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        )
    return _original_list(management, **kwargs)


PATCHES = (
    Patch(
        FakeDelegatedAdministrator,
        "SUPPORTED_SERVICES",
        [*FakeDelegatedAdministrator.SUPPORTED_SERVICES, _SSO],
    ),
    Patch(OrganizationsBackend, "list_delegated_administrators", _list_delegated_administrators),
)


def reset() -> None:
    """No state of its own: moto's organizations backends hold the registrations."""
