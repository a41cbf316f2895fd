"""template.yaml, read as CloudFormation reads it: names, defaults, least privilege, the rule.

Each check resolves the template for a set of parameter values (conditions evaluated,
Fn::If branches picked) and asserts on what CloudFormation would create.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.model import StringShape
from deploy_support import (
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    REPO_ROOT,
    allowed_actions,
    as_list,
    load_build_script,
    load_template,
    parameter_values,
    render_sub,
    resolve,
    rule_failures,
    statements,
)
from hypothesis import given
from hypothesis import strategies as st

from dormant.core import settings as dormant_settings
from dormant.core.errors import InvalidParameter
from dormant.core.settings import (
    Settings,
    execution_role_name_from,
    parse_rule_parameters,
    settings_from_parameters,
)
from dormant.remediation.quarantine import (
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    quarantine_policy_document,
)
from dormant.roles.parameters import ENV_REFERENCES

TEMPLATE = load_template(MAIN_TEMPLATE)
FUNCTION = "CheckRoleLastUsedLambda"
ROLE = "LambdaExecutionRole"
RULE = "ConfigCustomRule"

# Every combination of the switches that change the Lambda role or add resources.
SWITCHES = {
    "ExecutionRoleName": ["", "dormant-rule-execution"],
    "OrganizationId": ["", "o-abcdefghij"],
    "NotificationEmail": ["", "security@example.com"],
    "RemediationMode": ["Off", "Manual", "Automatic"],
}
# Those CloudFormation accepts: the Rules refuse ExecutionRoleName without OrganizationId.
EVERY_COMBINATION = [
    dict(zip(SWITCHES, values, strict=True)) for values in itertools.product(*SWITCHES.values())
]
COMBINATIONS = [values for values in EVERY_COMBINATION if not rule_failures(TEMPLATE, values)]
CROSS_ACCOUNT = {"ExecutionRoleName": "dormant-rule-execution", "OrganizationId": "o-abcdefghij"}

READ_AND_REPORT = {
    "iam:GetAccountAuthorizationDetails",
    "config:PutEvaluations",
    "config:GetComplianceDetailsByConfigRule",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
}


def _resources(**overrides: str) -> dict[str, Any]:
    resources: dict[str, Any] = resolve(TEMPLATE, overrides)["Resources"]
    return resources


# --- Parameters ---------------------------------------------------------------------


def test_the_blogs_parameters_keep_their_names_and_defaults() -> None:
    params = TEMPLATE["Parameters"]
    assert params["MaxDaysForLastUsed"]["Type"] == "Number"
    assert params["MaxDaysForLastUsed"]["Default"] == 60
    # IAM tracks role last use for 400 days: a longer window would flag roles used in it.
    assert params["MaxDaysForLastUsed"]["MinValue"] == 0
    assert params["MaxDaysForLastUsed"]["MaxValue"] == dormant_settings.ROLE_LAST_USED_TRACKING_DAYS
    assert params["NameOfSolution"]["Default"] == "iam-role-last-used"
    assert params["RolePatternWhitelist"]["Default"] == ""
    assert params["LambdaLayerArn"]["Default"] == ""


def test_added_parameters_default_to_the_safe_choice() -> None:
    values = parameter_values(TEMPLATE, {})
    assert values["EvaluationFrequency"] == "TwentyFour_Hours"
    assert values["IncludeServiceLinkedRoles"] == "false"
    assert values["NotificationEmail"] == ""
    assert values["ExecutionRoleName"] == ""
    assert values["RemediationMode"] == "Off"
    assert TEMPLATE["Parameters"]["RemediationMode"]["AllowedValues"] == [
        "Off",
        "Manual",
        "Automatic",
    ]


def test_frequency_allows_exactly_what_config_accepts() -> None:
    model = botocore.session.get_session().get_service_model("config")
    shape = model.shape_for("MaximumExecutionFrequency")
    assert isinstance(shape, StringShape)
    config_values = shape.enum
    allowed = TEMPLATE["Parameters"]["EvaluationFrequency"]["AllowedValues"]
    assert sorted(allowed) == sorted(config_values)


def test_every_parameter_is_documented() -> None:
    for name, spec in TEMPLATE["Parameters"].items():
        assert spec.get("Description"), name


# --- The blog's resources -------------------------------------------------------------


def test_the_blogs_resources_exist_with_their_names() -> None:
    resources = _resources()
    assert {name: resources[name]["Type"] for name in resources} == {
        "LambdaInvokePermission": "AWS::Lambda::Permission",
        "LambdaExecutionRole": "AWS::IAM::Role",
        "CheckRoleLastUsedLambda": "AWS::Serverless::Function",
        "LambdaLogGroup": "AWS::Logs::LogGroup",
        "ConfigCustomRule": "AWS::Config::ConfigRule",
    }


def test_function_runs_the_packaged_handler() -> None:
    props = _resources()[FUNCTION]["Properties"]
    assert props["Handler"] == "dormant.handler.lambda_handler"
    assert props["Role"] == {"Fn::GetAtt": [ROLE, "Arn"]}
    runtime = props["Runtime"]
    assert runtime.startswith("python3.")
    assert int(runtime.removeprefix("python3.")) >= 11  # the package needs Python >= 3.11
    assert props["Timeout"] == 900  # Lambda's maximum: large accounts take minutes
    assert props["FunctionName"] == {"Ref": "NameOfSolution"}


def test_code_uri_is_what_the_build_script_writes() -> None:
    build = load_build_script()
    props = _resources()[FUNCTION]["Properties"]
    assert REPO_ROOT / props["CodeUri"] == build.DEFAULT_OUTPUT


def test_environment_defaults_use_the_names_the_function_reads() -> None:
    variables = _resources()[FUNCTION]["Properties"]["Environment"]["Variables"]
    assert variables == {
        dormant_settings.ENV_MAX_DAYS: {"Ref": "MaxDaysForLastUsed"},
        dormant_settings.ENV_ALLOW: {"Ref": "RolePatternWhitelist"},
        dormant_settings.ENV_INCLUDE_SERVICE_LINKED: {"Ref": "IncludeServiceLinkedRoles"},
        dormant_settings.ENV_EVALUATION_MODE: {"Ref": "EvaluationMode"},
        dormant_settings.ENV_EXEMPT_TAG_KEY: {"Ref": "ExemptTagKey"},
        dormant_settings.ENV_OWNER_TAG_KEYS: {"Ref": "OwnerTagKeys"},
        ENV_REFERENCES: {"Ref": "References"},
        dormant_settings.ENV_MAX_EXEMPTION_DAYS: {"Ref": "MaxExemptionDays"},
    }


def test_config_is_queried_only_when_references_say_config() -> None:
    assert "QueryConfigPolicy" not in _resources()
    policy = _resources(References="config")["QueryConfigPolicy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements] == [
        "config:SelectResourceConfig",
        ["config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"],
    ]
    assert policy["Properties"]["Roles"] == [{"Ref": "LambdaExecutionRole"}]


def test_empty_layer_arn_means_no_layer() -> None:
    assert "Layers" not in _resources()[FUNCTION]["Properties"]
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:boto3:7"
    assert _resources(LambdaLayerArn=layer)[FUNCTION]["Properties"]["Layers"] == [
        {"Ref": "LambdaLayerArn"}
    ]


def test_log_group_is_the_functions_and_has_a_retention() -> None:
    resources = _resources()
    props = resources["LambdaLogGroup"]["Properties"]
    assert props["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${NameOfSolution}"}
    assert props["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert resources[FUNCTION]["DependsOn"] == "LambdaLogGroup"


def test_only_this_accounts_config_may_invoke_the_function() -> None:
    props = _resources()["LambdaInvokePermission"]["Properties"]
    assert props == {
        "FunctionName": {"Fn::GetAtt": [FUNCTION, "Arn"]},
        "Action": "lambda:InvokeFunction",
        "Principal": "config.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        # Not the rule's exact ARN (a generated id; and Config checks the permission when it
        # creates the rule, so !GetAtt would be circular): this account's rules here.
        "SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:config:${AWS::Region}:${AWS::AccountId}:config-rule/*"
        },
    }
    assert "LambdaInvokePermission" in as_list(_resources()[RULE]["DependsOn"])


# --- Least privilege of the function's role ------------------------------------------------


def test_function_role_reads_and_reports_only() -> None:
    resources = _resources()
    role = resources[ROLE]
    assert allowed_actions(resources, ROLE) == READ_AND_REPORT
    assert "ManagedPolicyArns" not in role["Properties"]
    assert not [s for s in statements(resources, ROLE) if s["Effect"] != "Allow"]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]


def test_function_role_writes_only_to_its_own_log_group() -> None:
    for statement in statements(_resources(), ROLE):
        if any(action.startswith("logs:") for action in as_list(statement["Action"])):
            assert statement["Resource"] == {"Fn::GetAtt": ["LambdaLogGroup", "Arn"]}


@pytest.mark.parametrize("overrides", COMBINATIONS, ids=lambda o: "-".join(map(str, o.values())))
def test_function_role_never_writes_iam_and_has_no_wildcard_action(
    overrides: dict[str, str],
) -> None:
    actions = allowed_actions(_resources(**overrides), ROLE)
    assert [a for a in actions if a.startswith("iam:")] == ["iam:GetAccountAuthorizationDetails"]
    assert not [a for a in actions if "*" in a]
    expected = READ_AND_REPORT | ({"sts:AssumeRole"} if overrides["ExecutionRoleName"] else set())
    assert actions == expected


def test_assume_role_only_when_cross_account_only_the_member_role_in_the_organization() -> None:
    assert "sts:AssumeRole" not in allowed_actions(_resources(), ROLE)
    resources = _resources(**CROSS_ACCOUNT)
    assert resources["AssumeMemberRolePolicy"]["Properties"]["Roles"] == [{"Ref": ROLE}]
    (assume,) = [s for s in statements(resources, ROLE) if "sts:AssumeRole" in as_list(s["Action"])]
    assert as_list(assume["Action"]) == ["sts:AssumeRole"]
    resource = render_sub(assume["Resource"], {"ExecutionRoleName": "dormant-rule-execution"})
    assert resource == "arn:aws:iam::*:role/dormant-rule-execution"
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}


# --- The Rules: what CloudFormation refuses before it creates anything -----------------------


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({}, False),
        ({"OrganizationId": "o-abcdefghij"}, False),
        (CROSS_ACCOUNT, False),
        ({"ExecutionRoleName": "dormant-rule-execution"}, True),
        ({"ExecutionRoleName": "dormant-rule-execution", "OrganizationId": ""}, True),
    ],
    ids=["single-account", "organization-only", "cross-account", "role-only", "empty-org"],
)
def test_rules_refuse_an_execution_role_name_without_an_organization(
    values: dict[str, str], refused: bool
) -> None:
    failures = rule_failures(TEMPLATE, values)
    if not refused:
        assert failures == []
        return
    (failure,) = failures
    assert failure.startswith("ExecutionRoleNameNeedsOrganizationId: ExecutionRoleName needs")
    assert "OrganizationId" in failure
    assert "any AWS account" in failure
    with pytest.raises(AssertionError, match="CloudFormation refuses"):
        resolve(TEMPLATE, values)


def test_the_only_refused_combinations_are_a_role_name_without_organization() -> None:
    refused = [values for values in EVERY_COMBINATION if rule_failures(TEMPLATE, values)]
    assert refused
    assert all(v["ExecutionRoleName"] and not v["OrganizationId"] for v in refused)
    assert len(refused) + len(COMBINATIONS) == len(EVERY_COMBINATION)


def test_every_template_with_both_parameters_has_the_rule() -> None:
    """The rule's condition and assertion read exactly the two parameters."""
    for path in (MAIN_TEMPLATE, *sorted((REPO_ROOT / "deploy").glob("*.yaml"))):
        template = load_template(path)
        if {"ExecutionRoleName", "OrganizationId"} <= set(template.get("Parameters", {})):
            rule = template["Rules"]["ExecutionRoleNameNeedsOrganizationId"]
            assert rule["RuleCondition"] == {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "ExecutionRoleName"}, ""]}]
            }, path.name
            (assertion,) = rule["Assertions"]
            assert assertion["Assert"] == {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "OrganizationId"}, ""]}]
            }, path.name


# --- The Config rule --------------------------------------------------------------------------


def test_rule_is_a_periodic_custom_lambda_rule_without_scope() -> None:
    rule = _resources()[RULE]
    props = rule["Properties"]
    assert "Scope" not in props
    assert props["ConfigRuleName"] == {"Ref": "NameOfSolution"}
    assert props["Source"] == {
        "Owner": "CUSTOM_LAMBDA",
        "SourceIdentifier": {"Fn::GetAtt": [FUNCTION, "Arn"]},
        "SourceDetails": [
            {
                "EventSource": "aws.config",
                "MessageType": "ScheduledNotification",
                "MaximumExecutionFrequency": {"Ref": "EvaluationFrequency"},
            }
        ],
    }
    # Config checks that it may invoke the function when the rule is created.
    assert rule["DependsOn"] == "LambdaInvokePermission"


def _rule_parameters(**overrides: str) -> dict[str, str]:
    props = _resources(**overrides)[RULE]["Properties"]
    rendered = render_sub(props["InputParameters"], parameter_values(TEMPLATE, overrides))
    assert " " not in rendered.replace(overrides.get("RolePatternWhitelist", ""), "")
    parsed: dict[str, str] = json.loads(rendered)
    return parsed


def test_rule_parameters_use_the_names_the_function_reads() -> None:
    assert _rule_parameters() == {
        dormant_settings.PARAM_MAX_DAYS: "60",
        dormant_settings.PARAM_INCLUDE_SERVICE_LINKED: "false",
        dormant_settings.PARAM_EVALUATION_MODE: "full",
    }
    params = _rule_parameters(
        MaxDaysForLastUsed="45",
        RolePatternWhitelist="/breakglass-role|/security-*",
        IncludeServiceLinkedRoles="true",
    )
    assert params[dormant_settings.PARAM_ALLOW] == "/breakglass-role|/security-*"
    assert settings_from_parameters(parse_rule_parameters(json.dumps(params))) == Settings(
        max_days=45,
        allow_patterns=("/breakglass-role", "/security-*"),
        include_service_linked=True,
    )


@pytest.mark.parametrize("overrides", COMBINATIONS, ids=lambda o: "-".join(map(str, o.values())))
def test_rule_parameters_never_carry_an_empty_value(overrides: dict[str, str]) -> None:
    """Config refuses blank parameter values ("Blank spaces are not acceptable")."""
    for key, value in _rule_parameters(**overrides).items():
        assert isinstance(value, str), key
        assert value.strip(), key


def test_the_local_rule_never_makes_the_function_assume_a_role() -> None:
    """The central account's own rule runs in single-account mode even when cross-account."""
    params = _rule_parameters(**CROSS_ACCOUNT)
    assert execution_role_name_from(params, {}) is None


def test_longest_allow_list_fits_configs_parameter_limit() -> None:
    longest = "/a*|" * (TEMPLATE["Parameters"]["RolePatternWhitelist"]["MaxLength"] // 4)
    props = _resources(RolePatternWhitelist=longest)[RULE]["Properties"]
    values = parameter_values(TEMPLATE, {"RolePatternWhitelist": longest})
    assert len(render_sub(props["InputParameters"], values)) <= 1024  # Config's maximum


# --- Notifications ---------------------------------------------------------------------------


NOTIFICATION_RESOURCES = {"NotificationTopic", "NotificationTopicPolicy", "ComplianceChangeRule"}


def test_no_notifications_without_an_address() -> None:
    assert not NOTIFICATION_RESOURCES & set(_resources())
    assert "NotificationTopicArn" not in resolve(TEMPLATE)["Outputs"]


def test_notifications_for_this_rule_only() -> None:
    resources = _resources(NotificationEmail="security@example.com")
    assert set(resources) >= NOTIFICATION_RESOURCES
    topic = resources["NotificationTopic"]["Properties"]
    assert topic["Subscription"] == [
        {"Protocol": "email", "Endpoint": {"Ref": "NotificationEmail"}}
    ]
    rule = resources["ComplianceChangeRule"]["Properties"]
    assert rule["EventPattern"]["source"] == ["aws.config"]
    assert rule["EventPattern"]["detail-type"] == ["Config Rules Compliance Change"]
    assert rule["EventPattern"]["detail"]["configRuleName"] == [{"Ref": "NameOfSolution"}]
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "NotificationTopic"}
    (publish,) = resources["NotificationTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["ComplianceChangeRule", "Arn"]}}
    }


# --- Remediation -----------------------------------------------------------------------------

REMEDIATION_RESOURCES = {
    "QuarantineDenyPolicy",
    "QuarantineAutomationRole",
    "QuarantineAutomationPolicy",
    "QuarantineDocument",
    "QuarantineRemediation",
}


def test_remediation_is_off_by_default() -> None:
    assert not REMEDIATION_RESOURCES & set(_resources())


def test_manual_remediation_is_not_automatic() -> None:
    resources = _resources(RemediationMode="Manual")
    assert set(resources) >= REMEDIATION_RESOURCES
    props = resources["QuarantineRemediation"]["Properties"]
    assert props["Automatic"] is False
    assert "MaximumAutomaticAttempts" not in props
    assert props["ConfigRuleName"] == {"Ref": RULE}
    assert props["ResourceType"] == "AWS::IAM::Role"
    assert props["TargetType"] == "SSM_DOCUMENT"
    assert props["TargetId"] == {"Ref": "QuarantineDocument"}


def test_automatic_remediation_only_when_opted_in() -> None:
    props = _resources(RemediationMode="Automatic")["QuarantineRemediation"]["Properties"]
    assert props["Automatic"] is True
    assert props["MaximumAutomaticAttempts"] >= 1
    assert props["ExecutionControls"]["SsmControls"]["ConcurrentExecutionRatePercentage"] <= 10


@pytest.mark.parametrize("allow_list", ["", "/breakglass-role|/security-*"])
def test_remediation_passes_what_the_document_declares(allow_list: str) -> None:
    resources = _resources(RemediationMode="Manual", RolePatternWhitelist=allow_list)
    props = resources["QuarantineRemediation"]["Properties"]
    document = resources["QuarantineDocument"]["Properties"]["Content"]
    # Force is left at its default ("false"); AllowPatterns only when there is an allow-list
    # (Config refuses an empty static value).
    left_out = {"Force"} | (set() if allow_list else {"AllowPatterns"})
    assert set(props["Parameters"]) == set(document["parameters"]) - left_out
    assert document["parameters"]["Force"]["default"] == "false"
    assert document["parameters"]["AllowPatterns"]["default"] == []
    # Config passes the evaluated resource's id: for AWS::IAM::Role, the RoleId.
    assert props["Parameters"]["RoleId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}
    static = {
        name: value["StaticValue"]["Values"]
        for name, value in props["Parameters"].items()
        if "StaticValue" in value
    }
    assert static["AutomationAssumeRole"] == [{"Fn::GetAtt": ["QuarantineAutomationRole", "Arn"]}]
    assert static["QuarantinePolicyArn"] == [{"Ref": "QuarantineDenyPolicy"}]
    assert static["ExemptTagKey"] == [{"Ref": "ExemptTagKey"}]
    assert static["ProtectedRoleNames"] == [{"Ref": "LambdaExecutionRole"}]
    if allow_list:
        # One pattern a value: a StaticValue value holds at most 256 characters.
        assert static["AllowPatterns"] == {"Fn::Split": ["|", {"Ref": "RolePatternWhitelist"}]}


def test_automation_role_cannot_grant_anything() -> None:
    resources = _resources(RemediationMode="Manual")
    role = resources["QuarantineAutomationRole"]
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert allowed_actions(resources, "QuarantineAutomationRole") == {
        "cloudformation:ListStacks",  # which stack holds the role: reads only
        "cloudformation:ListStackResources",
        "iam:ListRoles",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:AttachRolePolicy",
        "iam:TagRole",
    }
    by_sid = {s["Sid"]: s for s in statements(resources, "QuarantineAutomationRole")}
    assert by_sid["FindRole"]["Resource"] == "*"  # ListRoles has no resource type
    attach = by_sid["AttachOnlyDormantsDeny"]
    assert attach["Condition"] == {"ArnEquals": {"iam:PolicyARN": {"Ref": "QuarantineDenyPolicy"}}}
    tag = by_sid["TagOnlyDormantsKeys"]
    assert tag["Condition"] == {
        "ForAllValues:StringEquals": {"aws:TagKeys": [TAG_QUARANTINED_AT, TAG_QUARANTINED_BY]}
    }
    values = parameter_values(TEMPLATE, {})
    for sid in ("RecheckRole", "AttachOnlyDormantsDeny", "TagOnlyDormantsKeys"):
        resource = render_sub(by_sid[sid]["Resource"], values)
        assert resource == "arn:aws:iam::123456789012:role/*"
    deny = by_sid["NeverTouchAwsManagedOrOwnRoles"]
    assert deny["Effect"] == "Deny"
    assert set(deny["Action"]) == {"iam:AttachRolePolicy", "iam:TagRole"}
    assert [render_sub(r, values) for r in deny["Resource"][:2]] == [
        "arn:aws:iam::123456789012:role/aws-service-role/*",
        "arn:aws:iam::123456789012:role/aws-reserved/*",
    ]
    assert deny["Resource"][2:] == [
        {"Fn::GetAtt": ["QuarantineAutomationRole", "Arn"]},
        {"Fn::GetAtt": ["LambdaExecutionRole", "Arn"]},
    ]


def test_the_quarantine_policy_is_dormants_deny_all() -> None:
    props = _resources(RemediationMode="Manual")["QuarantineDenyPolicy"]["Properties"]
    assert props["Path"] == "/dormant/"
    values = parameter_values(TEMPLATE, {})
    assert render_sub(props["ManagedPolicyName"], values) == (
        "dormant-quarantine-deny-iam-role-last-used-us-east-1"
    )
    # The command line's first statement; the second (aws:TokenIssueTime) needs no copy: a
    # deny of everything already denies every session, old ones included.
    deny_all = quarantine_policy_document(datetime(2026, 1, 1, tzinfo=UTC))["Statement"][0]
    assert props["PolicyDocument"]["Statement"] == [deny_all]
    assert "Roles" not in props  # attached by the automation, never by the stack


def test_no_template_lets_the_automation_write_a_policy() -> None:
    for path in (MAIN_TEMPLATE, MEMBER_TEMPLATE):
        text = path.read_text(encoding="utf-8")
        assert "PutRolePolicy" not in text, path


def test_only_ssm_of_this_account_runs_the_automation() -> None:
    resources = _resources(RemediationMode="Manual")
    role = resources["QuarantineAutomationRole"]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ssm.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


# --- Outputs ---------------------------------------------------------------------------------


def test_outputs_name_the_rule_and_the_function() -> None:
    outputs = resolve(TEMPLATE)["Outputs"]
    assert outputs["ConfigRuleName"]["Value"] == {"Ref": RULE}
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": [FUNCTION, "Arn"]}
    assert outputs["LambdaExecutionRoleArn"]["Value"] == {"Fn::GetAtt": [ROLE, "Arn"]}


# --- The allow-list parameter and the function's parser ----------------------------------------

ALLOW_PATTERN = TEMPLATE["Parameters"]["RolePatternWhitelist"]["AllowedPattern"]


def test_allow_list_parameter_takes_the_blogs_example_and_no_blanks_or_quotes() -> None:
    assert re.fullmatch(ALLOW_PATTERN, "/breakglass-role|/security-*")
    assert re.fullmatch(ALLOW_PATTERN, "")
    for bad in ("/a | /b", '/a"', "/a\\b", "/a,{b}"):
        assert not re.fullmatch(ALLOW_PATTERN, bad), bad


@given(st.from_regex(ALLOW_PATTERN, fullmatch=True))
def test_every_allowed_value_renders_valid_json_the_function_parses(value: str) -> None:
    values = parameter_values(TEMPLATE, {"RolePatternWhitelist": value})
    props = _resources(RolePatternWhitelist=value)[RULE]["Properties"]
    params = parse_rule_parameters(render_sub(props["InputParameters"], values))
    patterns = tuple(p for p in value.split("|") if p)
    if all(p.count("[") == p.count("]") for p in patterns):
        assert settings_from_parameters(params).allow_patterns == patterns
    else:
        # CloudFormation cannot check that brackets pair up; the function names the mistake.
        with pytest.raises(InvalidParameter, match=f"{dormant_settings.PARAM_ALLOW}.*unbalanced"):
            settings_from_parameters(params)
