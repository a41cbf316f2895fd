"""The organization templates: the member-account part and the central part, read as
CloudFormation reads them, and checked against the central template.yaml they pair with."""

from __future__ import annotations

import json
from typing import Any

from deploy_support import (
    CENTRAL_TEMPLATE,
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    allowed_actions,
    as_list,
    load_template,
    parameter_values,
    render_sub,
    resolve,
    statements,
)

from dormant.core.settings import (
    Settings,
    execution_role_name_from,
    parse_rule_parameters,
    settings_from_parameters,
)

MEMBER = load_template(MEMBER_TEMPLATE)
CENTRAL = load_template(CENTRAL_TEMPLATE)
MAIN = load_template(MAIN_TEMPLATE)
REQUIRED = {
    "CentralFunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:iam-role-last-used",
    "CentralFunctionRoleArn": "arn:aws:iam::111111111111:role/iam-role-last-used-lambda-us-east-1",
}


def _member(**overrides: str) -> dict[str, Any]:
    resources: dict[str, Any] = resolve(MEMBER, {**REQUIRED, **overrides})["Resources"]
    return resources


def test_member_part_is_the_execution_role_and_the_rule() -> None:
    resources = _member()
    assert {name: body["Type"] for name, body in resources.items()} == {
        "MemberExecutionRole": "AWS::IAM::Role",
        "ConfigCustomRule": "AWS::Config::ConfigRule",
    }
    # A StackSet deploys it without the project's code: no transform, no packaging.
    assert "Transform" not in MEMBER


def test_member_part_can_leave_the_rule_to_an_organization_rule() -> None:
    assert set(_member(CreateRule="false")) == {"MemberExecutionRole"}
    assert "ConfigRuleName" not in resolve(MEMBER, {**REQUIRED, "CreateRule": "false"})["Outputs"]


def test_member_role_trusts_only_the_central_function_role() -> None:
    role = _member()["MemberExecutionRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow",
        "Principal": {"AWS": {"Ref": "CentralFunctionRoleArn"}},
        "Action": "sts:AssumeRole",
    }
    assert role["RoleName"] == {"Ref": "ExecutionRoleName"}
    assert role["MaxSessionDuration"] == 3600  # role chaining caps sessions at one hour


def test_member_role_reads_and_reports_only() -> None:
    resources = _member()
    assert allowed_actions(resources, "MemberExecutionRole") == {
        "iam:GetAccountAuthorizationDetails",
        "config:PutEvaluations",
        "config:GetComplianceDetailsByConfigRule",
    }
    assert not [s for s in statements(resources, "MemberExecutionRole") if s["Effect"] != "Allow"]
    assert "ManagedPolicyArns" not in resources["MemberExecutionRole"]["Properties"]


def test_member_rule_invokes_the_central_function_without_scope() -> None:
    rule = _member()["ConfigCustomRule"]
    props = rule["Properties"]
    assert "Scope" not in props
    assert props["Source"] == {
        "Owner": "CUSTOM_LAMBDA",
        "SourceIdentifier": {"Ref": "CentralFunctionArn"},
        "SourceDetails": [
            {
                "EventSource": "aws.config",
                "MessageType": "ScheduledNotification",
                "MaximumExecutionFrequency": {"Ref": "EvaluationFrequency"},
            }
        ],
    }
    assert rule["DependsOn"] == "MemberExecutionRole"


def _member_rule_parameters(**overrides: str) -> dict[str, str]:
    props = _member(**overrides)["ConfigCustomRule"]["Properties"]
    values = parameter_values(MEMBER, {**REQUIRED, **overrides})
    parsed: dict[str, str] = json.loads(render_sub(props["InputParameters"], values))
    return parsed


def test_member_rule_tells_the_function_which_role_to_assume() -> None:
    params = _member_rule_parameters()
    assert execution_role_name_from(params, {}) == "dormant-rule-execution"
    assert all(value.strip() for value in params.values())  # Config refuses blank values
    params = _member_rule_parameters(
        RolePatternWhitelist="/breakglass-role", MaxDaysForLastUsed="90"
    )
    assert settings_from_parameters(parse_rule_parameters(json.dumps(params))) == Settings(
        max_days=90, allow_patterns=("/breakglass-role",), include_service_linked=False
    )


def test_longest_member_allow_list_fits_configs_parameter_limit() -> None:
    longest = "/a*|" * (MEMBER["Parameters"]["RolePatternWhitelist"]["MaxLength"] // 4)
    props = _member(RolePatternWhitelist=longest)["ConfigCustomRule"]["Properties"]
    values = parameter_values(MEMBER, {**REQUIRED, "RolePatternWhitelist": longest})
    assert len(render_sub(props["InputParameters"], values)) <= 1024


def test_member_and_central_templates_agree_on_names_and_defaults() -> None:
    for name in ("NameOfSolution", "MaxDaysForLastUsed", "RolePatternWhitelist"):
        assert MEMBER["Parameters"][name]["Default"] == MAIN["Parameters"][name]["Default"]
    for key in ("MinValue", "MaxValue"):  # the window IAM can see (400 days)
        assert (
            MEMBER["Parameters"]["MaxDaysForLastUsed"][key]
            == MAIN["Parameters"]["MaxDaysForLastUsed"][key]
        )
    for name in ("EvaluationFrequency", "IncludeServiceLinkedRoles"):
        assert (
            MEMBER["Parameters"][name]["AllowedValues"]
            == (MAIN["Parameters"][name]["AllowedValues"])
        )
    # The central function may assume exactly the role name that members create.
    member_role = MEMBER["Parameters"]["ExecutionRoleName"]
    main_role = MAIN["Parameters"]["ExecutionRoleName"]
    assert member_role["AllowedPattern"] in main_role["AllowedPattern"]
    # The member trusts the role that the central stack names and outputs.
    role_name = render_sub(
        MAIN["Resources"]["LambdaExecutionRole"]["Properties"]["RoleName"],
        parameter_values(MAIN, {}),
    )
    assert REQUIRED["CentralFunctionRoleArn"].endswith(f":role/{role_name}")


def test_central_part_lets_each_member_accounts_config_invoke_the_function() -> None:
    assert CENTRAL["Transform"] == "AWS::LanguageExtensions"
    ((key, loop),) = CENTRAL["Resources"].items()
    assert key.startswith("Fn::ForEach::")
    identifier, collection, body = loop
    assert collection == {"Ref": "MemberAccountIds"}
    ((logical_id, permission),) = body.items()
    assert f"${{{identifier}}}" in logical_id
    assert permission["Type"] == "AWS::Lambda::Permission"
    assert permission["Properties"] == {
        "FunctionName": {"Ref": "FunctionArn"},
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": {"Ref": identifier},
        # That account's rules in the function's Region (a rule invokes a function of its
        # own Region); the rules' exact ARNs hold ids Config generates.
        "SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:"
            + f"${{{identifier}}}:config-rule/*"
        },
    }
    assert CENTRAL["Parameters"]["MemberAccountIds"]["Type"] == "CommaDelimitedList"
    assert CENTRAL["Parameters"]["MemberAccountIds"]["AllowedPattern"] == "^[0-9]{12}$"


def test_member_arns_match_the_central_outputs_patterns() -> None:
    outputs = resolve(MAIN)["Outputs"]
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": ["CheckRoleLastUsedLambda", "Arn"]}
    assert outputs["LambdaExecutionRoleArn"]["Value"] == {
        "Fn::GetAtt": ["LambdaExecutionRole", "Arn"]
    }
    for name in ("CentralFunctionArn", "CentralFunctionRoleArn"):
        assert "Default" not in MEMBER["Parameters"][name]  # must be given explicitly
    assert as_list(CENTRAL["Parameters"]["FunctionArn"]["AllowedPattern"]) == as_list(
        MEMBER["Parameters"]["CentralFunctionArn"]["AllowedPattern"]
    )


REMEDIATION = (
    "QuarantineDenyPolicy",
    "QuarantineAutomationRole",
    "QuarantineAutomationPolicy",
    "QuarantineDocument",
    "QuarantineRemediation",
)


def test_member_remediation_is_off_by_default() -> None:
    assert not set(REMEDIATION) & set(_member())


def test_member_remediation_is_the_same_as_the_single_account_one() -> None:
    """One quarantine, whichever template deploys it (the document is kept in both)."""
    for mode in ("Manual", "Automatic"):
        member = _member(RemediationMode=mode)
        main = resolve(MAIN, {"RemediationMode": mode})["Resources"]
        # Each protects its own function's role: the member's is the execution role.
        member_deny = member["QuarantineAutomationPolicy"]["Properties"]["PolicyDocument"]
        main_deny = main["QuarantineAutomationPolicy"]["Properties"]["PolicyDocument"]
        assert member_deny["Statement"][-1]["Resource"].pop() == {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ExecutionRoleName}"
        }
        assert main_deny["Statement"][-1]["Resource"].pop() == {
            "Fn::GetAtt": ["LambdaExecutionRole", "Arn"]
        }
        member_protected = member["QuarantineRemediation"]["Properties"]["Parameters"]
        main_protected = main["QuarantineRemediation"]["Properties"]["Parameters"]
        assert member_protected.pop("ProtectedRoleNames") == {
            "StaticValue": {"Values": [{"Ref": "ExecutionRoleName"}]}
        }
        assert main_protected.pop("ProtectedRoleNames") == {
            "StaticValue": {"Values": [{"Ref": "LambdaExecutionRole"}]}
        }
        for name in REMEDIATION:
            assert member[name] == main[name], (mode, name)
    props = _member(RemediationMode="Manual")["QuarantineRemediation"]["Properties"]
    assert props["Automatic"] is False
    assert props["ConfigRuleName"] == {"Ref": "ConfigCustomRule"}


def test_no_member_remediation_without_the_members_own_rule() -> None:
    resources = _member(RemediationMode="Automatic", CreateRule="false")
    assert set(resources) == {"MemberExecutionRole"}
