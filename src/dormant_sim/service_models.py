"""Every request checked against botocore's service model before moto serves it.

AWS refuses a request whose parameters break its service model: a required member missing, a
string or list too short or too long, a number out of range, a value outside an enum, a
string that does not match the member's pattern. botocore's client checks only some of these
(required members, types, minimums) and raw requests (a loopback server, the Lambda zip's
own botocore) none at all, while moto accepts almost anything. `refusal(response)` parses the
request with moto's model-driven parser and walks botocore's input shape for the operation; the
first broken constraint becomes the error the service sends (`ERROR_CODES`): IAM, STS and
CloudFormation `ValidationError`, JSON services `ValidationException` (Organizations and
Security Hub `InvalidInputException`), SNS `InvalidParameter`, EC2 `InvalidParameterValue`,
S3 `InvalidArgument`; all HTTP 400, worded as AWS words "1 validation error detected".

Validators are compiled once per operation (`_operation_check`, cached). Patterns are the
model's, matched against the whole value as AWS does; Java's `\\p{L}`, `\\p{N}` and `\\p{Z}`
classes are translated, and the few patterns Python's `re` cannot express at all (`\\p{P}`,
`\\p{M}`) are skipped (`SKIPPED_PATTERNS` counts them; docs/simulation-requests.md lists
them). A request moto's parser cannot read is left to moto. This module must never accept
what the model refuses, and never refuse what the model allows.

Test support over moto's private parser; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationNotFoundError, Shape, StructureShape

__all__ = ["ERROR_CODES", "SKIPPED_PATTERNS", "Refusal", "check", "parsed_params", "refusal"]


@dataclass(frozen=True)
class Refusal:
    """The error AWS answers for a request that breaks its service model."""

    code: str
    message: str
    status: int = 400


# Per service (botocore's name): the error code its validation layer answers with.
ERROR_CODES: Mapping[str, str] = {
    "iam": "ValidationError",
    "sts": "ValidationError",
    "cloudformation": "ValidationError",
    "sns": "InvalidParameter",
    "ec2": "InvalidParameterValue",
    "organizations": "InvalidInputException",
    "securityhub": "InvalidInputException",
    "s3": "InvalidArgument",
}
_DEFAULT_CODE = "ValidationException"

SKIPPED_PATTERNS: set[str] = set()

# One broken constraint: (member path, value, constraint text).
_Problem = tuple[str, object, str]
_Check = Callable[[object, str], "_Problem | None"]

_session_lock = threading.Lock()
_session: list[Any] = []


def _botocore_session() -> Any:
    with _session_lock:
        if not _session:
            _session.append(botocore.session.get_session())
        return _session[0]


# Java's \p{Z} (separators), spelled out for a character class in Python's `re`.
_SEPARATORS = " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_UNTRANSLATABLE = re.compile(r"\\p\{(?![LNZ]\})")


def _python_pattern(pattern: str) -> re.Pattern[str] | None:
    """The model's (Java) pattern in Python's `re`, or None when it cannot be expressed."""
    if _UNTRANSLATABLE.search(pattern):
        return None
    translated = (
        # Letters and digits: \w also admits "_", which every such model pattern admits too.
        pattern.replace(r"\p{L}", r"\w").replace(r"\p{N}", r"\w").replace(r"\p{Z}", _SEPARATORS)
    )
    # Java reads "\w-_" in a class as \w, "-" and "_"; Python calls it a bad range.
    translated = re.sub(r"(\\[wdsWDS])-", r"\1\\-", translated)
    # Code points beyond the BMP, written \u10000 in the models.
    translated = re.sub(
        r"\\u([0-9A-Fa-f]{5,6})", lambda m: f"\\U{int(m.group(1), 16):08x}", translated
    )
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _shown(value: object) -> object:
    if isinstance(value, str) and len(value) > 64:
        return value[:61] + "..."
    return value


def _string_check(shape: Shape) -> _Check | None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    enum = list(getattr(shape, "enum", None) or [])
    raw_pattern = shape.metadata.get("pattern")
    pattern = _python_pattern(raw_pattern) if raw_pattern else None
    if raw_pattern and pattern is None:
        SKIPPED_PATTERNS.add(raw_pattern)
    if low is None and high is None and not enum and pattern is None:
        return None

    def check(value: object, path: str) -> _Problem | None:
        if not isinstance(value, str):
            return None
        if low is not None and len(value) < low:
            return path, value, f"Member must have length greater than or equal to {low}"
        if high is not None and len(value) > high:
            return path, value, f"Member must have length less than or equal to {high}"
        if enum and value not in enum:
            return path, value, f"Member must satisfy enum value set: [{', '.join(enum)}]"
        if pattern is not None and pattern.fullmatch(value) is None:
            return path, value, f"Member must satisfy regular expression pattern: {raw_pattern}"
        return None

    return check


def _number_check(shape: Shape) -> _Check | None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is None and high is None:
        return None

    def check(value: object, path: str) -> _Problem | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if low is not None and value < low:
            return path, value, f"Member must have value greater than or equal to {low}"
        if high is not None and value > high:
            return path, value, f"Member must have value less than or equal to {high}"
        return None

    return check


def _size_problem(size: int, shape: Shape, path: str, value: object) -> _Problem | None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and size < low:
        return path, value, f"Member must have length greater than or equal to {low}"
    if high is not None and size > high:
        return path, value, f"Member must have length less than or equal to {high}"
    return None


def _list_check(shape: ListShape, seen: dict[str, _Check | None]) -> _Check | None:
    item = _compile(shape.member, seen)
    if item is None and "min" not in shape.metadata and "max" not in shape.metadata:
        return None

    def check(value: object, path: str) -> _Problem | None:
        if not isinstance(value, list):
            return None
        problem = _size_problem(len(value), shape, path, value)
        if problem is not None or item is None:
            return problem
        for index, element in enumerate(value, 1):
            problem = item(element, f"{path}.{index}.member")
            if problem is not None:
                return problem
        return None

    return check


def _map_check(shape: MapShape, seen: dict[str, _Check | None]) -> _Check | None:
    key = _compile(shape.key, seen)
    item = _compile(shape.value, seen)
    if key is None and item is None and not ({"min", "max"} & set(shape.metadata)):
        return None

    def check(value: object, path: str) -> _Problem | None:
        if not isinstance(value, Mapping):
            return None
        problem = _size_problem(len(value), shape, path, value)
        if problem is not None:
            return problem
        for entry_key, entry in value.items():
            if key is not None and (problem := key(entry_key, f"{path}.key")) is not None:
                return problem
            if item is not None and (problem := item(entry, f"{path}.{entry_key}")) is not None:
                return problem
        return None

    return check


def _structure_check(shape: StructureShape, seen: dict[str, _Check | None]) -> _Check | None:
    required = tuple(shape.required_members)
    members: list[tuple[str, _Check]] = []
    # A recursive shape refers to itself: look its check up late, through `seen`.
    seen[shape.name] = None
    for name, member in shape.members.items():
        if member.name in seen and seen[member.name] is None and member.type_name == "structure":
            members.append((name, _late(member.name, seen)))
            continue
        member_check = _compile(member, seen)
        if member_check is not None:
            members.append((name, member_check))

    def check(value: object, path: str) -> _Problem | None:
        if not isinstance(value, Mapping):
            return None
        prefix = f"{path}." if path else ""
        for name in required:
            if value.get(name) is None:
                return f"{prefix}{_camel(name)}", None, "Member must not be null"
        for name, member_check in members:
            member_value = value.get(name)
            if member_value is not None:
                problem = member_check(member_value, f"{prefix}{_camel(name)}")
                if problem is not None:
                    return problem
        return None

    seen[shape.name] = check
    return check


def _late(name: str, seen: dict[str, _Check | None]) -> _Check:
    def check(value: object, path: str) -> _Problem | None:
        found = seen.get(name)
        return found(value, path) if found is not None else None

    return check


def _compile(shape: Shape, seen: dict[str, _Check | None]) -> _Check | None:
    if shape.type_name == "structure" and shape.name in seen:
        found = seen[shape.name]
        return found if found is not None else _late(shape.name, seen)
    if isinstance(shape, StructureShape):
        return _structure_check(shape, seen)
    if isinstance(shape, ListShape):
        return _list_check(shape, seen)
    if isinstance(shape, MapShape):
        return _map_check(shape, seen)
    if shape.type_name == "string":
        return _string_check(shape)
    if shape.type_name in ("integer", "long", "float", "double"):
        return _number_check(shape)
    return None  # blobs, booleans, timestamps, documents: no constraints to check


@functools.lru_cache(maxsize=1024)
def _operation_check(service: str, operation: str) -> _Check | None:
    try:
        model = _botocore_session().get_service_model(service)
        input_shape = model.operation_model(operation).input_shape
    except (OperationNotFoundError, botocore.exceptions.UnknownServiceError):
        return None
    if input_shape is None:
        return None
    return _compile(input_shape, {})


@functools.lru_cache(maxsize=1024)
def _error_code(service: str, operation: str) -> str:
    """The service's validation code, unless the operation's model names only the default
    (Security Hub's V2 operations answer ValidationException, its V1 ones InvalidInput)."""
    code = ERROR_CODES.get(service, _DEFAULT_CODE)
    try:
        errors = {
            shape.error_code or shape.name
            for shape in _botocore_session()
            .get_service_model(service)
            .operation_model(operation)
            .error_shapes
        }
    except (OperationNotFoundError, botocore.exceptions.UnknownServiceError):
        return code
    return _DEFAULT_CODE if code not in errors and _DEFAULT_CODE in errors else code


def check(service: str, operation: str, params: Mapping[str, Any]) -> Refusal | None:
    """The refusal AWS answers for `params` of `service`'s `operation`, or None if valid."""
    validator = _operation_check(service, operation)
    if validator is None:
        return None
    problem = validator(params, "")
    if problem is None:
        return None
    path, value, constraint = problem
    return Refusal(
        _error_code(service, operation),
        f"1 validation error detected: Value '{_shown(value)}' at '{path}' failed to satisfy "
        f"constraint: {constraint}",
    )


def parsed_params(response: Any, operation: str) -> Mapping[str, Any] | None:
    """The request's parameters as moto's model-driven parser reads them; None if it cannot."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.utils import get_service_model

    request = response.normalized_request
    try:
        model = get_service_model(response.boto3_service_name)
        operation_model = model.operation_model(operation)
        protocol = determine_request_protocol(model, request)
        parser = PROTOCOL_PARSERS[protocol](operation_model)
        parsed = parser.parse(
            {
                "method": request.method,
                "values": request.values,
                "headers": request.headers,
                "body": request.data,
                "url_path": request.path,
                "url_params": getattr(response, "uri_match", None) or {},
            }
        )
    except Exception:  # moto's parser cannot read it: moto answers as it would anyway
        return None
    return parsed if isinstance(parsed, Mapping) else None


def refusal(response: Any) -> Refusal | None:
    """The validation error AWS answers for the request moto is about to serve, or None."""
    operation = response._get_action()
    service = response.boto3_service_name
    if not operation or not service or _operation_check(service, str(operation)) is None:
        return None
    params = parsed_params(response, str(operation))
    if params is None:
        return None
    return check(service, str(operation), params)
