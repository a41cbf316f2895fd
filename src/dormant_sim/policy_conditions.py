"""IAM's condition operators for `dormant_sim.policy`, pure: a Condition block and a request
in, whether it holds out.

Every operator in a block must hold, every key under an operator, and one of a key's values is
enough; `...IfExists`, `Null` and the set qualifiers `ForAllValues:`/`ForAnyValue:` behave as
IAM documents; a key the request lacks makes a positive operator false and a negated one
true. Variables are substituted under the string and ARN operators only. Malformed values and
what IAM leaves undefined raise `CannotEvaluate`, never a `ValueError`. Never imported by
dormant's Lambda path.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from dormant_sim.policy_variables import (
    CannotEvaluate,
    Pieces,
    Request,
    Unresolved,
    as_list,
    check_arn_variables,
    glob,
    lookup,
    substitute,
)

__all__ = ["conditions_hold"]


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


def _string_equals(policy: Pieces, actual: str) -> bool:
    return "".join(text for text, _ in policy) == actual


def _string_equals_ignore_case(policy: Pieces, actual: str) -> bool:
    return "".join(text for text, _ in policy).lower() == actual.lower()


def _string_like(policy: Pieces, actual: str) -> bool:
    return glob(policy, actual, ignore_case=False)


def _split_pieces(policy: Pieces) -> list[Pieces] | None:
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


def _arn_like(policy: Pieces, actual: str) -> bool:
    # ARNs compare field by field; a pattern with fewer fields never matches.
    policy_fields = _split_pieces(policy)
    actual_fields = actual.split(":", 5)
    if policy_fields is None or len(actual_fields) != 6:
        return False
    return all(
        glob(p, a, ignore_case=False) for p, a in zip(policy_fields, actual_fields, strict=True)
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
_STRING_OPERATORS: dict[str, tuple[Callable[[Pieces, str], bool], bool]] = {
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
    actual = lookup(key, request)
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
        resolved: list[Pieces] = []
        for value in raw_values:
            if name.startswith("arn"):
                check_arn_variables(value, variables)
            try:
                resolved.append(substitute(value, request, variables))
            except Unresolved as missing:
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
                str(v).lower() if isinstance(v, bool) else str(v) for v in as_list(values)
            ]
            if not _condition_holds(operator, key, raw_values, request, variables):
                return False
    return True
