"""Which policy statements let a principal pass one role: ``iam:PassRole`` on its ARN.

A statement names a role when it allows ``iam:PassRole`` (by that name, or by a wildcard
such as ``iam:Pass*``, ``iam:*`` or ``*``, or by a ``NotAction`` that leaves it in) on a
resource pattern that matches the role's ARN and is narrower than every role. A grant on
``*``, on ``arn:aws:iam::*:role/*`` or on every role of the account says nothing about this
role (it would still hold with the role gone), so it is no reference; nor is ``NotResource``,
nor a ``Deny``. Conditions are not weighed: a conditional grant still names the role.

IAM matches actions case-insensitively and resources case-sensitively, ``*`` and ``?`` being
its only wildcards. Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

__all__ = [
    "action_passes_role",
    "allows_pass_role",
    "may_pass_role",
    "names_role",
    "pass_role_patterns",
    "pattern_matches",
    "role_prefix",
    "spans_every_role",
]

PASS_ROLE = "iam:passrole"


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


@lru_cache(maxsize=4096)
def _compiled(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def pattern_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one character."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compiled(pattern, ignore_case=ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=8192)
def action_passes_role(action: str) -> bool:
    """Whether an action name (``iam:PassRole``, ``iam:Pass*``, ``*``) matches iam:PassRole."""
    # Policies repeat a few hundred action names: each is matched once, not once a statement
    # (a 100,000-role snapshot holds hundreds of thousands of actions).
    return pattern_matches(action, PASS_ROLE, ignore_case=True)


def may_pass_role(statement: Mapping[str, Any]) -> bool:
    """Whether a statement's ``Action`` (or ``NotAction``) leaves ``iam:PassRole`` in, its
    effect and resources aside: the cheap test that rules out most statements of a policy."""
    if "NotAction" in statement:
        excluded = statement.get("NotAction")
        if type(excluded) is str:
            return not action_passes_role(excluded)
        return not any(map(action_passes_role, map(str, _as_list(excluded))))
    actions = statement.get("Action")
    if type(actions) is str:
        return action_passes_role(actions)
    # map over the list: a generator's frame per statement costs more than the lookups.
    return any(map(action_passes_role, map(str, _as_list(actions))))


def role_prefix(role_arn: str) -> str:
    """``arn:aws:iam::111111111111:role/`` of ``arn:aws:iam::111111111111:role/path/name``."""
    head, _, _ = role_arn.partition(":role/")
    return f"{head}:role/"


@lru_cache(maxsize=4096)
def spans_every_role(pattern: str, prefix: str) -> bool:
    """Whether ``pattern`` matches every role whose ARN starts with ``prefix``.

    It does when, once its trailing stars are taken off, what is left matches some start
    of the prefix: ``*``, ``arn:aws:iam::*:role/*``, ``arn:aws:iam::111111111111:role*``.
    """
    head = pattern.rstrip("*")
    if head == pattern:
        return False
    return any(pattern_matches(head, prefix[:end]) for end in range(len(prefix) + 1))


def pass_role_patterns(statement: Mapping[str, Any]) -> Iterator[str]:
    """The resource patterns on which an ``Allow`` statement grants ``iam:PassRole``."""
    if statement.get("Effect") != "Allow" or "NotResource" in statement:
        return
    if not may_pass_role(statement):
        return
    for resource in _as_list(statement.get("Resource")):
        yield str(resource)


def names_role(pattern: str, role_arn: str) -> bool:
    """A grant on ``pattern`` names the role: it matches it, and not every role beside it."""
    return pattern_matches(pattern, role_arn) and not spans_every_role(
        pattern, role_prefix(role_arn)
    )


def allows_pass_role(document: Mapping[str, Any] | None, role_arn: str) -> bool:
    """Whether a policy document lets its holder pass this role, by a narrow grant."""
    for statement in _as_list((document or {}).get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        if any(names_role(p, role_arn) for p in pass_role_patterns(statement)):
            return True
    return False
