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

- policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}` and the
  escapes `${*}`, `${?}`, `${$}`) are replaced from the request context in `Resource`,
  `NotResource` and under the string and ARN operators, in documents of Version 2012-10-17 (in
  older ones they are literal text); a variable whose key the request lacks (and that has no
  default) makes that Resource entry, or that condition value, match nothing (IAM: "any
  attempt to match it fails"); under NotResource or a negated operator, where IAM says only
  that the statement may be invalid, it cannot be evaluated.

It is strict where it cannot be exact: a condition operator it does not implement, a key the
request context does not know (`known_keys`), a variable under an operator IAM does not
substitute (Numeric, Date, Bool, IpAddress, Null), a multi-valued key used as a variable, or a
malformed date, number, IP address or boolean raises `CannotEvaluate` (never a `ValueError`),
so that no test passes because the simulation skipped or guessed part of a policy.
Never imported by dormant's Lambda path.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "CannotEvaluate",
    "Named",
    "Request",
    "Verdict",
    "evaluate",
    "named_in",
    "statement_applies",
    "statements",
]


class CannotEvaluate(Exception):
    """The simulation cannot evaluate this policy exactly; the test must not rely on it."""


class Verdict(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


ContextValue = str | Sequence[str]

# The policy language version that has policy variables; in documents without it (or with
# 2008-10-17) `${...}` is literal text (IAM User Guide, "Variables and tags").
VARIABLES_VERSION = "2012-10-17"


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


# --- policy variables ---------------------------------------------------------------------------

# A pattern after substitution: pieces of (text, literal). Literal pieces (a substituted value,
# `${*}`) never act as wildcards; the others keep IAM's `*` and `?`.
_Pieces = tuple[tuple[str, bool], ...]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class _Unresolved(Exception):
    """A variable whose key the request lacks, without a default: the element does not match."""


def _variable_value(body: str, request: Request) -> str:
    if body in _ESCAPES:
        return _ESCAPES[body]
    parsed = _VARIABLE_BODY.fullmatch(body)
    if parsed is None:
        raise CannotEvaluate(f"a malformed policy variable: ${{{body}}}")
    key, default = parsed.group(1), parsed.group(2)
    values = _lookup(key, request)
    if values is None or values == []:
        if default is None:
            raise _Unresolved(key)
        return default.replace("''", "'")
    if len(values) != 1 or not isinstance(request_value(key, request), str):
        raise CannotEvaluate(f"the multi-valued key {key} used as a policy variable")
    return values[0]


def _pieces(text: str, request: Request, variables: bool) -> _Pieces:
    """`text` with its variables replaced; raises `_Unresolved` for a missing key."""
    if not variables or "${" not in text:
        return ((text, False),)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        pieces.append((text[position : found.start()], False))
        pieces.append((_variable_value(found.group(1), request), True))
        position = found.end()
    pieces.append((text[position:], False))
    return tuple(pieces)


def _check_arn_variables(text: str, variables: bool) -> None:
    """IAM takes a variable in an ARN only after its fifth colon (the resource part)."""
    if not variables or "${" not in text:
        return
    first = text.index("${")
    if text.count(":", 0, first) < 5:
        raise CannotEvaluate(
            f"a policy variable before the resource part of the ARN {text!r}: IAM does not "
            "substitute variables for the partition, service, Region or account"
        )


def _glob(pieces: _Pieces, value: str, *, ignore_case: bool) -> bool:
    # fnmatch would also read [...] as a class; IAM knows only * and ?.
    regex = "".join(
        re.escape(text)
        if literal
        else "".join(
            ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in text
        )
        for text, literal in pieces
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


def _action_matches(patterns: Any, action: str) -> bool:
    for pattern in _as_list(patterns):
        if "${" in str(pattern):
            raise CannotEvaluate(f"a policy variable in an action: {pattern!r}")
        if _glob(((str(pattern), False),), action, ignore_case=True):
            return True
    return False


def _resource_matches(patterns: Any, request: Request, variables: bool, *, negated: bool) -> bool:
    for pattern in _as_list(patterns):
        _check_arn_variables(str(pattern), variables)
        try:
            pieces = _pieces(str(pattern), request, variables)
        except _Unresolved as missing:
            if negated:
                # An entry that names nothing would widen NotResource to every resource; IAM
                # says only that the statement may be invalid: the simulation cannot tell.
                raise CannotEvaluate(
                    f"NotResource {pattern!r} with the variable {missing} the request lacks"
                ) from missing
            continue  # this entry names nothing; the others may still match
        if _glob(pieces, request.resource, ignore_case=False):
            return True
    return False


# --- conditions ---------------------------------------------------------------------------------


def _parse_date(value: str) -> datetime:
    text = value.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise CannotEvaluate(f"a malformed date: {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_number(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise CannotEvaluate(f"a malformed number: {value!r}") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise CannotEvaluate(f"a malformed number: {value!r}")
    return number


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise CannotEvaluate(f"a malformed boolean: {value!r}")
    return lowered == "true"


def _string_equals(policy: _Pieces, actual: str) -> bool:
    return "".join(text for text, _ in policy) == actual


def _string_equals_ignore_case(policy: _Pieces, actual: str) -> bool:
    return "".join(text for text, _ in policy).lower() == actual.lower()


def _string_like(policy: _Pieces, actual: str) -> bool:
    return _glob(policy, actual, ignore_case=False)


def _split_pieces(policy: _Pieces) -> list[_Pieces] | None:
    """The pattern's six ARN fields (the last may hold colons), or None if it has fewer."""
    fields: list[list[tuple[str, bool]]] = [[]]
    for text, literal in policy:
        if literal:
            fields[-1].append((text, True))
            continue
        for index, part in enumerate(text.split(":")):
            if index:
                if len(fields) == 6:
                    fields[-1].append((":", True))
                else:
                    fields.append([])
            fields[-1].append((part, False))
    return [tuple(f) for f in fields] if len(fields) == 6 else None


def _arn_like(policy: _Pieces, actual: str) -> bool:
    # ARNs compare field by field; a pattern with fewer fields never matches.
    policy_fields = _split_pieces(policy)
    actual_fields = actual.split(":", 5)
    if policy_fields is None or len(actual_fields) != 6:
        return False
    return all(
        _glob(p, a, ignore_case=False) for p, a in zip(policy_fields, actual_fields, strict=True)
    )


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda left, right: bool(left == right),
    "lt": lambda left, right: bool(left < right),
    "le": lambda left, right: bool(left <= right),
    "gt": lambda left, right: bool(left > right),
    "ge": lambda left, right: bool(left >= right),
}


def _typed(parse: Callable[[str], Any], compare: str) -> Callable[[str, str], bool]:
    def check(policy: str, actual: str) -> bool:
        return _COMPARE[compare](parse(actual), parse(policy))

    return check


def _bool(policy: str, actual: str) -> bool:
    return _parse_bool(policy) == _parse_bool(actual)


def _ip_address(policy: str, actual: str) -> bool:
    try:
        network = ipaddress.ip_network(policy.strip(), strict=False)
        address = ipaddress.ip_address(actual.strip())
    except ValueError as exc:
        raise CannotEvaluate(f"a malformed IP address or range: {policy!r} / {actual!r}") from exc
    return address in network


# Operators whose policy values may hold variables (IAM User Guide, "Variables and tags":
# string and ARN operators only), compared on substituted pieces.
_STRING_OPERATORS: dict[str, tuple[Callable[[_Pieces, str], bool], bool]] = {
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
}
# The other operators compare plain values; IAM substitutes no variable under them.
_TYPED_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "dateequals": (_typed(_parse_date, "eq"), False),
    "datenotequals": (_typed(_parse_date, "eq"), True),
    "datelessthan": (_typed(_parse_date, "lt"), False),
    "datelessthanequals": (_typed(_parse_date, "le"), False),
    "dategreaterthan": (_typed(_parse_date, "gt"), False),
    "dategreaterthanequals": (_typed(_parse_date, "ge"), False),
    "numericequals": (_typed(_parse_number, "eq"), False),
    "numericnotequals": (_typed(_parse_number, "eq"), True),
    "numericlessthan": (_typed(_parse_number, "lt"), False),
    "numericlessthanequals": (_typed(_parse_number, "le"), False),
    "numericgreaterthan": (_typed(_parse_number, "gt"), False),
    "numericgreaterthanequals": (_typed(_parse_number, "ge"), False),
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


def request_value(key: str, request: Request) -> ContextValue | None:
    """The request's raw value for `key` (a string or a list), None when it lacks it."""
    lowered = key.lower()
    for name, value in request.context.items():
        if name.lower() == lowered:
            return value
    return None


def _lookup(key: str, request: Request) -> list[str] | None:
    """The request's values for `key` (None when the request does not carry it)."""
    if not _key_is_known(key, request.known_keys):
        raise CannotEvaluate(
            f"condition key {key} is not simulated for {request.action}; the simulation "
            "cannot tell whether the condition holds"
        )
    value = request_value(key, request)
    return None if value is None else [str(item) for item in _as_list(value)]


def _condition_holds(
    operator: str, key: str, raw_values: list[str], request: Request, variables: bool
) -> bool:
    name = operator.lower()
    qualifier = ""
    for prefix in ("forallvalues:", "foranyvalue:"):
        if name.startswith(prefix):
            qualifier, name = prefix, name.removeprefix(prefix)
    if_exists = name.endswith("ifexists") and name != "ifexists"
    name = name.removesuffix("ifexists") if if_exists else name
    actual = _lookup(key, request)
    if name not in _STRING_OPERATORS and variables:
        for value in raw_values:
            if "${" in value:
                raise CannotEvaluate(
                    f"a policy variable under {operator} ({value!r}): IAM substitutes "
                    "variables only under string and ARN operators"
                )
    if name == "null":
        if qualifier or if_exists:
            raise CannotEvaluate(f"operator {operator} is not simulated")
        absent = actual is None or actual == []
        return any(_parse_bool(value) == absent for value in raw_values)
    matches: Callable[[str], bool]
    if name in _STRING_OPERATORS:
        string_compare, negated = _STRING_OPERATORS[name]
        resolved: list[_Pieces] = []
        for value in raw_values:
            if name.startswith("arn"):
                _check_arn_variables(value, variables)
            try:
                resolved.append(_pieces(value, request, variables))
            except _Unresolved as missing:
                # A value whose variable the request cannot fill matches nothing. Under a
                # negated operator that would make the condition hold, where IAM says the
                # statement may be invalid: the simulation cannot tell which.
                if negated:
                    raise CannotEvaluate(
                        f"{operator} on {value!r} with the variable {missing} the request lacks"
                    ) from missing

        def matches(value: str) -> bool:
            return any(string_compare(policy, value) for policy in resolved)

    elif name in _TYPED_OPERATORS:
        typed_compare, negated = _TYPED_OPERATORS[name]
        for value in raw_values:  # a malformed policy value fails whatever the request holds
            typed_compare(value, value)

        def matches(value: str) -> bool:
            return any(typed_compare(policy, value) for policy in raw_values)

    else:
        raise CannotEvaluate(f"condition operator {operator} is not simulated")

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


def conditions_hold(
    conditions: Mapping[str, Any] | None, request: Request, *, variables: bool = True
) -> bool:
    if conditions is not None and not isinstance(conditions, Mapping):
        raise CannotEvaluate("a Condition that is not an object")
    for operator, by_key in (conditions or {}).items():
        if not isinstance(by_key, Mapping):
            raise CannotEvaluate(f"malformed condition block under {operator}")
        for key, values in by_key.items():
            raw_values = [
                str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(values)
            ]
            if not _condition_holds(operator, key, raw_values, request, variables):
                return False
    return True


# --- statements and documents -------------------------------------------------------------------


def statement_applies(
    statement: Mapping[str, Any], request: Request, *, variables: bool = True
) -> bool:
    """Whether a statement covers the request (its effect and Principal aside).

    `variables`: whether its document's Version has policy variables (see `statements`).
    """
    if "Action" in statement:
        if not _action_matches(statement["Action"], request.action):
            return False
    elif "NotAction" in statement:
        if _action_matches(statement["NotAction"], request.action):
            return False
    else:
        raise CannotEvaluate("a statement without Action or NotAction")
    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], request, variables, negated=False):
            return False
    elif "NotResource" in statement:
        if _resource_matches(statement["NotResource"], request, variables, negated=True):
            return False
    elif "Principal" not in statement and "NotPrincipal" not in statement:
        raise CannotEvaluate("an identity-policy statement without Resource or NotResource")
    return conditions_hold(statement.get("Condition"), request, variables=variables)


def statements(document: Mapping[str, Any]) -> Iterable[tuple[Mapping[str, Any], bool]]:
    """Each statement of a document, with whether policy variables apply in it."""
    variables = document.get("Version") == VARIABLES_VERSION
    for statement in _as_list(document.get("Statement", [])):
        if not isinstance(statement, Mapping):
            raise CannotEvaluate("a statement that is not an object")
        yield statement, variables


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request) -> Verdict:
    """IAM's verdict for identity policies: explicit deny, else allow, else implicit deny."""
    allowed = False
    for document in documents:
        for statement, variables in statements(document):
            if not statement_applies(statement, request, variables=variables):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return Verdict.EXPLICIT_DENY
            if effect == "Allow":
                allowed = True
            else:
                raise CannotEvaluate(f"a statement with Effect {effect!r}")
    return Verdict.ALLOW if allowed else Verdict.IMPLICIT_DENY


class Named(enum.Enum):
    """How a resource policy's Principal names the caller; ordered from weakest to strongest.

    IAM User Guide, "Policy evaluation logic" and "Permissions boundaries for IAM entities":
    within one account, a resource-based policy naming the account delegates to the
    caller's identity policies; one naming a role's ARN grants without an identity policy but
    stays limited by the role's permissions boundary and session policy; one naming the user's
    ARN or the session's ARN is limited by neither.
    """

    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


def named_in(
    principal: Any, *, kind: str, arn: str, principal_arn: str, account: str
) -> Named | None:
    """How a Principal element names the caller (None: it does not).

    `kind` "User" or "AssumedRole"; `arn` the user's or the session's ARN; `principal_arn` the
    user's or the role's ARN. Service and federated principals never name a user or a session;
    `"*"` names everyone, as a grant to the account would.
    """
    if principal == "*":
        return Named.ACCOUNT
    if not isinstance(principal, Mapping):
        raise CannotEvaluate(f"a Principal that is not an object: {principal!r}")
    best: Named | None = None
    for principal_kind, values in principal.items():
        if principal_kind != "AWS":
            continue
        for value in _as_list(values):
            text = str(value)
            found: Named | None = None
            if text == arn:
                found = Named.DIRECT
            elif text == principal_arn:
                found = Named.DIRECT if kind == "User" else Named.ROLE
            elif text in ("*", account, f"arn:aws:iam::{account}:root"):
                found = Named.ACCOUNT
            if found is not None and (best is None or found.value > best.value):
                best = found
    return best
