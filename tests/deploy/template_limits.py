"""A template's values at their longest, for checking AWS's size limits on what it creates.

``longest_variants(template, node)`` resolves ``node`` (a property of a resource) to every
value it can take, each built from the longest value every parameter allows, so that a test
can hold each against a service's limit:

- a parameter's longest value: its longest ``AllowedValues``, else the shorter of its
  ``MaxLength`` and the longest string its ``AllowedPattern`` can match (Python's own regex
  parser measures it), else, for a Number, the longer of ``MinValue`` and ``MaxValue``; one
  without any bound is ``Unbounded`` (the test then names it). The value is that many ``x``:
  only its length counts;
- ``Fn::Split`` of a parameter: the two values of it that are worst for a list's limits (the
  most items, the longest item), found by matching candidates against the parameter's
  ``AllowedPattern`` and ``MaxLength``, so the template's own constraint decides;
- ``Fn::If``: both branches (every combination, when nested); ``AWS::NoValue`` drops a key;
- pseudo parameters: the longest partition (``aws-us-gov``) and Region name (14 characters);
- ``Ref`` and ``Fn::GetAtt`` of a resource: its name as the template sets it, else the
  longest name AWS allows for its type, in its ARN when that is what they return;
- ``Fn::Sub`` (one- and two-argument forms) and ``Fn::Join``.

Anything else raises ``Unsupported``, naming it. Nothing here talks to AWS.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Unbounded", "Unsupported", "longest_value", "longest_variants", "split_extremes"]

PARTITION = "aws-us-gov"
REGION = "ap-southeast-7"
ACCOUNT = "123456789012"
_PSEUDO = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com.cn",
    # A stack name is at most 128 characters; a stack ARN holds it and a UUID.
    "AWS::StackName": "s" * 128,
    "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{'s' * 128}/"
    + "0" * 36,
}

# The longest physical name AWS allows per type (when the template sets none), and what
# Ref and GetAtt return.
_NAMES = {
    "AWS::IAM::Role": (64, "name", "arn:{p}:iam::{a}:role{path}{name}"),
    "AWS::IAM::ManagedPolicy": (128, "arn", "arn:{p}:iam::{a}:policy{path}{name}"),
    "AWS::SNS::Topic": (256, "arn", "arn:{p}:sns:{r}:{a}:{name}"),
    "AWS::S3::Bucket": (63, "name", "arn:{p}:s3:::{name}"),
    "AWS::Lambda::Function": (64, "name", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "AWS::Serverless::Function": (64, "name", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "AWS::Logs::LogGroup": (512, "name", "arn:{p}:logs:{r}:{a}:log-group:{name}:*"),
    "AWS::SSM::Document": (128, "name", "arn:{p}:ssm:{r}:{a}:document/{name}"),
    "AWS::Config::ConfigRule": (128, "name", "arn:{p}:config:{r}:{a}:config-rule/{name}"),
    "AWS::Scheduler::ScheduleGroup": (
        64,
        "name",
        "arn:{p}:scheduler:{r}:{a}:schedule-group/{name}",
    ),
}
_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SSM::Document": "Name",
    "AWS::Config::ConfigRule": "ConfigRuleName",
    "AWS::Scheduler::ScheduleGroup": "Name",
}
_ATTRIBUTES = {"Arn", "PolicyArn", "TopicArn"}
_DROP = object()


class Unsupported(Exception):
    """The template holds something this module does not resolve."""


class Unbounded(Exception):
    """A parameter that reaches a limited place has no longest value."""


def _pattern_width(pattern: str) -> int | None:
    parsed = re._parser.parse(pattern)  # type: ignore[attr-defined]
    widest = int(parsed.getwidth()[1])
    return None if widest >= re._constants.MAXREPEAT else widest  # type: ignore[attr-defined]


def longest_value(spec: Mapping[str, Any], name: str = "") -> int:
    """The length of the longest value the parameter allows."""
    if "AllowedValues" in spec:
        return max(len(str(value)) for value in spec["AllowedValues"])
    if spec.get("Type") == "Number":
        if "MinValue" not in spec or "MaxValue" not in spec:
            raise Unbounded(f"parameter {name} has no MinValue or MaxValue")
        return max(len(str(spec["MinValue"])), len(str(spec["MaxValue"])))
    bounds = [int(spec["MaxLength"])] if "MaxLength" in spec else []
    if "AllowedPattern" in spec:
        width = _pattern_width(str(spec["AllowedPattern"]))
        if width is not None:
            bounds.append(width)
    if not bounds:
        raise Unbounded(f"parameter {name} has no MaxLength and an unbounded AllowedPattern")
    return min(bounds)


def split_extremes(spec: Mapping[str, Any], separator: str, name: str = "") -> list[list[str]]:
    """Of the values the parameter allows, the one with the most items and the one with the
    longest item, once split on ``separator``; each checked against its constraints."""
    pattern = re.compile(str(spec.get("AllowedPattern", ".*")))
    limit = int(spec["MaxLength"]) if "MaxLength" in spec else longest_value(spec, name)

    def allowed(value: str) -> bool:
        return len(value) <= limit and pattern.fullmatch(value) is not None

    most = next(
        (n for n in range(limit, 0, -1) if allowed(separator.join(["x"] * n))),
        0,
    )
    longest = next((n for n in range(limit, 0, -1) if allowed("x" * n)), 0)
    return [["x"] * most, ["x" * longest]]


def _combinations(options: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
    return itertools.product(*options)


class _Resolver:
    def __init__(self, template: Mapping[str, Any]) -> None:
        self.parameters: Mapping[str, Any] = template.get("Parameters", {})
        self.resources: Mapping[str, Any] = template.get("Resources", {})

    def parameter(self, name: str) -> str:
        return "x" * longest_value(self.parameters[name], name)

    def _name(self, logical: str) -> str:
        body = self.resources[logical]
        kind = body["Type"]
        if kind not in _NAMES:
            raise Unsupported(f"no longest name for {logical} ({kind})")
        given = body.get("Properties", {}).get(_NAME_PROPERTIES[kind])
        if given is None:
            return "n" * _NAMES[kind][0]
        return max(self.strings(given), key=len)

    def _arn(self, logical: str) -> str:
        body = self.resources[logical]
        path = body.get("Properties", {}).get("Path", "/")
        path = max(self.strings(path), key=len) if not isinstance(path, str) else path
        _, _, arn = _NAMES[body["Type"]]
        return arn.format(p=PARTITION, r=REGION, a=ACCOUNT, path=path, name=self._name(logical))

    def ref(self, name: str) -> str:
        if name in _PSEUDO:
            return _PSEUDO[name]
        if name in self.parameters:
            return self.parameter(name)
        if name in self.resources:
            kind = self.resources[name]["Type"]
            if kind not in _NAMES:
                raise Unsupported(f"Ref {name}: no longest value for a {kind}")
            return self._arn(name) if _NAMES[kind][1] == "arn" else self._name(name)
        raise Unsupported(f"Ref {name}: no such parameter or resource")

    def get_att(self, target: Any) -> str:
        logical, attribute = target.split(".", 1) if isinstance(target, str) else target
        if logical not in self.resources or attribute not in _ATTRIBUTES:
            raise Unsupported(f"GetAtt {logical}.{attribute}")
        return self._arn(logical)

    def strings(self, node: Any) -> list[str]:
        found = [value for value in self.variants(node) if value is not _DROP]
        if not all(isinstance(value, str) for value in found):
            raise Unsupported(f"not a string: {node!r}")
        return found

    def _sub(self, argument: Any) -> list[str]:
        if isinstance(argument, str):
            text, variables = argument, {}
        else:
            text, raw = argument
            variables = {key: max(self.strings(value), key=len) for key, value in raw.items()}

        def fill(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return str(variables[inner])
            if "." in inner and not inner.startswith("AWS::"):
                return self.get_att(inner)
            return self.ref(inner)

        return [re.sub(r"\$\{([^}]+)\}", fill, text)]

    def variants(self, node: Any) -> list[Any]:
        """Every value ``node`` can take (both branches of every Fn::If)."""
        if isinstance(node, list):
            options = [self.variants(item) for item in node]
            return [
                [item for item in combo if item is not _DROP] for combo in _combinations(options)
            ]
        if not isinstance(node, dict):
            return [node]
        if len(node) == 1:
            ((key, argument),) = node.items()
            if key == "Ref":
                return [_DROP] if argument == "AWS::NoValue" else [self.ref(argument)]
            if key == "Fn::If":
                _, when_true, when_false = argument
                return [*self.variants(when_true), *self.variants(when_false)]
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::GetAtt":
                return [self.get_att(argument)]
            if key == "Fn::Join":
                separator, parts = argument
                return [separator.join(p) for p in self.variants(parts)]
            if key == "Fn::Split":
                separator, source = argument
                if not (isinstance(source, dict) and set(source) == {"Ref"}):
                    raise Unsupported(f"Fn::Split of {source!r}")
                name = source["Ref"]
                return split_extremes(self.parameters[name], separator, name)
            if key.startswith("Fn::"):
                raise Unsupported(f"{key}: {node!r}")
        keys = list(node)
        options = [self.variants(node[key]) for key in keys]
        return [
            {key: value for key, value in zip(keys, combo, strict=True) if value is not _DROP}
            for combo in _combinations(options)
        ]


def longest_variants(template: Mapping[str, Any], node: Any) -> list[Any]:
    """Every value ``node`` can take in ``template``, at the parameters' longest values."""
    return [value for value in _Resolver(template).variants(node) if value is not _DROP]
