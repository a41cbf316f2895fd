"""The settings of one evaluation, and their parsing from rule parameters and env.

One ``Settings`` object travels through every layer instead of loose flags. Parsing
lives here (pure, standard library only) so that the Lambda, the command line and
remediation reject exactly the same bad input with the same messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dormant.errors import InvalidParameter

__all__ = [
    "DEFAULT_MAX_DAYS",
    "Settings",
    "parse_allow_patterns",
    "parse_bool",
    "parse_max_days",
    "parse_rule_parameters",
    "settings_from_parameters",
]

DEFAULT_MAX_DAYS = 60

# Rule parameter names (the blog's, kept so existing deployments keep working).
PARAM_MAX_DAYS = "max_days_for_last_used"
PARAM_ALLOW = "role_whitelist"
PARAM_INCLUDE_SERVICE_LINKED = "include_service_linked_roles"
PARAM_EXECUTION_ROLE_NAME = "execution_role_name"
# The allow-list under a name that fits every kind (users too); roles accept both.
PARAM_ALLOW_LIST = "allow_list"

# Environment variables the SAM template sets as defaults for the parameters above.
ENV_MAX_DAYS = "MAX_DAYS_FOR_LAST_USED"
ENV_ALLOW = "ROLE_WHITELIST"
ENV_INCLUDE_SERVICE_LINKED = "INCLUDE_SERVICE_LINKED_ROLES"
ENV_EXECUTION_ROLE_NAME = "EXECUTION_ROLE_NAME"
ENV_ASSUME_ROLE_MODE = "ASSUME_ROLE_MODE"

# IAM role names are [\w+=,.@-]; paths add "/". Patterns add the fnmatch syntax
# (* ? [ ] and ! for negated sets) and | between patterns. Anything else (spaces
# inside a pattern, quotes, backslashes) cannot match a role and is a typo.
_PATTERN_CHARS = re.compile(r"[A-Za-z0-9_+=,.@/\-*?\[\]!]+")
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off", ""})


@dataclass(frozen=True, slots=True)
class Settings:
    """What decides a finding.

    ``max_days``: the window; a role unused for more whole days than this is
    NON_COMPLIANT, and a role no older than this is spared. ``allow_patterns``:
    fnmatch patterns on Path+RoleName, case-sensitive. ``include_service_linked``:
    evaluate service-linked roles instead of reporting them NOT_APPLICABLE.
    """

    max_days: int = DEFAULT_MAX_DAYS
    allow_patterns: tuple[str, ...] = ()
    include_service_linked: bool = False


def parse_max_days(value: object, name: str = PARAM_MAX_DAYS) -> int:
    """A whole number of days >= 0, given as an int or a decimal string."""
    if isinstance(value, bool):
        raise InvalidParameter(name, f"expected a whole number of days >= 0, got {value!r}")
    if isinstance(value, int):
        days = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\+?\d+\s*", value):
        days = int(value)
    else:
        raise InvalidParameter(name, f"expected a whole number of days >= 0, got {value!r}")
    if days < 0:
        raise InvalidParameter(name, f"expected a whole number of days >= 0, got {value!r}")
    return days


def parse_allow_patterns(value: object, name: str = PARAM_ALLOW) -> tuple[str, ...]:
    """Split ``/breakglass-role|/security-*`` into patterns; blanks around | are ignored."""
    if value is None:
        return ()
    if not isinstance(value, str):
        raise InvalidParameter(name, f"expected patterns separated by '|', got {value!r}")
    patterns: list[str] = []
    for raw in value.split("|"):
        pattern = raw.strip()
        if not pattern:
            continue
        if not _PATTERN_CHARS.fullmatch(pattern):
            bad = sorted({c for c in pattern if not _PATTERN_CHARS.fullmatch(c)})
            raise InvalidParameter(
                name,
                f"pattern {pattern!r} has characters that no IAM role path or name "
                f"can contain: {''.join(bad)!r}",
            )
        if pattern.count("[") != pattern.count("]"):
            raise InvalidParameter(name, f"pattern {pattern!r} has an unbalanced '[' or ']'")
        patterns.append(pattern)
    return tuple(patterns)


def parse_bool(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidParameter(name, f"expected true or false, got {value!r}")


def parse_role_name(value: object, name: str = PARAM_EXECUTION_ROLE_NAME) -> str:
    if not isinstance(value, str) or not _ROLE_NAME.fullmatch(value.strip()):
        raise InvalidParameter(name, f"expected an IAM role name, got {value!r}")
    return value.strip()


def parse_rule_parameters(raw: object) -> dict[str, object]:
    """Config sends ``ruleParameters`` as a JSON string holding an object (or nothing)."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    if not isinstance(raw, str):
        raise InvalidParameter("ruleParameters", f"expected a JSON object, got {raw!r}")
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise InvalidParameter("ruleParameters", f"not valid JSON ({exc})") from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise InvalidParameter("ruleParameters", f"expected a JSON object, got {raw!r}")
    return parsed


def _pick(params: Mapping[str, object], env: Mapping[str, str], key: str, env_key: str) -> object:
    """Rule parameter first, then the template's environment default; blank means unset."""
    value = params.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        value = env.get(env_key)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def settings_from_parameters(
    params: Mapping[str, object], env: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from parsed rule parameters, falling back to the env defaults."""
    env = env or {}
    max_days_raw = _pick(params, env, PARAM_MAX_DAYS, ENV_MAX_DAYS)
    allow_raw = _pick(params, env, PARAM_ALLOW, ENV_ALLOW)
    allow_list_raw = _pick(params, {}, PARAM_ALLOW_LIST, "")
    slr_raw = _pick(params, env, PARAM_INCLUDE_SERVICE_LINKED, ENV_INCLUDE_SERVICE_LINKED)
    allow_patterns = parse_allow_patterns(allow_raw)
    for pattern in parse_allow_patterns(allow_list_raw, PARAM_ALLOW_LIST):
        if pattern not in allow_patterns:
            allow_patterns += (pattern,)
    return Settings(
        max_days=DEFAULT_MAX_DAYS if max_days_raw is None else parse_max_days(max_days_raw),
        allow_patterns=allow_patterns,
        include_service_linked=(
            False if slr_raw is None else parse_bool(slr_raw, PARAM_INCLUDE_SERVICE_LINKED)
        ),
    )


def execution_role_name_from(
    params: Mapping[str, object], env: Mapping[str, str] | None = None
) -> str | None:
    """The role to assume in the event's account, or None for single-account mode."""
    env = env or {}
    raw = _pick(params, env, PARAM_EXECUTION_ROLE_NAME, ENV_EXECUTION_ROLE_NAME)
    return None if raw is None else parse_role_name(raw)


def assume_role_mode_from(env: Mapping[str, str]) -> bool:
    raw = env.get(ENV_ASSUME_ROLE_MODE, "")
    return parse_bool(raw, ENV_ASSUME_ROLE_MODE)
