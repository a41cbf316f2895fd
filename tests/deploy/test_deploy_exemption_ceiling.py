"""MaxExemptionDays: every template offers it, and it reaches the rule's settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    load_template,
    parameter_values,
    render_sub,
    resolve,
)

from dormant.core.errors import InvalidParameter
from dormant.core.settings import (
    parse_max_exemption_days,
    parse_rule_parameters,
    settings_from_parameters,
)

STACKSET_TEMPLATE = MAIN_TEMPLATE.parent / "deploy" / "org-stackset.yaml"
MEMBER_REQUIRED = {
    "CentralFunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:iam-role-last-used",
    "CentralFunctionRoleArn": "arn:aws:iam::111111111111:role/iam-role-last-used-lambda",
    "EvaluateUserCredentials": "true",
}
TEMPLATES = [MAIN_TEMPLATE, MEMBER_TEMPLATE, STACKSET_TEMPLATE]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_the_parameter_accepts_exactly_what_the_function_reads(path: Path) -> None:
    spec = load_template(path)["Parameters"]["MaxExemptionDays"]
    assert spec["Default"] == ""
    pattern = re.compile(spec["AllowedPattern"])
    for value in ["", *map(str, range(0, 4000))]:
        try:
            accepted = value == "" or parse_max_exemption_days(value) > 0
        except InvalidParameter:
            accepted = False
        assert bool(pattern.fullmatch(value)) is accepted, value


@pytest.mark.parametrize("path", [MAIN_TEMPLATE, STACKSET_TEMPLATE], ids=lambda p: p.name)
@pytest.mark.parametrize("value", ["", "180"])
def test_the_function_gets_the_default(path: Path, value: str) -> None:
    template = load_template(path)
    values = {"MaxExemptionDays": value, **_code(template)}
    resolved = resolve(template, values)
    [variables] = [
        body["Properties"]["Environment"]["Variables"]
        for body in resolved["Resources"].values()
        if "MAX_DAYS_FOR_LAST_USED"
        in body["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert variables["MAX_EXEMPTION_DAYS"] == {"Ref": "MaxExemptionDays"}
    env = {"MAX_EXEMPTION_DAYS": parameter_values(template, values)["MaxExemptionDays"]}
    expected = None if value == "" else int(value)
    assert settings_from_parameters({}, env).max_exemption_days == expected


def _code(template: dict[str, Any]) -> dict[str, str]:
    params = template["Parameters"]
    return {name: "x" for name in ("CodeBucket", "CodeKey") if name in params}


@pytest.mark.parametrize("rule", ["ConfigCustomRule", "UserCredentialsConfigRule"])
@pytest.mark.parametrize("allow", ["", "/breakglass-role"])
@pytest.mark.parametrize("value", ["", "90"])
def test_member_rules_carry_it_and_leave_it_out_when_empty(
    rule: str, allow: str, value: str
) -> None:
    template = load_template(MEMBER_TEMPLATE)
    values = {
        **MEMBER_REQUIRED,
        "MaxExemptionDays": value,
        "RolePatternWhitelist": allow,
        "UserAllowList": allow,
    }
    resources = resolve(template, values)["Resources"]
    props = resources[rule]["Properties"]
    params = parse_rule_parameters(
        render_sub(props["InputParameters"], parameter_values(template, values))
    )
    # Config refuses blank values: left out when empty, so the central default applies.
    assert params.get("max_exemption_days", "") == value
    assert all(v.strip() for v in params.values())
    central = {"MAX_EXEMPTION_DAYS": "30"}
    expected = 30 if value == "" else int(value)
    assert settings_from_parameters(params, central).max_exemption_days == expected


def test_the_longest_member_parameters_with_a_ceiling_fit_configs_limit() -> None:
    template = load_template(MEMBER_TEMPLATE)
    longest = "/a*|" * (template["Parameters"]["RolePatternWhitelist"]["MaxLength"] // 4)
    values = {
        **MEMBER_REQUIRED,
        "RolePatternWhitelist": longest,
        "MaxExemptionDays": "3650",
        "EvaluationMode": "changes",
    }
    props = resolve(template, values)["Resources"]["ConfigCustomRule"]["Properties"]
    rendered = render_sub(props["InputParameters"], parameter_values(template, values))
    assert len(rendered) <= 1024  # Config's maximum
    assert parse_rule_parameters(rendered)["max_exemption_days"] == "3650"
