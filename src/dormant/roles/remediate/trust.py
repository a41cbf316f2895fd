"""A trust policy written again (by a restore): the principals IAM would refuse today.

IAM checks that the roles a trust policy names exist when the policy is written. A role's
backup may name the role itself (which does not exist until it is created), a role deleted
since, or the unique id (``AROA...``) IAM shows in place of a deleted principal; IAM refuses
each with ``MalformedPolicyDocument``. ``trust_without`` gives the policy without those, and
which were left out and why. Pure: the account's roles come in as a callable; nothing here
talks to AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import replace
from typing import Any

from dormant.roles.model import Role
from dormant.roles.remediate.state import RoleState

__all__ = [
    "first_refused_principal",
    "refused_principal",
    "trust_without",
    "unrestorable",
    "without_refused_principals",
]

_UNIQUE_ID = re.compile(r"A(?:ROA|IDA|GPA)[A-Z0-9]{12,}")
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)")
_SESSION_ARN = re.compile(r"arn:aws[\w-]*:sts::(\d{12}):assumed-role/([^/]+)/.+")


def refused_principal(
    account_id: str,
    role: Role | None,
    role_names: Callable[[], Set[str]],
    role_ids: Callable[[], Set[str]] = frozenset,
) -> Callable[[str], str | None]:
    """Why IAM would refuse a principal of a trust policy written now for ``role`` (the role
    being created, if any) in ``account_id``, or None.

    ``role_names`` (asked at most once) are the account's roles; ``role_ids`` their unique
    ids, which a stored trust policy never shows for a role that exists (default: none).
    Roles of other accounts, users and accounts are left to IAM, which answers for them.
    """
    names: list[Set[str]] = []

    def existing() -> Set[str]:
        if not names:
            names.append(role_names())
        return names[0]

    def itself() -> str:
        assert role is not None
        return f"it names role {role.name} itself, which IAM refuses before the role exists"

    def refused(value: str) -> str | None:
        if role is not None and value in (role.arn, role.role_id):
            return itself()
        if _UNIQUE_ID.fullmatch(value):
            return None if value in role_ids() else "the unique id of a principal deleted since"
        match = _ROLE_ARN.fullmatch(value) or _SESSION_ARN.fullmatch(value)
        if match and match.group(1) == account_id:
            name = match.group(2)
            if role is not None and name == role.name:
                return itself()
            if name not in existing():
                return f"role {name} no longer exists"
        return None

    return refused


def _aws_principals(principal: object) -> list[str] | None:
    """A statement's AWS principals; None when its Principal is not an object (``*``)."""
    if not isinstance(principal, Mapping):
        return None
    values = principal.get("AWS", [])
    return [str(v) for v in values] if isinstance(values, list) else [str(values)]


def trust_without(
    trust: Mapping[str, Any], refused: Callable[[str], str | None]
) -> tuple[dict[str, Any] | None, tuple[tuple[str, str], ...]]:
    """The trust policy without the AWS principals IAM would refuse, and those left out.

    ``refused(principal)`` says why IAM refuses one, or None. A statement left with no
    principal goes; when no statement is left the policy is None: IAM would not create the
    role with it. Each principal left out is given once, with its reason, in document order.
    """
    left_out: dict[str, str] = {}
    statements = trust.get("Statement", [])
    kept_statements: list[Any] = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, Mapping) else None
        aws = _aws_principals(principal)
        if not aws or not isinstance(principal, Mapping):
            kept_statements.append(statement)
            continue
        kept = []
        for value in aws:
            reason = refused(value)
            if reason is None:
                kept.append(value)
            else:
                left_out.setdefault(value, reason)
        if len(kept) == len(aws):
            kept_statements.append(statement)
            continue
        others = {kind: v for kind, v in principal.items() if kind != "AWS"}
        if kept:
            others["AWS"] = kept if len(kept) > 1 else kept[0]
        if others:
            kept_statements.append({**statement, "Principal": others})
    if not left_out:
        return dict(trust), ()
    reasons = tuple(left_out.items())
    if not kept_statements:
        return None, reasons
    return {**trust, "Statement": kept_statements}, reasons


def without_refused_principals(
    state: RoleState, account_id: str, role_names: Callable[[], Set[str]]
) -> tuple[RoleState | None, str]:
    """The role to create without the principals IAM would refuse, and a ``; left out ...``
    clause for each; None (with the principals) when no principal would be left."""
    trust = state.role.trust_policy
    if trust is None:
        return state, ""
    kept, left_out = trust_without(trust, refused_principal(account_id, state.role, role_names))
    if kept is None:
        return None, ", ".join(principal for principal, _ in left_out)
    notes = "".join(f"; left out of its trust policy: {who} ({why})" for who, why in left_out)
    return replace(state, role=replace(state.role, trust_policy=kept)), notes


def unrestorable(name: str, principals: str) -> str:
    return (
        f"role {name} was not restored: IAM would not create it, since every principal its "
        f"backup's trust policy names is gone ({principals}); write a trust policy for it "
        "and create it by hand"
    )


def first_refused_principal(
    trust: Mapping[str, Any], account_id: str, states: Iterable[RoleState]
) -> str | None:
    """The first principal IAM refuses in a trust policy written now for a new role of an
    account holding the roles ``states`` (what an in-memory IAM answers CreateRole with)."""
    roles = [state.role for state in states]
    refused = refused_principal(
        account_id, None, lambda: {r.name for r in roles}, lambda: {r.role_id for r in roles}
    )
    left_out = trust_without(trust, refused)[1]
    return left_out[0][0] if left_out else None
