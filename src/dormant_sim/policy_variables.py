"""The request IAM evaluates, and the policy variables filled from it (`dormant_sim.policy`).

`substitute` replaces a policy's variables (`${aws:username}`, `${aws:PrincipalTag/team}`, the
`${key, 'default'}` form, the escapes `${*}`, `${?}`, `${$}`) with the request's values, as
pieces that keep a substituted value literal (never a wildcard); a key the request lacks
raises `Unresolved`, for the caller to apply IAM's rule for its place. `glob` matches such
pieces with IAM's `*` and `?`. Pure; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CannotEvaluate",
    "ContextValue",
    "Pieces",
    "Request",
    "Unresolved",
    "as_list",
    "check_arn_variables",
    "glob",
    "lookup",
    "substitute",
]


class CannotEvaluate(Exception):
    """The simulation cannot evaluate this policy exactly; the test must not rely on it."""


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


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# --- policy variables ---------------------------------------------------------------------------

# A pattern after substitution: pieces of (text, literal). Literal pieces (a substituted value,
# `${*}`) never act as wildcards; the others keep IAM's `*` and `?`.
Pieces = tuple[tuple[str, bool], ...]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class Unresolved(Exception):
    """A variable whose key the request lacks, without a default: the element does not match."""


def _variable_value(body: str, request: Request) -> str:
    if body in _ESCAPES:
        return _ESCAPES[body]
    parsed = _VARIABLE_BODY.fullmatch(body)
    if parsed is None:
        raise CannotEvaluate(f"a malformed policy variable: ${{{body}}}")
    key, default = parsed.group(1), parsed.group(2)
    values = lookup(key, request)
    if values is None or values == []:
        if default is None:
            raise Unresolved(key)
        return default.replace("''", "'")
    if len(values) != 1 or not isinstance(_request_value(key, request), str):
        raise CannotEvaluate(f"the multi-valued key {key} used as a policy variable")
    return values[0]


def substitute(text: str, request: Request, variables: bool) -> Pieces:
    """`text` with its variables replaced; raises `Unresolved` for a missing key."""
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


def check_arn_variables(text: str, variables: bool) -> None:
    """IAM takes a variable in an ARN only after its fifth colon (the resource part)."""
    if not variables or "${" not in text:
        return
    first = text.index("${")
    if text.count(":", 0, first) < 5:
        raise CannotEvaluate(
            f"a policy variable before the resource part of the ARN {text!r}: IAM does not "
            "substitute variables for the partition, service, Region or account"
        )


def glob(pieces: Pieces, value: str, *, ignore_case: bool) -> bool:
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


def _key_is_known(key: str, known_keys: Collection[str]) -> bool:
    lowered = key.lower()
    return any(
        lowered == known or (known.endswith("/") and lowered.startswith(known))
        for known in known_keys
    )


def _request_value(key: str, request: Request) -> ContextValue | None:
    """The request's raw value for `key` (a string or a list), None when it lacks it."""
    lowered = key.lower()
    for name, value in request.context.items():
        if name.lower() == lowered:
            return value
    return None


def lookup(key: str, request: Request) -> list[str] | None:
    """The request's values for `key` (None when the request does not carry it)."""
    if not _key_is_known(key, request.known_keys):
        raise CannotEvaluate(
            f"condition key {key} is not simulated for {request.action}; the simulation "
            "cannot tell whether the condition holds"
        )
    value = _request_value(key, request)
    return None if value is None else [str(item) for item in as_list(value)]
