"""The settings of one evaluation, and their parsing from rule parameters and env.

One ``Settings`` object travels through every layer instead of loose flags. Parsing
lives here (pure, standard library only) so that the Lambda, the command line and
remediation reject exactly the same bad input with the same messages.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from dormant.core.errors import InvalidParameter
from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY, DEFAULT_OWNER_TAG_KEYS

__all__ = [
    "DEFAULT_MAX_DAYS",
    "ROLE_LAST_USED_TRACKING_DAYS",
    "SERVICE_LAST_ACCESSED_TRACKING_DAYS",
    "EvaluationMode",
    "Settings",
    "parse_allow_patterns",
    "parse_bool",
    "parse_evaluation_mode",
    "parse_max_days",
    "parse_max_exemption_days",
    "parse_owner_tag_keys",
    "parse_rule_parameters",
    "parse_tag_key",
    "pick_parameter",
    "settings_from_parameters",
]

DEFAULT_MAX_DAYS = 60


# IAM keeps a role's last use (RoleLastUsed) for the trailing 400 days only: a role last
# used 450 days ago has no record at all, so a longer window would call it never used
# and flag it although it was used within the window. Other kinds of findings (users'
# credentials, service last-accessed data) have their own tracking periods and pass
# theirs to ``parse_max_days``.
ROLE_LAST_USED_TRACKING_DAYS = 400


# IAM's service last-accessed data (what `dormant permissions` reads) covers the same
# trailing 400 days. The credential report keeps a user's last use with no trailing limit
# (passwords since 2014-10-20, access keys since 2015-04-22), so users' windows have none.
SERVICE_LAST_ACCESSED_TRACKING_DAYS = 400


# Rule parameter names (the blog's, kept so existing deployments keep working).
PARAM_MAX_DAYS = "max_days_for_last_used"


PARAM_ALLOW = "role_whitelist"


PARAM_INCLUDE_SERVICE_LINKED = "include_service_linked_roles"


PARAM_EXECUTION_ROLE_NAME = "execution_role_name"


PARAM_EVALUATION_MODE = "evaluation_mode"


PARAM_EXEMPT_TAG_KEY = "exempt_tag_key"


PARAM_OWNER_TAG_KEYS = "owner_tag_keys"


PARAM_MAX_EXEMPTION_DAYS = "max_exemption_days"


# The ceiling's bounds: an exemption must end within 1..3650 days (ten years) when set.
MAX_EXEMPTION_DAYS_LIMIT = 3650


# The allow-list under a name that fits every kind (users too); roles accept both.
PARAM_ALLOW_LIST = "allow_list"


# Environment variables the SAM template sets as defaults for the parameters above.
ENV_MAX_DAYS = "MAX_DAYS_FOR_LAST_USED"


ENV_ALLOW = "ROLE_WHITELIST"


ENV_INCLUDE_SERVICE_LINKED = "INCLUDE_SERVICE_LINKED_ROLES"


ENV_EXECUTION_ROLE_NAME = "EXECUTION_ROLE_NAME"


ENV_ASSUME_ROLE_MODE = "ASSUME_ROLE_MODE"


# Defaults for every rule the function serves (roles' and users'), set by the templates.
ENV_EVALUATION_MODE = "EVALUATION_MODE"


ENV_EXEMPT_TAG_KEY = "EXEMPT_TAG_KEY"


ENV_OWNER_TAG_KEYS = "OWNER_TAG_KEYS"


ENV_MAX_EXEMPTION_DAYS = "MAX_EXEMPTION_DAYS"


# IAM role names are [\w+=,.@-]; paths add "/". Patterns add the fnmatch syntax
# (* ? [ ] and ! for negated sets) and | between patterns. Anything else (spaces
# inside a pattern, quotes, backslashes) cannot match a role and is a typo.
_PATTERN_CHARS = re.compile(r"[A-Za-z0-9_+=,.@/\-*?\[\]!]+")


_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")


# IAM tag keys: 1..128 of letters, digits, spaces and _.:/=+-@.
_TAG_KEY = re.compile(r"[\w .:/=+\-@]{1,128}")


_TRUE = frozenset({"true", "yes", "1", "on"})


_FALSE = frozenset({"false", "no", "0", "off", ""})


class EvaluationMode(enum.StrEnum):
    """What a scheduled run posts to AWS Config, and how it words the annotations.

    ``FULL`` (the default, the blog's behaviour): every resource every run, with
    annotations that count days ("Was last used in us-west-2 46 days ago").
    ``CHANGES``: annotations that only name facts which do not move while the
    compliance stays the same ("Used within the last 60 days"), and only the
    evaluations that differ from what Config already holds. Compliance is decided by
    exactly the same rules in both modes.
    """

    FULL = "full"
    CHANGES = "changes"


@dataclass(frozen=True, slots=True)
class Settings:
    """What decides a finding.

    ``max_days``: the window; a role unused for more whole days than this is
    NON_COMPLIANT, and a role no older than this is spared. ``allow_patterns``:
    fnmatch patterns on Path+RoleName, case-sensitive. ``include_service_linked``:
    evaluate service-linked roles instead of reporting them NOT_APPLICABLE.
    ``evaluation_mode``: see ``EvaluationMode``; every kind's decision reads the
    wording switch through ``stable_annotations``.
    ``exempt_tag_key``: the tag whose value (``[until=YYYY-MM-DD] reason``) exempts a
    resource. ``owner_tag_keys``: tags naming the owner, the first present wins.
    ``max_exemption_days``: the ceiling on exemptions; when set, one counts only with an
    ``until=`` at most that many whole UTC days away (None: no ceiling).
    """

    max_days: int = DEFAULT_MAX_DAYS
    allow_patterns: tuple[str, ...] = ()
    include_service_linked: bool = False
    evaluation_mode: EvaluationMode = EvaluationMode.FULL

    @property
    def stable_annotations(self) -> bool:
        """Word annotations so they change only when the compliance does (``changes``)."""
        return self.evaluation_mode is EvaluationMode.CHANGES

    exempt_tag_key: str = DEFAULT_EXEMPT_TAG_KEY
    owner_tag_keys: tuple[str, ...] = DEFAULT_OWNER_TAG_KEYS
    max_exemption_days: int | None = None


def parse_max_days(
    value: object,
    name: str = PARAM_MAX_DAYS,
    *,
    tracking_days: int | None = ROLE_LAST_USED_TRACKING_DAYS,
    tracked: str = "role last use",
) -> int:
    """A whole number of days from 0 to ``tracking_days``, given as an int or a decimal string.

    ``tracking_days`` is how far back AWS records the activity the window is measured on
    (``tracked``); a window beyond it would judge activity AWS has already forgotten. None:
    AWS keeps that activity with no trailing limit (the credential report's last use).
    """
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
    if tracking_days is not None and days > tracking_days:
        raise InvalidParameter(
            name,
            f"{days} days is longer than IAM tracks {tracked} ({tracking_days} days): "
            f"anything used longer ago would read as never used; use at most {tracking_days}",
        )
    return days


def parse_max_exemption_days(value: object, name: str = PARAM_MAX_EXEMPTION_DAYS) -> int:
    """The exemptions' ceiling: a whole number of days from 1 to 3650."""
    expected = f"expected a whole number of days from 1 to {MAX_EXEMPTION_DAYS_LIMIT}"
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\+?\d+\s*", value):
        days = int(value)
    else:
        raise InvalidParameter(name, f"{expected}, got {value!r}")
    if days < 1:
        raise InvalidParameter(name, f"{expected}, got {value!r}: 0 would ignore every exemption")
    if days > MAX_EXEMPTION_DAYS_LIMIT:
        raise InvalidParameter(
            name, f"{expected}, got {value!r}: a longer ceiling is no ceiling; leave it unset"
        )
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


def parse_evaluation_mode(value: object, name: str = PARAM_EVALUATION_MODE) -> EvaluationMode:
    """``full`` or ``changes``, exactly (blanks around are ignored)."""
    if isinstance(value, str):
        for mode in EvaluationMode:
            if value.strip() == mode.value:
                return mode
    choices = " or ".join(mode.value for mode in EvaluationMode)
    raise InvalidParameter(name, f"expected {choices}, got {value!r}")


def parse_tag_key(value: object, name: str = PARAM_EXEMPT_TAG_KEY) -> str:
    """One IAM tag key (1..128 of letters, digits, spaces and ``_.:/=+-@``)."""
    if not isinstance(value, str) or not _TAG_KEY.fullmatch(value.strip()):
        raise InvalidParameter(name, f"expected an IAM tag key, got {value!r}")
    return value.strip()


def parse_owner_tag_keys(value: object, name: str = PARAM_OWNER_TAG_KEYS) -> tuple[str, ...]:
    """``owner,Owner,team,Team``: tag keys separated by commas, blanks around them ignored."""
    if not isinstance(value, str):
        raise InvalidParameter(name, f"expected tag keys separated by ',', got {value!r}")
    keys = tuple(parse_tag_key(key, name) for key in value.split(",") if key.strip())
    if not keys:
        raise InvalidParameter(name, f"expected at least one tag key, got {value!r}")
    return keys


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


def pick_parameter(
    params: Mapping[str, object], env: Mapping[str, str], key: str, env_key: str
) -> object:
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
    max_days_raw = pick_parameter(params, env, PARAM_MAX_DAYS, ENV_MAX_DAYS)
    allow_raw = pick_parameter(params, env, PARAM_ALLOW, ENV_ALLOW)
    allow_list_raw = pick_parameter(params, {}, PARAM_ALLOW_LIST, "")
    slr_raw = pick_parameter(params, env, PARAM_INCLUDE_SERVICE_LINKED, ENV_INCLUDE_SERVICE_LINKED)
    # The rule's parameter, else the function's default from the template (one value for
    # the roles' and the users' rule), else the built-in default.
    mode_raw = pick_parameter(params, env, PARAM_EVALUATION_MODE, ENV_EVALUATION_MODE)
    exempt_raw = pick_parameter(params, env, PARAM_EXEMPT_TAG_KEY, ENV_EXEMPT_TAG_KEY)
    owners_raw = pick_parameter(params, env, PARAM_OWNER_TAG_KEYS, ENV_OWNER_TAG_KEYS)
    ceiling_raw = pick_parameter(params, env, PARAM_MAX_EXEMPTION_DAYS, ENV_MAX_EXEMPTION_DAYS)
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
        evaluation_mode=(
            EvaluationMode.FULL if mode_raw is None else parse_evaluation_mode(mode_raw)
        ),
        exempt_tag_key=(
            DEFAULT_EXEMPT_TAG_KEY if exempt_raw is None else parse_tag_key(exempt_raw)
        ),
        owner_tag_keys=(
            DEFAULT_OWNER_TAG_KEYS if owners_raw is None else parse_owner_tag_keys(owners_raw)
        ),
        max_exemption_days=(None if ceiling_raw is None else parse_max_exemption_days(ceiling_raw)),
    )


def execution_role_name_from(
    params: Mapping[str, object], env: Mapping[str, str] | None = None
) -> str | None:
    """The role to assume in the event's account, or None for single-account mode."""
    env = env or {}
    raw = pick_parameter(params, env, PARAM_EXECUTION_ROLE_NAME, ENV_EXECUTION_ROLE_NAME)
    return None if raw is None else parse_role_name(raw)


def assume_role_mode_from(env: Mapping[str, str]) -> bool:
    raw = env.get(ENV_ASSUME_ROLE_MODE, "")
    return parse_bool(raw, ENV_ASSUME_ROLE_MODE)
