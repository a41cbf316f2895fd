"""The permissions rule's parameters: the roles' ones, with the permissions' own window.

The rule (``kind=permissions``) reads ``max_days_for_last_used`` (90 days by default, at most
the 400 days IAM keeps service last-accessed data), ``role_whitelist`` / ``allow_list`` and
``include_service_linked_roles`` as the roles' rule does, but never the roles' environment
defaults for them (``MAX_DAYS_FOR_LAST_USED``, ``ROLE_WHITELIST``,
``INCLUDE_SERVICE_LINKED_ROLES``): the templates pass the permissions rule its own values.
``evaluation_mode``, ``exempt_tag_key`` and ``owner_tag_keys`` fall back to the function's
defaults as for every rule. Pure: standard library and the core only.
"""

from __future__ import annotations

from collections.abc import Mapping

from dormant.core.settings import (
    ENV_ALLOW,
    ENV_INCLUDE_SERVICE_LINKED,
    ENV_MAX_DAYS,
    PARAM_MAX_DAYS,
    SERVICE_LAST_ACCESSED_TRACKING_DAYS,
    Settings,
    parse_max_days,
    pick_parameter,
    settings_from_parameters,
)
from dormant.permissions.model import DEFAULT_PERMISSIONS_MAX_DAYS

__all__ = ["permissions_settings_from_parameters"]

_ROLES_ONLY_ENV = frozenset({ENV_MAX_DAYS, ENV_ALLOW, ENV_INCLUDE_SERVICE_LINKED})


def permissions_settings_from_parameters(
    params: Mapping[str, object], env: Mapping[str, str] | None = None
) -> Settings:
    """The permissions rule's settings (window 90 days unless ``max_days_for_last_used``)."""
    shared_env = {k: v for k, v in (env or {}).items() if k not in _ROLES_ONLY_ENV}
    shared = settings_from_parameters(
        {k: v for k, v in params.items() if k != PARAM_MAX_DAYS}, shared_env
    )
    raw = pick_parameter(params, {}, PARAM_MAX_DAYS, "")
    max_days = (
        DEFAULT_PERMISSIONS_MAX_DAYS
        if raw is None
        else parse_max_days(
            raw,
            tracking_days=SERVICE_LAST_ACCESSED_TRACKING_DAYS,
            tracked="service last access",
        )
    )
    return Settings(
        max_days=max_days,
        allow_patterns=shared.allow_patterns,
        include_service_linked=shared.include_service_linked,
        evaluation_mode=shared.evaluation_mode,
        exempt_tag_key=shared.exempt_tag_key,
        owner_tag_keys=shared.owner_tag_keys,
    )
