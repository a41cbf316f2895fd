"""The permissions rule in template.yaml and deploy/org-stackset.yaml: a third periodic
rule on the same function, and the two job actions, only when PermissionsRule is On."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    MAIN_TEMPLATE,
    REPO_ROOT,
    allowed_actions,
    load_template,
    parameter_values,
    render_sub,
    resolve,
    statements,
)

from dormant.core.parameters import RuleKindName, rule_kind
from dormant.core.settings import EvaluationMode, Settings
from dormant.permissions.parameters import permissions_settings_from_parameters

STACKSET_TEMPLATE = REPO_ROOT / "deploy" / "org-stackset.yaml"
REQUIRED = {STACKSET_TEMPLATE: {"CodeBucket": "dormant-code-111111111111"}, MAIN_TEMPLATE: {}}
TEMPLATES = (MAIN_TEMPLATE, STACKSET_TEMPLATE)
JOB_ACTIONS = {"iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails"}


def _resolved(path: Path, **overrides: str) -> tuple[dict[str, Any], dict[str, str]]:
    template = load_template(path)
    values = {**REQUIRED[path], **overrides}
    return resolve(template, values)["Resources"], parameter_values(template, values)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_permissions_rule_and_no_job_actions_by_default(path: Path) -> None:
    resources, _ = _resolved(path)
    assert "PermissionsConfigRule" not in resources
    assert not JOB_ACTIONS & allowed_actions(resources, "LambdaExecutionRole")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
@pytest.mark.parametrize("whitelist", ["", "/breakglass-role"])
def test_the_rule_is_what_the_function_reads(path: Path, whitelist: str) -> None:
    resources, values = _resolved(
        path,
        PermissionsRule="On",
        PermissionsMaxDays="120",
        PermissionsEvaluationFrequency="Twelve_Hours",
        EvaluationMode="changes",
        RolePatternWhitelist=whitelist,
    )
    rule = resources["PermissionsConfigRule"]["Properties"]
    assert render_sub(rule["ConfigRuleName"], values) == "iam-role-last-used-permissions"
    (source,) = rule["Source"]["SourceDetails"]
    assert source["MaximumExecutionFrequency"] == {"Ref": "PermissionsEvaluationFrequency"}
    assert rule["Source"]["SourceIdentifier"] == {"Fn::GetAtt": ["CheckRoleLastUsedLambda", "Arn"]}
    params = json.loads(render_sub(rule["InputParameters"], values))
    assert all(value.strip() for value in params.values())  # Config refuses blank values
    assert rule_kind(params) is RuleKindName.PERMISSIONS
    assert params["resource_type"] == "AWS::IAM::Role"
    assert permissions_settings_from_parameters(params) == Settings(
        max_days=120,
        allow_patterns=tuple(p for p in [whitelist] if p),
        evaluation_mode=EvaluationMode.CHANGES,
    )
    assert "ReadLastAccessedPolicy" in resources["PermissionsConfigRule"]["DependsOn"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_the_function_gains_exactly_the_two_job_actions_each_on_its_resources(path: Path) -> None:
    plain, _ = _resolved(path)
    resources, _ = _resolved(path, PermissionsRule="On")
    gained = allowed_actions(resources, "LambdaExecutionRole") - allowed_actions(
        plain, "LambdaExecutionRole"
    )
    assert gained == JOB_ACTIONS
    added = [
        s
        for s in statements(resources, "LambdaExecutionRole")
        if s not in statements(plain, "LambdaExecutionRole")
    ]
    resource_of = {s["Action"]: s["Resource"] for s in added}
    # IAM's service reference: Generate takes role (user, group, policy) ARNs; Get none.
    assert resource_of == {
        "iam:GenerateServiceLastAccessedDetails": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"
        },
        "iam:GetServiceLastAccessedDetails": "*",
    }


def test_both_templates_agree_on_the_permissions_parameters() -> None:
    main = load_template(MAIN_TEMPLATE)["Parameters"]
    stackset = load_template(STACKSET_TEMPLATE)["Parameters"]
    for name in ("PermissionsRule", "PermissionsMaxDays", "PermissionsEvaluationFrequency"):
        for key in ("Default", "AllowedValues", "MinValue", "MaxValue"):
            assert main[name].get(key) == stackset[name].get(key), (name, key)
    assert main["PermissionsRule"]["Default"] == "Off"
    assert main["PermissionsMaxDays"]["Default"] == 90
    assert main["PermissionsMaxDays"]["MaxValue"] == 400
    assert main["PermissionsEvaluationFrequency"]["Default"] == "TwentyFour_Hours"
    main_rule = resolve(load_template(MAIN_TEMPLATE), {"PermissionsRule": "On"})["Resources"]
    stackset_rule = resolve(
        load_template(STACKSET_TEMPLATE), {**REQUIRED[STACKSET_TEMPLATE], "PermissionsRule": "On"}
    )["Resources"]
    for name in ("ReadLastAccessedPolicy", "PermissionsConfigRule"):
        assert main_rule[name] == stackset_rule[name], name
