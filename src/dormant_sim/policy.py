"""IAM's policy evaluation for the simulation, pure: documents and a request in, a verdict out.

moto's own evaluator (`moto.iam.access_control`) ignores most of what makes a policy least
privilege: it compares every resource with "*" (so a statement scoped to an ARN never
matches), fails every statement that has a Condition (an Allow with a condition denies), and
knows no condition operators beyond the trust policies'. This module evaluates identity
policies and trust policies the way IAM documents it:

- an explicit Deny wins, then an Allow, else the request is implicitly denied;
- `Action`/`NotAction` match case-insensitively, `Resource`/`NotResource` case-sensitively,
  both with the wildcards `*` and `?`;
- every condition operator in a statement must hold, every key under an operator must hold,
  and one of a key's values is enough; `...IfExists`, `Null`, and the set qualifiers
  `ForAllValues:` and `ForAnyValue:` behave as documented; a key missing from the request makes
  a positive operator false and a negated one (`StringNotEquals`, `ArnNotLike`, ...) true.

It is strict where it cannot be exact: a condition operator it does not implement, a key the
request context does not know (`known_keys`), or a policy variable (`${aws:username}`) raises
`CannotEvaluate`, so that no test passes because the simulation skipped part of a policy.
Never imported by dormant's Lambda path.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "CannotEvaluate",
    "Request",
    "Verdict",
    "evaluate",
    "principal_matches",
    "statement_applies",
]


class CannotEvaluate(Exception):
    """The simulation cannot evaluate this policy exactly; the test must not rely on it."""


class Verdict(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """What IAM evaluates: the action, the resource's ARN ("*" for none) and the context.

    `context` maps condition keys (case-insensitive, as IAM compares them) to one value or a
    list; `known_keys` are the keys the simulation can supply at all (present or not), with
    prefixes such as "aws:resourcetag/" covering a family.
    """

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    known_keys: Collection[str] = ()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_no_variables(text: str) -> None:
    if "${" in text:
        raise CannotEvaluate(f"policy variables are not simulated: {text!r}")


def _glob(pattern: str, value: str, *, ignore_case: bool) -> bool:
    _check_no_variables(pattern)
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch would also read [...] as a class; IAM knows only * and ?.
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _action_matches(patterns: Any, action: str) -> bool:
    return any(_glob(str(pattern), action, ignore_case=True) for pattern in _as_list(patterns))


def _resource_matches(patterns: Any, resource: str) -> bool:
    return any(_glob(str(pattern), resource, ignore_case=False) for pattern in _as_list(patterns))


# --- conditions ---------------------------------------------------------------------------------


def _parse_date(value: str) -> datetime:
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _string_equals(policy: str, actual: str) -> bool:
    _check_no_variables(policy)
    return policy == actual


def _string_equals_ignore_case(policy: str, actual: str) -> bool:
    _check_no_variables(policy)
    return policy.lower() == actual.lower()


def _string_like(policy: str, actual: str) -> bool:
    return _glob(policy, actual, ignore_case=False)


def _arn_like(policy: str, actual: str) -> bool:
    # ARNs compare field by field; a pattern with fewer fields never matches.
    policy_parts = policy.split(":", 5)
    actual_parts = actual.split(":", 5)
    if len(policy_parts) != 6 or len(actual_parts) != 6:
        return False
    return all(
        _glob(p, a, ignore_case=False) for p, a in zip(policy_parts, actual_parts, strict=True)
    )


def _date(compare: str) -> Any:
    def check(policy: str, actual: str) -> bool:
        left, right = _parse_date(actual), _parse_date(policy)
        return {
            "eq": left == right,
            "lt": left < right,
            "le": left <= right,
            "gt": left > right,
            "ge": left >= right,
        }[compare]

    return check


def _numeric(compare: str) -> Any:
    def check(policy: str, actual: str) -> bool:
        left, right = float(actual), float(policy)
        return {
            "eq": left == right,
            "lt": left < right,
            "le": left <= right,
            "gt": left > right,
            "ge": left >= right,
        }[compare]

    return check


def _bool(policy: str, actual: str) -> bool:
    return policy.lower() == actual.lower()


def _ip_address(policy: str, actual: str) -> bool:
    return ipaddress.ip_address(actual) in ipaddress.ip_network(policy, strict=False)


# Operator name (lower case) -> (compare one policy value with one request value, negated).
_OPERATORS: dict[str, tuple[Any, bool]] = {
    "stringequals": (_string_equals, False),
    "stringnotequals": (_string_equals, True),
    "stringequalsignorecase": (_string_equals_ignore_case, False),
    "stringnotequalsignorecase": (_string_equals_ignore_case, True),
    "stringlike": (_string_like, False),
    "stringnotlike": (_string_like, True),
    "arnequals": (_arn_like, False),
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "dateequals": (_date("eq"), False),
    "datenotequals": (_date("eq"), True),
    "datelessthan": (_date("lt"), False),
    "datelessthanequals": (_date("le"), False),
    "dategreaterthan": (_date("gt"), False),
    "dategreaterthanequals": (_date("ge"), False),
    "numericequals": (_numeric("eq"), False),
    "numericnotequals": (_numeric("eq"), True),
    "numericlessthan": (_numeric("lt"), False),
    "numericlessthanequals": (_numeric("le"), False),
    "numericgreaterthan": (_numeric("gt"), False),
    "numericgreaterthanequals": (_numeric("ge"), False),
    "bool": (_bool, False),
    "ipaddress": (_ip_address, False),
    "notipaddress": (_ip_address, True),
}


def _key_is_known(key: str, known_keys: Collection[str]) -> bool:
    lowered = key.lower()
    return any(
        lowered == known or (known.endswith("/") and lowered.startswith(known))
        for known in known_keys
    )


def _lookup(key: str, request: Request) -> list[str] | None:
    """The request's values for `key` (None when the request does not carry it)."""
    if not _key_is_known(key, request.known_keys):
        raise CannotEvaluate(
            f"condition key {key} is not simulated for {request.action}; the simulation "
            "cannot tell whether the condition holds"
        )
    lowered = key.lower()
    for name, value in request.context.items():
        if name.lower() == lowered:
            return [str(item) for item in _as_list(value)]
    return None


def _condition_holds(operator: str, key: str, policy_values: list[str], request: Request) -> bool:
    name = operator.lower()
    qualifier = ""
    for prefix in ("forallvalues:", "foranyvalue:"):
        if name.startswith(prefix):
            qualifier, name = prefix, name.removeprefix(prefix)
    if_exists = name.endswith("ifexists") and name != "ifexists"
    name = name.removesuffix("ifexists") if if_exists else name
    actual = _lookup(key, request)
    if name == "null":
        if qualifier or if_exists:
            raise CannotEvaluate(f"operator {operator} is not simulated")
        absent = actual is None or actual == []
        return any((value.lower() == "true") == absent for value in policy_values)
    if name not in _OPERATORS:
        raise CannotEvaluate(f"condition operator {operator} is not simulated")
    compare, negated = _OPERATORS[name]

    def matches(value: str) -> bool:
        return any(compare(policy, value) for policy in policy_values)

    if qualifier == "forallvalues:":
        # True when every value in the request matches (vacuously true without any).
        return all((not matches(value)) if negated else matches(value) for value in actual or [])
    if qualifier == "foranyvalue:":
        return any((not matches(value)) if negated else matches(value) for value in actual or [])
    if actual is None:
        return if_exists or negated
    if negated:
        return not any(matches(value) for value in actual)
    return any(matches(value) for value in actual)


def conditions_hold(conditions: Mapping[str, Any] | None, request: Request) -> bool:
    for operator, by_key in (conditions or {}).items():
        if not isinstance(by_key, Mapping):
            raise CannotEvaluate(f"malformed condition block under {operator}")
        for key, values in by_key.items():
            policy_values = [
                str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(values)
            ]
            if not _condition_holds(operator, key, policy_values, request):
                return False
    return True


# --- statements and documents -------------------------------------------------------------------


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether an identity-policy statement covers the request (its effect aside)."""
    if "Action" in statement:
        if not _action_matches(statement["Action"], request.action):
            return False
    elif "NotAction" in statement:
        if _action_matches(statement["NotAction"], request.action):
            return False
    else:
        raise CannotEvaluate("a statement without Action or NotAction")
    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], request.resource):
            return False
    elif "NotResource" in statement:
        if _resource_matches(statement["NotResource"], request.resource):
            return False
    elif "Principal" not in statement and "NotPrincipal" not in statement:
        raise CannotEvaluate("an identity-policy statement without Resource or NotResource")
    return conditions_hold(statement.get("Condition"), request)


def _statements(document: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    for statement in _as_list(statements):
        if not isinstance(statement, Mapping):
            raise CannotEvaluate("a statement that is not an object")
        yield statement


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request) -> Verdict:
    """IAM's verdict for identity policies: explicit deny, else allow, else implicit deny."""
    allowed = False
    for document in documents:
        for statement in _statements(document):
            if not statement_applies(statement, request):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return Verdict.EXPLICIT_DENY
            if effect == "Allow":
                allowed = True
            else:
                raise CannotEvaluate(f"a statement with Effect {effect!r}")
    return Verdict.ALLOW if allowed else Verdict.IMPLICIT_DENY


def principal_matches(principal: Any, caller_arns: Collection[str], caller_account: str) -> bool:
    """Whether a trust statement's Principal names the caller.

    `caller_arns`: the user's ARN, or for a role session the role's ARN (IAM matches a
    session against its role) and the session's ARN. An account id or `:root` ARN names
    every principal of that account. Service and federated principals never name a user or
    a role session.
    """
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise CannotEvaluate(f"a Principal that is not an object: {principal!r}")
    for kind, values in principal.items():
        if kind != "AWS":
            continue
        for value in _as_list(values):
            text = str(value)
            if text == "*" or text in caller_arns:
                return True
            if text in (caller_account, f"arn:aws:iam::{caller_account}:root"):
                return True
    return False
