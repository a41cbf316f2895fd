"""The freshness check of a recommendation: nothing it takes away was used within the window.

AWS computes a recommendation from its last analysis, up to a day old, with its own window.
Before the policies change, dormant reads the role's last access from IAM itself (service and,
where IAM tracks them, action level) and refuses a recommendation after which a service or
action used within ``--max-days`` would no longer be allowed by any of the role's policies.
Allowed means: some Allow statement of the documents left on the role names the action (or a
wildcard matching it, or a ``NotAction`` that does not); resources and conditions are not
weighed (recommendations keep the earlier statements' resources). Pure: no boto3, no clock.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from dormant.permissions.model import ServiceAccess

__all__ = ["allows", "used_but_removed"]


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _matches(pattern: object, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), str(pattern).lower())


def allows(documents: Iterable[Mapping[str, Any]], action: str) -> bool:
    """Some Allow statement of ``documents`` names ``action`` (``s3:PutObject``; for a
    service as a whole, ``s3:*`` is asked as any action of it: ``s3:`` prefix)."""
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                if not any(_matches(p, action) for p in _as_list(statement["NotAction"])):
                    return True
                continue
            for pattern in _as_list(statement.get("Action")):
                text = str(pattern).lower()
                if action.endswith(":*"):  # any action of the service
                    prefix = action[:-1].lower()
                    if text == "*" or text.startswith(prefix):
                        return True
                elif _matches(text, action):
                    return True
    return False


def used_but_removed(
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    access: Sequence[ServiceAccess],
    *,
    now: datetime,
    max_days: int,
) -> list[str]:
    """What the role used within ``max_days`` that ``before`` allowed and ``after`` would
    not: ``s3 (last used 2026-12-01)``, ``s3:PutObject (last used ...)``."""
    since = now - timedelta(days=max_days)
    lost: list[str] = []
    for service in access:
        if service.last_used is None or service.last_used < since:
            continue
        whole = f"{service.namespace}:*"
        if allows(before, whole) and not allows(after, whole):
            lost.append(f"{service.namespace} (last used {service.last_used:%Y-%m-%d})")
            continue
        for tracked in service.tracked_actions:
            if tracked.last_used is None or tracked.last_used < since:
                continue
            action = f"{service.namespace}:{tracked.name}"
            if allows(before, action) and not allows(after, action):
                lost.append(f"{action} (last used {tracked.last_used:%Y-%m-%d})")
    return lost
