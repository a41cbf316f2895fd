"""The users' rule in template.yaml and deploy/org-member.yaml: a second periodic rule on
the same function, when asked."""

from __future__ import annotations

import json
from typing import Any

from deploy_support import (
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    allowed_actions,
    load_template,
    parameter_values,
    render_sub,
    resolve,
)

from dormant.core.parameters import rule_resource_type
from dormant.core.settings import Settings
from dormant.users.parameters import user_settings_from_parameters


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


MEMBER_REQUIRED = {
    "CentralFunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:iam-role-last-used",
    "CentralFunctionRoleArn": "arn:aws:iam::111111111111:role/iam-role-last-used-lambda-us-east-1",
}


def _member(**overrides: str) -> tuple[dict[str, Any], dict[str, str]]:
    template = load_template(MEMBER_TEMPLATE)
    values = {**MEMBER_REQUIRED, **overrides}
    return resolve(template, values)["Resources"], parameter_values(template, values)


def test_member_users_rule_assumes_the_member_role_and_reads_only_the_report() -> None:
    plain, _ = _member()
    assert "UserCredentialsConfigRule" not in plain
    resources, values = _member(EvaluateUserCredentials="true", UserAllowList="/emergency/*")
    rule = resources["UserCredentialsConfigRule"]["Properties"]
    assert render_sub(rule["ConfigRuleName"], values) == "iam-role-last-used-users"
    assert rule["Source"]["SourceIdentifier"] == {"Ref": "CentralFunctionArn"}
    params = json.loads(render_sub(rule["InputParameters"], values))
    assert rule_resource_type(params) == "AWS::IAM::User"
    assert params["execution_role_name"] == "dormant-rule-execution"
    gained = allowed_actions(resources, "MemberExecutionRole") - allowed_actions(
        plain, "MemberExecutionRole"
    )
    assert gained == {"iam:GenerateCredentialReport", "iam:GetCredentialReport"}
    # Without this account's own rule (an organization rule instead) the role still may read.
    role_only, _ = _member(EvaluateUserCredentials="true", CreateRule="false")
    assert "UserCredentialsConfigRule" not in role_only
    assert "iam:GetCredentialReport" in allowed_actions(role_only, "MemberExecutionRole")


def test_member_and_main_templates_agree_on_the_users_parameters() -> None:
    main = load_template(MAIN_TEMPLATE)["Parameters"]
    member = load_template(MEMBER_TEMPLATE)["Parameters"]
    for name in ("EvaluateUserCredentials", "MaxDaysForUserCredentials", "UserAllowList"):
        assert member[name]["Default"] == main[name]["Default"]
