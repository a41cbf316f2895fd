"""Which kind of finding a Config rule reports, and which rule parameters it accepts.

One Lambda serves every kind. The rule parameter ``resource_type`` names what Config
evaluates (``AWS::IAM::Role`` when absent, so rules deployed before it existed are
unchanged; ``AWS::IAM::User`` for users' unused credentials), and ``kind`` which finding
about it: ``roles`` (unused roles) or ``permissions`` (unused services inside roles) for
roles, ``users`` for users; absent, the resource type's first kind. An unknown ``kind``, a
kind of another resource type, or a parameter the rule's kind does not know (a typo such as
``max_day_for_last_used``, or a roles-only parameter on the users' rule) is an
``InvalidParameter`` naming it, raised before any AWS call, so nothing is posted. Pure:
standard library only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from dormant.core.errors import InvalidParameter
from dormant.core.model import RESOURCE_TYPE_ROLE, RESOURCE_TYPE_USER
from dormant.core.settings import (
    PARAM_ALLOW,
    PARAM_ALLOW_LIST,
    PARAM_EVALUATION_MODE,
    PARAM_EXECUTION_ROLE_NAME,
    PARAM_EXEMPT_TAG_KEY,
    PARAM_INCLUDE_SERVICE_LINKED,
    PARAM_MAX_DAYS,
    PARAM_MAX_EXEMPTION_DAYS,
    PARAM_OWNER_TAG_KEYS,
)

__all__ = [
    "KNOWN_PARAMETERS",
    "PARAM_KIND",
    "PARAM_REFERENCES",
    "PARAM_RESOURCE_TYPE",
    "RuleKindName",
    "rule_kind",
    "rule_resource_type",
]

PARAM_RESOURCE_TYPE = "resource_type"


PARAM_KIND = "kind"

# The roles' rule: which sources say what references a role (dormant.roles.parameters).
PARAM_REFERENCES = "references"


class RuleKindName(enum.StrEnum):
    """The kinds of finding a rule may report (rule parameter ``kind``)."""

    ROLES = "roles"
    USERS = "users"
    PERMISSIONS = "permissions"

    @property
    def resource_type(self) -> str:
        return RESOURCE_TYPE_USER if self is RuleKindName.USERS else RESOURCE_TYPE_ROLE


# The kind a resource type means when the rule names none (rules deployed before ``kind``).
_DEFAULT_KIND = {RESOURCE_TYPE_ROLE: RuleKindName.ROLES, RESOURCE_TYPE_USER: RuleKindName.USERS}


# Parameters every kind accepts. evaluation_mode and the tag parameters are
# read by other parts of the rule; they are named here so that no rule rejects them.
_COMMON = frozenset(
    {
        PARAM_RESOURCE_TYPE,
        PARAM_KIND,
        PARAM_MAX_DAYS,
        PARAM_ALLOW_LIST,
        PARAM_EXECUTION_ROLE_NAME,
        PARAM_EVALUATION_MODE,
        PARAM_EXEMPT_TAG_KEY,
        PARAM_OWNER_TAG_KEYS,
        PARAM_MAX_EXEMPTION_DAYS,
    }
)


KNOWN_PARAMETERS: Mapping[RuleKindName, frozenset[str]] = {
    RuleKindName.ROLES: _COMMON | {PARAM_ALLOW, PARAM_INCLUDE_SERVICE_LINKED, PARAM_REFERENCES},
    RuleKindName.USERS: _COMMON,
    RuleKindName.PERMISSIONS: _COMMON | {PARAM_ALLOW, PARAM_INCLUDE_SERVICE_LINKED},
}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def rule_kind(params: Mapping[str, object]) -> RuleKindName:
    """The kind the rule reports; every parameter must be one its kind knows."""
    raw_type = params.get(PARAM_RESOURCE_TYPE)
    if _blank(raw_type):
        resource_type = None
    elif isinstance(raw_type, str) and raw_type.strip() in _DEFAULT_KIND:
        resource_type = raw_type.strip()
    else:
        types = " or ".join(sorted(_DEFAULT_KIND))
        raise InvalidParameter(PARAM_RESOURCE_TYPE, f"expected {types}, got {raw_type!r}")
    raw_kind = params.get(PARAM_KIND)
    if _blank(raw_kind):
        kind = _DEFAULT_KIND[resource_type or RESOURCE_TYPE_ROLE]
    elif isinstance(raw_kind, str) and raw_kind.strip() in set(RuleKindName):
        kind = RuleKindName(raw_kind.strip())
    else:
        kinds = ", ".join(sorted(RuleKindName))
        raise InvalidParameter(PARAM_KIND, f"expected one of {kinds}, got {raw_kind!r}")
    if resource_type is not None and kind.resource_type != resource_type:
        raise InvalidParameter(
            PARAM_KIND,
            f"{kind} evaluates {kind.resource_type}, not the rule's resource_type {resource_type}",
        )
    known = KNOWN_PARAMETERS[kind]
    rule = (
        f"kind is {kind}"
        if kind is RuleKindName.PERMISSIONS
        else (f"resource_type is {kind.resource_type}")
    )
    for name in sorted(params):
        if name in known:
            continue
        if any(name in accepted for accepted in KNOWN_PARAMETERS.values()):
            raise InvalidParameter(name, f"does not apply to a rule whose {rule}")
        raise InvalidParameter(
            name, f"unknown rule parameter; the rule accepts {', '.join(sorted(known))}"
        )
    return kind


def rule_resource_type(params: Mapping[str, object]) -> str:
    """The resource type the rule evaluates (see ``rule_kind``, which it checks)."""
    return rule_kind(params).resource_type
