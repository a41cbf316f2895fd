"""template.yaml's users' rule: a second periodic rule on the same function, when asked."""

from __future__ import annotations

import json
from typing import Any

from deploy_support import (
    MAIN_TEMPLATE,
    allowed_actions,
    load_template,
    parameter_values,
    render_sub,
    resolve,
)

from dormant.rule_parameters import rule_resource_type, user_settings_from_parameters
from dormant.settings import Settings


def _template(**overrides: str) -> tuple[dict[str, Any], dict[str, str]]:
    template = load_template(MAIN_TEMPLATE)
    return resolve(template, overrides)["Resources"], parameter_values(template, overrides)


def test_template_adds_the_users_rule_only_when_asked() -> None:
    resources, _ = _template()
    assert "UserCredentialsConfigRule" not in resources
    assert "iam:GetCredentialReport" not in allowed_actions(resources, "LambdaExecutionRole")

    resources, values = _template(EvaluateUserCredentials="true", UserAllowList="/breakglass/*")
    rule = resources["UserCredentialsConfigRule"]["Properties"]
    assert render_sub(rule["ConfigRuleName"], values) == "iam-role-last-used-users"
    assert rule["Source"]["SourceIdentifier"] == {"Fn::GetAtt": ["CheckRoleLastUsedLambda", "Arn"]}
    params = json.loads(render_sub(rule["InputParameters"], values))
    assert rule_resource_type(params) == "AWS::IAM::User"
    assert user_settings_from_parameters(params) == Settings(
        max_days=45, allow_patterns=("/breakglass/*",)
    )
    gained = allowed_actions(resources, "LambdaExecutionRole") - allowed_actions(
        _template()[0], "LambdaExecutionRole"
    )
    assert gained == {"iam:GenerateCredentialReport", "iam:GetCredentialReport"}


def test_users_notifications_only_with_an_address_and_the_users_rule() -> None:
    resources, _ = _template(NotificationEmail="security@example.com")
    assert "UserComplianceChangeRule" not in resources
    resources, values = _template(
        NotificationEmail="security@example.com", EvaluateUserCredentials="true"
    )
    rule = resources["UserComplianceChangeRule"]["Properties"]
    (name,) = rule["EventPattern"]["detail"]["configRuleName"]
    assert render_sub(name, values) == "iam-role-last-used-users"
    (target,) = rule["Targets"]
    assert "IAM user <userId>" in target["InputTransformer"]["InputTemplate"]
    (publish,) = resources["NotificationTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        {"Fn::GetAtt": ["ComplianceChangeRule", "Arn"]},
        {"Fn::GetAtt": ["UserComplianceChangeRule", "Arn"]},
    ]
