"""Every IAM policy document a CloudFormation template creates, as plain JSON.

``template_policies(path, overrides)`` resolves a template for one set of parameter values
(``deploy_support.resolve``: conditions evaluated, ``Fn::If`` branches picked; and
``Fn::ForEach`` of ``AWS::LanguageExtensions`` expanded here) and returns each policy with
its kind and where it sits:

- ``AWS::IAM::Role``: the trust policy (``AssumeRolePolicyDocument``) and each inline policy;
  ``ManagedPolicyArns`` naming a policy of the template are that policy's document (checked
  with ``AWS::IAM::ManagedPolicy``); those naming an AWS managed policy are returned by
  ``aws_managed_policy_arns``, since their documents are not in the template;
- ``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy``: the identity policy;
- ``AWS::S3::BucketPolicy``, ``AWS::SNS::TopicPolicy``, ``AWS::SQS::QueuePolicy``: the
  resource policy;
- ``AWS::Lambda::Permission``: the statement Lambda adds to the function's resource policy
  (``SourceAccount`` becomes ``StringEquals AWS:SourceAccount``, ``SourceArn`` becomes
  ``ArnLike AWS:SourceArn``, as AddPermission writes them).

A SAM function's ``Policies``, or a policy-like property of any other resource type, raises
``UnsupportedPolicy``: nothing is skipped in silence.

The intrinsics inside a document are resolved to one representative value each, the way
CloudFormation would for a stack in account 111111111111, us-east-1, partition aws:

- ``Ref`` of a parameter: its value (the override, else the default; a parameter with
  neither raises); of a pseudo parameter: the values above (``AWS::StackName`` is
  ``dormant-stack``); of a resource: what CloudFormation's Ref returns for its type (an ARN
  for a topic or a managed policy, else the physical name) from ``_REFS``;
- ``Fn::GetAtt`` (list or ``Res.Attr`` form) of a resource's ``Arn`` (``TopicArn`` for a
  topic): the ARN its type has, built from ``_ARNS``;
- ``Fn::Sub`` (one- or two-argument form): ``${Param}``, ``${AWS::...}``, ``${Res}``,
  ``${Res.Attr}`` and the form's own variables substituted; ``${!Literal}`` becomes
  ``${Literal}`` (how a policy variable such as ``${aws:username}`` is written in a Sub);
- ``Fn::Join``: the parts resolved and joined.

A resource's physical name is its name property when the template sets one (``RoleName``,
``BucketName``, ...), else ``dormant-stack-<logicalid>`` lowercased, as CloudFormation
generates one. Config rules get the generated id ``config-rule-a1b2c3`` in their ARN.
Anything else (``Fn::If`` left unresolved, ``Fn::Select``, ``Fn::ImportValue``, a
resource type or attribute not in the tables) raises ``UnsupportedPolicy`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy_support import load_template, parameter_values, resolve
from policy_reference import PolicyKind

__all__ = [
    "ACCOUNT",
    "PARTITION",
    "REGION",
    "TemplatePolicy",
    "UnsupportedPolicy",
    "aws_managed_policy_arns",
    "resolve_value",
    "template_policies",
]

ACCOUNT = "111111111111"
REGION = "us-east-1"
PARTITION = "aws"
_STACK = "dormant-stack"
_PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": _STACK,
    "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{_STACK}/1",
}

# What Ref returns, per resource type: the physical name, or the ARN.
_REFS = {
    "AWS::IAM::Role": "name",
    "AWS::IAM::ManagedPolicy": "arn",
    "AWS::S3::Bucket": "name",
    "AWS::SNS::Topic": "arn",
    "AWS::SQS::Queue": "url",
    "AWS::Logs::LogGroup": "name",
    "AWS::Events::Rule": "name",
    "AWS::Lambda::Function": "name",
    "AWS::Serverless::Function": "name",
    "AWS::Config::ConfigRule": "name",
    "AWS::SSM::Document": "name",
}
# The ARN each type has ({name} is the physical name), and the attribute that gives it.
_ARNS = {
    "AWS::IAM::Role": ("Arn", "arn:{p}:iam::{a}:role/{name}"),
    "AWS::IAM::ManagedPolicy": ("PolicyArn", "arn:{p}:iam::{a}:policy/{name}"),
    "AWS::S3::Bucket": ("Arn", "arn:{p}:s3:::{name}"),
    "AWS::SNS::Topic": ("TopicArn", "arn:{p}:sns:{r}:{a}:{name}"),
    "AWS::SQS::Queue": ("Arn", "arn:{p}:sqs:{r}:{a}:{name}"),
    # A log group's Arn attribute ends in ":*" (its streams).
    "AWS::Logs::LogGroup": ("Arn", "arn:{p}:logs:{r}:{a}:log-group:{name}:*"),
    "AWS::Events::Rule": ("Arn", "arn:{p}:events:{r}:{a}:rule/{name}"),
    "AWS::Lambda::Function": ("Arn", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "AWS::Serverless::Function": ("Arn", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    # Config names a rule's ARN by a generated id, not by the rule's name.
    "AWS::Config::ConfigRule": ("Arn", "arn:{p}:config:{r}:{a}:config-rule/config-rule-a1b2c3"),
}
_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::Rule": "Name",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Config::ConfigRule": "ConfigRuleName",
    "AWS::SSM::Document": "Name",
}
_RESOURCE_POLICIES = ("AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy")
_IDENTITY_POLICIES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
# Properties that hold a policy in some resource type; on a type not handled here, an error.
_POLICY_PROPERTIES = {
    "Policies",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "KeyPolicy",
    "ResourcePolicy",
    "PolicyText",
    "ManagedPolicyArns",
}
_PERMISSION_PROPERTIES = {"FunctionName", "Action", "Principal", "SourceAccount", "SourceArn"}


class UnsupportedPolicy(Exception):
    """A template holds something this module cannot turn into a plain policy."""


@dataclass(frozen=True)
class TemplatePolicy:
    template: str  # the file's name
    where: str  # the resource and the place in it, e.g. LambdaExecutionRole.Policies[read-roles]
    kind: PolicyKind
    document: dict[str, Any]


# --- Fn::ForEach (AWS::LanguageExtensions) ------------------------------------------------------


def _replace_identifier(node: Any, identifier: str, value: str) -> Any:
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return value
        return {
            _replace_identifier(k, identifier, value): _replace_identifier(v, identifier, value)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_replace_identifier(item, identifier, value) for item in node]
    if isinstance(node, str):
        return node.replace(f"${{{identifier}}}", value)
    return node


def _expand_for_each(template: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for key, body in template.get("Resources", {}).items():
        if not key.startswith("Fn::ForEach::"):
            resources[key] = body
            continue
        identifier, collection, bodies = body
        values = resolve_value(collection, params, {})
        if not isinstance(values, list):
            raise UnsupportedPolicy(f"{key}: the collection is not a list: {collection!r}")
        for value in values:
            for logical, resource in bodies.items():
                expanded = _replace_identifier({logical: resource}, identifier, value)
                resources.update(expanded)
    return {**template, "Resources": resources}


# --- Intrinsics -------------------------------------------------------------------------------


def _typed_parameters(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = dict(parameter_values(template, overrides))
    for name, spec in template.get("Parameters", {}).items():
        if name in values and str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            values[name] = [item.strip() for item in values[name].split(",") if item.strip()]
    return values


def _physical_name(
    logical: str, body: Mapping[str, Any], params: Mapping[str, Any], resources: Mapping[str, Any]
) -> str:
    prop = _NAME_PROPERTIES.get(body["Type"])
    given = body.get("Properties", {}).get(prop) if prop else None
    if given is not None:
        name = resolve_value(given, params, resources)
        if not isinstance(name, str):
            raise UnsupportedPolicy(f"{logical}.{prop} is not a string: {given!r}")
        return name
    return f"{_STACK}-{logical}".lower()


def _arn_of(logical: str, params: Mapping[str, Any], resources: Mapping[str, Any]) -> str:
    body = resources[logical]
    _, pattern = _ARNS[body["Type"]]
    name = _physical_name(logical, body, params, resources)
    return pattern.format(p=PARTITION, r=REGION, a=ACCOUNT, name=name)


def _ref(name: str, params: Mapping[str, Any], resources: Mapping[str, Any]) -> Any:
    if name in _PSEUDO:
        return _PSEUDO[name]
    if name in params:
        return params[name]
    if name in resources:
        body = resources[name]
        returns = _REFS.get(body["Type"])
        if returns == "name":
            return _physical_name(name, body, params, resources)
        if returns == "arn":
            return _arn_of(name, params, resources)
        raise UnsupportedPolicy(f"Ref {name}: no representative value for a {body['Type']}")
    raise UnsupportedPolicy(f"Ref {name}: no such parameter or resource (or no value given)")


def _get_att(target: Any, params: Mapping[str, Any], resources: Mapping[str, Any]) -> str:
    logical, attribute = target.split(".", 1) if isinstance(target, str) else target
    if logical not in resources:
        raise UnsupportedPolicy(f"GetAtt {logical}.{attribute}: no such resource")
    kind = resources[logical]["Type"]
    if kind not in _ARNS or _ARNS[kind][0] != attribute:
        raise UnsupportedPolicy(f"GetAtt {logical}.{attribute}: not known for a {kind}")
    return _arn_of(logical, params, resources)


def _sub(argument: Any, params: Mapping[str, Any], resources: Mapping[str, Any]) -> str:
    if isinstance(argument, str):
        text, variables = argument, {}
    else:
        text, raw = argument
        variables = {key: resolve_value(value, params, resources) for key, value in raw.items()}

    def substitute(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        if inner in variables:
            value = variables[inner]
        elif "." in inner and not inner.startswith("AWS::"):
            value = _get_att(inner, params, resources)
        else:
            value = _ref(inner, params, resources)
        if not isinstance(value, str):
            raise UnsupportedPolicy(f"Fn::Sub ${{{inner}}} is not a string: {value!r}")
        return value

    return re.sub(r"\$\{([^}]+)\}", substitute, text)


def resolve_value(node: Any, params: Mapping[str, Any], resources: Mapping[str, Any]) -> Any:
    """``node`` with every intrinsic function replaced by its representative value."""
    if isinstance(node, list):
        return [resolve_value(item, params, resources) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, argument),) = node.items()
        if key == "Ref":
            return _ref(argument, params, resources)
        if key == "Fn::GetAtt":
            return _get_att(argument, params, resources)
        if key == "Fn::Sub":
            return _sub(argument, params, resources)
        if key == "Fn::Join":
            delimiter, parts = argument
            resolved = resolve_value(parts, params, resources)
            return delimiter.join(str(part) for part in resolved)
        # {"Condition": "Name"} is the intrinsic; a statement's Condition block is a mapping.
        if key.startswith("Fn::") or (key == "Condition" and isinstance(argument, str)):
            raise UnsupportedPolicy(f"{key} is not resolved here: {node!r}")
    return {key: resolve_value(value, params, resources) for key, value in node.items()}


# --- The policies -----------------------------------------------------------------------------


def _resolved(path: Path, overrides: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    template = load_template(path)
    params = _typed_parameters(template, overrides)
    expanded = _expand_for_each(template, params)
    resources: dict[str, Any] = resolve(expanded, overrides)["Resources"]
    return resources, params


def _function_arn(value: Any) -> str:
    if isinstance(value, str) and value.startswith("arn:"):
        return value
    return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{value}"


def _permission_document(logical: str, props: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(props) - _PERMISSION_PROPERTIES
    if unknown:
        raise UnsupportedPolicy(f"{logical}: Lambda permission properties {sorted(unknown)}")
    principal = props["Principal"]
    statement: dict[str, Any] = {
        "Sid": logical,
        "Effect": "Allow",
        "Principal": {"Service": principal}
        if principal.endswith(".amazonaws.com")
        else {"AWS": principal},
        "Action": props["Action"],
        "Resource": _function_arn(props["FunctionName"]),
    }
    condition: dict[str, Any] = {}
    if "SourceAccount" in props:
        condition["StringEquals"] = {"AWS:SourceAccount": props["SourceAccount"]}
    if "SourceArn" in props:
        condition["ArnLike"] = {"AWS:SourceArn": props["SourceArn"]}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _policies_of(
    logical: str, body: Mapping[str, Any], resources: Mapping[str, Any]
) -> list[tuple[str, PolicyKind, Any]]:
    kind, props = body["Type"], body.get("Properties", {})
    if kind == "AWS::IAM::Role":
        found = [
            (
                f"{logical}.AssumeRolePolicyDocument",
                PolicyKind.TRUST,
                props["AssumeRolePolicyDocument"],
            )
        ]
        for policy in props.get("Policies", []):
            where = f"{logical}.Policies[{policy['PolicyName']}]"
            found.append((where, PolicyKind.IDENTITY, policy["PolicyDocument"]))
        return found
    if kind in _IDENTITY_POLICIES:
        return [(f"{logical}.PolicyDocument", PolicyKind.IDENTITY, props["PolicyDocument"])]
    if kind in _RESOURCE_POLICIES:
        return [(f"{logical}.PolicyDocument", PolicyKind.RESOURCE, props["PolicyDocument"])]
    if kind == "AWS::Lambda::Permission":
        return [(logical, PolicyKind.RESOURCE, _permission_document(logical, props))]
    if kind == "AWS::Serverless::Function" and "Policies" in props:
        raise UnsupportedPolicy(f"{logical}: SAM function Policies are not checked; use a Role")
    policy_like = _POLICY_PROPERTIES & set(props)
    if policy_like:
        raise UnsupportedPolicy(f"{logical} ({kind}): policy properties {sorted(policy_like)}")
    return []


def template_policies(path: Path, overrides: Mapping[str, str]) -> list[TemplatePolicy]:
    """Every policy document the template creates with these parameter values, resolved."""
    resources, params = _resolved(path, overrides)
    found = []
    for logical, body in resources.items():
        for where, kind, document in _policies_of(logical, body, resources):
            plain = resolve_value(document, params, resources)
            found.append(TemplatePolicy(path.name, where, kind, plain))
    return found


def aws_managed_policy_arns(path: Path, overrides: Mapping[str, str]) -> dict[str, list[str]]:
    """The AWS managed policies each role attaches (documents not in the template)."""
    resources, params = _resolved(path, overrides)
    ours = {
        _arn_of(logical, params, resources)
        for logical, body in resources.items()
        if body["Type"] == "AWS::IAM::ManagedPolicy"
    }
    found: dict[str, list[str]] = {}
    for logical, body in resources.items():
        if body["Type"] != "AWS::IAM::Role":
            continue
        arns = resolve_value(
            body.get("Properties", {}).get("ManagedPolicyArns", []), params, resources
        )
        others = [arn for arn in arns if arn not in ours]
        if others:
            found[logical] = others
    return found
