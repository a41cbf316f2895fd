"""Which kind of resource a Config rule evaluates, and which rule parameters it accepts.

One Lambda serves every kind: the rule parameter ``resource_type`` chooses it
(``AWS::IAM::Role`` when absent, so rules deployed before it existed are unchanged;
``AWS::IAM::User`` for users' unused credentials). A parameter the rule's kind does not
know (a typo such as ``max_day_for_last_used``, or a roles-only parameter on the users'
rule) is an ``InvalidParameter`` naming it, raised before any AWS call, so nothing is
posted. Pure: standard library only.
"""

from __future__ import annotations

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

__all__ = ["KNOWN_PARAMETERS", "PARAM_RESOURCE_TYPE", "rule_resource_type"]

PARAM_RESOURCE_TYPE = "resource_type"


# Parameters every kind accepts. evaluation_mode and the tag parameters are
# read by other parts of the rule; they are named here so that no rule rejects them.
_COMMON = frozenset(
    {
        PARAM_RESOURCE_TYPE,
        PARAM_MAX_DAYS,
        PARAM_ALLOW_LIST,
        PARAM_EXECUTION_ROLE_NAME,
        PARAM_EVALUATION_MODE,
        PARAM_EXEMPT_TAG_KEY,
        PARAM_OWNER_TAG_KEYS,
        PARAM_MAX_EXEMPTION_DAYS,
    }
)


KNOWN_PARAMETERS: Mapping[str, frozenset[str]] = {
    RESOURCE_TYPE_ROLE: _COMMON | {PARAM_ALLOW, PARAM_INCLUDE_SERVICE_LINKED},
    RESOURCE_TYPE_USER: _COMMON,
}


def rule_resource_type(params: Mapping[str, object]) -> str:
    """The resource type the rule evaluates; every parameter must be one its kind knows."""
    raw = params.get(PARAM_RESOURCE_TYPE)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        resource_type = RESOURCE_TYPE_ROLE
    elif isinstance(raw, str) and raw.strip() in KNOWN_PARAMETERS:
        resource_type = raw.strip()
    else:
        kinds = " or ".join(sorted(KNOWN_PARAMETERS))
        raise InvalidParameter(PARAM_RESOURCE_TYPE, f"expected {kinds}, got {raw!r}")
    known = KNOWN_PARAMETERS[resource_type]
    for name in sorted(params):
        if name in known:
            continue
        if any(name in accepted for accepted in KNOWN_PARAMETERS.values()):
            raise InvalidParameter(
                name, f"does not apply to a rule whose resource_type is {resource_type}"
            )
        raise InvalidParameter(
            name, f"unknown rule parameter; the rule accepts {', '.join(sorted(known))}"
        )
    return resource_type
