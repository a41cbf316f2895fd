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

from dormant.errors import InvalidParameter
from dormant.model import RESOURCE_TYPE_ROLE
from dormant.settings import (
    PARAM_ALLOW,
    PARAM_ALLOW_LIST,
    PARAM_EVALUATION_MODE,
    PARAM_EXECUTION_ROLE_NAME,
    PARAM_EXEMPT_TAG_KEY,
    PARAM_INCLUDE_SERVICE_LINKED,
    PARAM_MAX_DAYS,
    PARAM_OWNER_TAG_KEYS,
    Settings,
    parse_allow_patterns,
    parse_max_days,
    pick_parameter,
    settings_from_parameters,
)
from dormant.user_rules import DEFAULT_USER_MAX_DAYS
from dormant.users import RESOURCE_TYPE_USER

__all__ = [
    "ENV_USER_ALLOW_LIST",
    "ENV_USER_MAX_DAYS",
    "KNOWN_PARAMETERS",
    "PARAM_RESOURCE_TYPE",
    "rule_resource_type",
    "user_settings_from_parameters",
]

PARAM_RESOURCE_TYPE = "resource_type"

# Environment defaults of the users' rule; the roles' (MAX_DAYS_FOR_LAST_USED...) never
# apply to users, whose window is the CIS 45 days unless the rule says otherwise.
ENV_USER_MAX_DAYS = "MAX_DAYS_FOR_USER_CREDENTIALS"
ENV_USER_ALLOW_LIST = "USER_ALLOW_LIST"

# Parameters every kind accepts. evaluation_mode, exempt_tag_key and owner_tag_keys are
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


_TAG_AND_MODE_PARAMETERS = (PARAM_EVALUATION_MODE, PARAM_EXEMPT_TAG_KEY, PARAM_OWNER_TAG_KEYS)


def user_settings_from_parameters(
    params: Mapping[str, object], env: Mapping[str, str] | None = None
) -> Settings:
    """The users' rule settings: ``max_days_for_last_used`` (45 by default), ``allow_list``."""
    env = env or {}
    max_days_raw = pick_parameter(params, env, PARAM_MAX_DAYS, ENV_USER_MAX_DAYS)
    allow_raw = pick_parameter(params, env, PARAM_ALLOW_LIST, ENV_USER_ALLOW_LIST)
    # The wording switch and the tag keys read exactly as the roles' rule reads them.
    shared = settings_from_parameters(
        {key: params[key] for key in _TAG_AND_MODE_PARAMETERS if key in params}, env
    )
    return Settings(
        max_days=DEFAULT_USER_MAX_DAYS
        if max_days_raw is None
        else parse_max_days(max_days_raw, tracking_days=None),
        allow_patterns=parse_allow_patterns(allow_raw, PARAM_ALLOW_LIST),
        evaluation_mode=shared.evaluation_mode,
        exempt_tag_key=shared.exempt_tag_key,
        owner_tag_keys=shared.owner_tag_keys,
    )
