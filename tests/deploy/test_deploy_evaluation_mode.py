"""EvaluationMode reaches the rule's parameters in every template that creates a rule."""

from __future__ import annotations

import json
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

from dormant.core.settings import EvaluationMode, parse_rule_parameters, settings_from_parameters

REQUIRED = {
    MAIN_TEMPLATE: {},
    MEMBER_TEMPLATE: {
        "CentralFunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:iam-role-last-used",
        "CentralFunctionRoleArn": (
            "arn:aws:iam::111111111111:role/iam-role-last-used-lambda-us-east-1"
        ),
    },
}


def _rule_parameters(path: Path, **overrides: str) -> dict[str, Any]:
    template = load_template(path)
    values = {**REQUIRED[path], **overrides}
    props = resolve(template, values)["Resources"]["ConfigCustomRule"]["Properties"]
    parsed: dict[str, Any] = parse_rule_parameters(
        render_sub(props["InputParameters"], parameter_values(template, values))
    )
    return parsed


@pytest.mark.parametrize("path", list(REQUIRED), ids=lambda p: p.name)
def test_the_mode_parameter_allows_exactly_the_modes_the_function_reads(path: Path) -> None:
    spec = load_template(path)["Parameters"]["EvaluationMode"]
    assert spec["Default"] == "full"
    assert spec["AllowedValues"] == [mode.value for mode in EvaluationMode]


@pytest.mark.parametrize("path", list(REQUIRED), ids=lambda p: p.name)
@pytest.mark.parametrize("whitelist", ["", "/breakglass-role"])
@pytest.mark.parametrize("mode", ["full", "changes"])
def test_the_rule_carries_the_mode(path: Path, whitelist: str, mode: str) -> None:
    params = _rule_parameters(path, EvaluationMode=mode, RolePatternWhitelist=whitelist)
    assert params["evaluation_mode"] == mode
    assert settings_from_parameters(params).evaluation_mode is EvaluationMode(mode)


def test_longest_allow_list_and_mode_fit_configs_parameter_limit() -> None:
    for path in REQUIRED:
        template = load_template(path)
        longest = "/a*|" * (template["Parameters"]["RolePatternWhitelist"]["MaxLength"] // 4)
        values = {
            **REQUIRED[path],
            "RolePatternWhitelist": longest,
            "EvaluationMode": "changes",
            "MaxDaysForLastUsed": "36500",
        }
        props = resolve(template, values)["Resources"]["ConfigCustomRule"]["Properties"]
        rendered = render_sub(props["InputParameters"], parameter_values(template, values))
        assert len(rendered) <= 1024, path.name  # Config's maximum
        json.loads(rendered)
