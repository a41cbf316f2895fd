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

from dormant.core.settings import (
    PARAM_ALLOW_LIST,
    PARAM_EVALUATION_MODE,
    PARAM_EXEMPT_TAG_KEY,
    PARAM_MAX_DAYS,
    PARAM_MAX_EXEMPTION_DAYS,
    PARAM_OWNER_TAG_KEYS,
    Settings,
    parse_allow_patterns,
    parse_max_days,
    pick_parameter,
    settings_from_parameters,
)
from dormant.users.decide import DEFAULT_USER_MAX_DAYS

__all__ = ["ENV_USER_ALLOW_LIST", "ENV_USER_MAX_DAYS", "user_settings_from_parameters"]

# Environment defaults of the users' rule; the roles' (MAX_DAYS_FOR_LAST_USED...) never
# apply to users, whose window is the CIS 45 days unless the rule says otherwise.
ENV_USER_MAX_DAYS = "MAX_DAYS_FOR_USER_CREDENTIALS"


ENV_USER_ALLOW_LIST = "USER_ALLOW_LIST"


_TAG_AND_MODE_PARAMETERS = (
    PARAM_EVALUATION_MODE,
    PARAM_EXEMPT_TAG_KEY,
    PARAM_OWNER_TAG_KEYS,
    PARAM_MAX_EXEMPTION_DAYS,
)


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
        max_exemption_days=shared.max_exemption_days,
    )
