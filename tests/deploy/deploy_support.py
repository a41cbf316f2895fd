"""Test support for the deployment checks: read CloudFormation templates, resolve them.

``load_template`` reads YAML with the short CloudFormation tags (!Ref, !If, ...) through
cfn-lint's own loader and returns plain dicts and lists in the long form
(``{"Fn::If": [...]}``). ``resolve`` then plays CloudFormation's part for one set of
parameter values: it refuses values the template's Rules refuse (``rule_failures``), evaluates
the Conditions, drops the resources and outputs whose condition is false, picks the branch of
every ``Fn::If`` and removes ``AWS::NoValue``. Other intrinsics (Sub, GetAtt, ...) stay as
they are, so tests can assert on them.

Conditions and Rules are evaluated by one small evaluator over the parameter values:
``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Ref`` of a parameter, and (in
Conditions only) ``Condition``; anything else fails the test that meets it.

Nothing here talks to AWS.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from cfnlint.decode import cfn_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MAIN_TEMPLATE = REPO_ROOT / "template.yaml"
MEMBER_TEMPLATE = REPO_ROOT / "deploy" / "org-member.yaml"
CENTRAL_TEMPLATE = REPO_ROOT / "deploy" / "org-central.yaml"
RETIRE_TEMPLATE = REPO_ROOT / "deploy" / "retire.yaml"
STACKSET_TEMPLATE = REPO_ROOT / "deploy" / "org-stackset.yaml"
ALL_TEMPLATES = (
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    CENTRAL_TEMPLATE,
    RETIRE_TEMPLATE,
    STACKSET_TEMPLATE,
)
BUILD_SCRIPT = REPO_ROOT / "tools" / "build_lambda.py"
PACKAGE_SOURCE = REPO_ROOT / "src" / "dormant"

_NO_VALUE = object()


# Each template file's plain JSON, by path and modification time: cfn-lint's YAML parse of
# the retire stack takes about 0.3 s, and hundreds of tests load the same few templates.
_PARSED: dict[tuple[str, int], str] = {}


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain data, a fresh copy for each caller (callers change it)."""
    key = (str(path), Path(path).stat().st_mtime_ns)
    text = _PARSED.get(key)
    if text is None:
        # cfn-lint's loader gives dict/str subclasses with line marks; JSON makes them plain.
        text = json.dumps(cfn_yaml.load(str(path)))
        _PARSED[key] = text
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load_build_script() -> ModuleType:
    """tools/build_lambda.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_lambda", BUILD_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_lambda", module)
    spec.loader.exec_module(module)
    return module


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Every parameter's value: the override, else the default (as CloudFormation's string)."""
    values: dict[str, str] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
    unknown = set(overrides) - set(values)
    assert not unknown, f"no such parameters: {sorted(unknown)}"
    return values


def _condition(expr: Any, params: Mapping[str, str], conditions: Mapping[str, Any]) -> bool:
    if isinstance(expr, dict) and len(expr) == 1:
        ((key, arg),) = expr.items()
        if key == "Fn::Equals":
            left, right = (_value(item, params) for item in arg)
            return bool(left == right)
        if key == "Fn::Not":
            return not _condition(arg[0], params, conditions)
        if key == "Fn::And":
            return all(_condition(item, params, conditions) for item in arg)
        if key == "Fn::Or":
            return any(_condition(item, params, conditions) for item in arg)
        if key == "Condition":
            return _condition(conditions[arg], params, conditions)
    raise AssertionError(f"unsupported condition expression {expr!r}")


def _value(expr: Any, params: Mapping[str, str]) -> Any:
    if isinstance(expr, dict) and set(expr) == {"Ref"} and expr["Ref"] in params:
        return params[expr["Ref"]]
    return expr


def evaluate_conditions(
    template: Mapping[str, Any], overrides: Mapping[str, str] | None = None
) -> dict[str, bool]:
    params = parameter_values(template, overrides or {})
    raw = template.get("Conditions", {})
    return {name: _condition(expr, params, raw) for name, expr in raw.items()}


def rule_failures(
    template: Mapping[str, Any], overrides: Mapping[str, str] | None = None
) -> list[str]:
    """``<rule>: <AssertDescription>`` of every Rules assertion these values fail.

    CloudFormation checks the Rules before it creates or updates a stack (and refuses the
    stack when one fails); a rule without RuleCondition always applies.
    """
    params = parameter_values(template, overrides or {})
    failures: list[str] = []
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not _condition(rule["RuleCondition"], params, {}):
            continue
        for assertion in rule["Assertions"]:
            if not _condition(assertion["Assert"], params, {}):
                failures.append(f"{name}: {assertion.get('AssertDescription', '').strip()}")
    return failures


def _pick(node: Any, conditions: Mapping[str, bool]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, when_true, when_false = node["Fn::If"]
            return _pick(when_true if conditions[name] else when_false, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        picked = {key: _pick(value, conditions) for key, value in node.items()}
        return {key: value for key, value in picked.items() if value is not _NO_VALUE}
    if isinstance(node, list):
        items = [_pick(item, conditions) for item in node]
        return [item for item in items if item is not _NO_VALUE]
    return node


def resolve(
    template: Mapping[str, Any], overrides: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The template as CloudFormation would see it with these parameter values."""
    refused = rule_failures(template, overrides)
    assert not refused, f"CloudFormation refuses these parameter values: {refused}"
    conditions = evaluate_conditions(template, overrides)
    resolved: dict[str, Any] = {}
    for section in ("Resources", "Outputs"):
        kept = {
            name: body
            for name, body in template.get(section, {}).items()
            if "Condition" not in body or conditions[body["Condition"]]
        }
        resolved[section] = _pick(kept, conditions)
    return resolved


def statements(resources: Mapping[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement that applies to a role: its inline policies, and AWS::IAM::Policy
    resources attached to it."""
    found: list[dict[str, Any]] = []
    for policy in resources[role]["Properties"].get("Policies", []):
        found.extend(policy["PolicyDocument"]["Statement"])
    for body in resources.values():
        if body["Type"] == "AWS::IAM::Policy" and {"Ref": role} in body["Properties"]["Roles"]:
            found.extend(body["Properties"]["PolicyDocument"]["Statement"])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed_actions(resources: Mapping[str, Any], role: str) -> set[str]:
    return {
        action
        for statement in statements(resources, role)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


_PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def render_sub(expr: Any, params: Mapping[str, str]) -> str:
    """A ``Fn::Sub`` string with parameter and pseudo-parameter references filled in."""
    assert isinstance(expr, dict), f"not a Fn::Sub: {expr!r}"
    assert set(expr) == {"Fn::Sub"}, f"not a Fn::Sub: {expr!r}"
    text = expr["Fn::Sub"]
    assert isinstance(text, str), "only the one-argument form of Fn::Sub is used here"
    values = {**_PSEUDO, **params}
    return re.sub(r"\$\{([^}!]+)\}", lambda match: values[match.group(1)], text)


def render(
    node: Any, params: Mapping[str, str], attributes: Mapping[str, str] | None = None
) -> Any:
    """`node` (from a resolved template) with Ref, Fn::Sub, Fn::GetAtt, Fn::Join and Fn::Split
    filled in.

    `params` are the parameter values (``parameter_values``); `attributes` give what only
    CloudFormation knows: ``{"LogicalId": ref value, "LogicalId.Attr": attribute}``. What
    cannot be rendered fails the test, so a policy is never checked half-resolved.
    """
    values = {**_PSEUDO, **params, **(attributes or {})}
    if isinstance(node, list):
        return [render(item, params, attributes) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            assert arg in values, f"cannot render Ref {arg}"
            return values[arg]
        if key == "Fn::Sub":
            assert isinstance(arg, str), "only the one-argument form of Fn::Sub is used here"

            def fill(match: re.Match[str]) -> str:
                name = match.group(1)
                assert name in values, f"cannot render ${{{name}}}"
                return values[name]

            return re.sub(r"\$\{([^}!]+)\}", fill, arg)
        if key == "Fn::GetAtt":
            name = ".".join(arg) if isinstance(arg, list) else arg
            assert name in values, f"cannot render Fn::GetAtt {name}"
            return values[name]
        if key == "Fn::Join":
            separator, items = arg
            return separator.join(render(items, params, attributes))
        if key == "Fn::Split":
            separator, source = arg
            return str(render(source, params, attributes)).split(separator)
        assert not key.startswith("Fn::"), f"cannot render {key}"
    return {key: render(value, params, attributes) for key, value in node.items()}


def role_policy_documents(resources: Mapping[str, Any], role: str) -> dict[str, Any]:
    """The role's inline policies and the AWS::IAM::Policy resources on it, by name."""
    found: dict[str, Any] = {}
    for policy in resources[role]["Properties"].get("Policies", []):
        found[policy["PolicyName"]] = policy["PolicyDocument"]
    for body in resources.values():
        if body["Type"] == "AWS::IAM::Policy" and {"Ref": role} in body["Properties"]["Roles"]:
            found[body["Properties"]["PolicyName"]] = body["Properties"]["PolicyDocument"]
    return found


def role_managed_policies(resources: Mapping[str, Any], role: str) -> list[str]:
    """Logical ids of the AWS::IAM::ManagedPolicy resources the stack attaches to the role."""
    return [
        name
        for name, body in resources.items()
        if body["Type"] == "AWS::IAM::ManagedPolicy"
        and {"Ref": role} in body["Properties"].get("Roles", [])
    ]
