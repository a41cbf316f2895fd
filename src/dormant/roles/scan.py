"""Scanning roles: one account through a ``RoleSource``, many through an ``AccountOpener``.

Pure over two small interfaces (their boto3 implementations are in ``dormant.roles.aws``, their
fakes in ``dormant.testing``); every role is decided by ``dormant.roles.decide.evaluate_role``,
the decision the Config rule makes. Never imports boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Protocol

from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.core.time import Timeline
from dormant.engine.accounts import DEFAULT_WORKERS, AccountTarget, MultiAccountResult, each_account
from dormant.roles.decide import evaluate_roles
from dormant.roles.model import Finding, Role

__all__ = ["AccountOpener", "RoleSource", "dated", "scan", "scan_with"]


class RoleSource(Protocol):
    def roles(self) -> Iterator[Role]:
        """Every role of one account, each once."""
        ...


class AccountOpener(Protocol):
    def role_source(self, account_id: str) -> RoleSource:
        """The roles of one account; called from worker threads, one account per call."""
        ...


def scan(
    source: RoleSource, settings: Settings, now: datetime, timeline: Timeline | None = None
) -> Iterator[Finding]:
    """Decide every role the source yields, lazily; with a ``timeline``, only the roles that
    existed at ``now`` (a use after ``now`` is a ``RoleDataError``)."""
    roles = source.roles()
    return evaluate_roles(roles if timeline is None else dated(roles, timeline), settings, now)


def dated(roles: Iterable[Role], timeline: Timeline) -> Iterator[Role]:
    """The roles that existed at the timeline's ``now``, checked against it."""
    admit = timeline.admit
    for role in roles:
        if admit(f"role {role.name}", role.created, (("last_used", role.last_used),)):
            yield role


def scan_with(
    opener: AccountOpener,
    targets: Iterable[AccountTarget],
    *,
    settings: Settings,
    now: datetime,
    workers: int = DEFAULT_WORKERS,
    on_account_done: Callable[[str, AccountFailure | None], None] | None = None,
    then: Callable[[RoleSource, list[Finding]], list[Finding]] | None = None,
    timeline: Timeline | None = None,
) -> MultiAccountResult[Finding]:
    """Scan every target's roles through ``opener`` with at most ``workers`` threads.

    ``on_account_done`` runs in the calling thread as each account finishes (progress bars).
    ``then``, in the account's worker, gets the account's source and findings once all are
    read, and returns them with what it adds (the references the source read on the way).
    Raises only for bad arguments; each account's failure is in ``failures``.
    """

    def scan_account(account_id: str) -> Iterable[Finding]:
        source = opener.role_source(account_id)
        if then is None:
            return scan(source, settings, now, timeline)
        return then(source, list(scan(source, settings, now, timeline)))

    findings, failures, unique = each_account(
        scan_account, targets, workers=workers, on_account_done=on_account_done
    )
    return MultiAccountResult(findings, failures, unique)
