"""Every template stays within AWS's limits for every parameter value it allows.

Each rule's ``InputParameters``, each remediation's parameters, each function's environment
and each nested stack's parameters are built at the longest values the parameters allow
(``template_limits``), on every branch of every ``Fn::If``, and held against the limit AWS
documents (and botocore's models state, where they do):

- AWS Config: ``InputParameters`` at most 1,024 characters, a JSON object of non-empty
  strings; a remediation's ``StaticValue`` at most 25 values of 1 to 256 characters;
- Lambda: a function's environment variables at most 4 KB in all;
- CloudFormation: a nested stack's parameter must be one its template allows.

The days windows offered are the ones the code accepts: MinValue and MaxValue equal the
bounds of ``dormant.core.settings.parse_max_days`` for each kind.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from deploy_support import (
    ALL_TEMPLATES,
    MAIN_TEMPLATE,
    MEMBER_TEMPLATE,
    RETIRE_TEMPLATE,
    STACKSET_TEMPLATE,
    load_template,
)
from template_limits import longest_value, longest_variants, split_extremes

from dormant.core.errors import InvalidParameter
from dormant.core.settings import (
    ROLE_LAST_USED_TRACKING_DAYS,
    SERVICE_LAST_ACCESSED_TRACKING_DAYS,
    parse_max_days,
)

IDS = [p.name for p in ALL_TEMPLATES]
LAMBDA_ENVIRONMENT_BYTES = 4096


def _shape_max(service: str, shape: str) -> int:
    model = botocore.session.get_session().get_service_model(service)
    return int(model.shape_for(shape).metadata["max"])


# From botocore's models of the APIs CloudFormation calls: PutConfigRule's InputParameters,
# PutRemediationConfigurations' StaticValue.
INPUT_PARAMETERS_MAX = _shape_max("config", "StringWithCharLimit1024")
STATIC_VALUES_MAX = _shape_max("config", "StaticParameterValues")
STATIC_VALUE_MAX = _shape_max("config", "StringWithCharLimit256")


def test_the_limits_are_awss() -> None:
    assert (INPUT_PARAMETERS_MAX, STATIC_VALUES_MAX, STATIC_VALUE_MAX) == (1024, 25, 256)
    model = botocore.session.get_session().get_service_model("config")
    rule = model.shape_for("ConfigRule").members["InputParameters"]
    assert rule.name == "StringWithCharLimit1024"
    static = model.shape_for("StaticValue").members["Values"]
    assert static.name == "StaticParameterValues"


def _resources(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    resources = load_template(path)["Resources"]
    return [
        (name, body)
        for name, body in resources.items()
        if isinstance(body, dict) and body.get("Type") == kind
    ]


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=IDS)
def test_every_rules_input_parameters_fit_configs_limit(path: Path) -> None:
    template = load_template(path)
    for name, rule in _resources(path, "AWS::Config::ConfigRule"):
        raw = rule["Properties"].get("InputParameters")
        if raw is None:
            continue
        for text in longest_variants(template, raw):
            where = f"{path.name} {name}.InputParameters"
            assert len(text) <= INPUT_PARAMETERS_MAX, f"{where}: {len(text)} characters"
            parsed = json.loads(text)
            assert all(isinstance(v, str) and v for v in parsed.values()), where


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=IDS)
def test_every_remediations_static_values_fit_configs_limit(path: Path) -> None:
    template = load_template(path)
    for name, remediation in _resources(path, "AWS::Config::RemediationConfiguration"):
        for parameters in longest_variants(template, remediation["Properties"]["Parameters"]):
            for key, value in parameters.items():
                if "StaticValue" not in value:
                    continue
                values = value["StaticValue"]["Values"]
                where = f"{path.name} {name}.Parameters.{key}"
                assert 1 <= len(values) <= STATIC_VALUES_MAX, f"{where}: {len(values)} values"
                for item in values:
                    assert 1 <= len(item) <= STATIC_VALUE_MAX, f"{where}: {len(item)} characters"


@pytest.mark.parametrize("path", ALL_TEMPLATES, ids=IDS)
def test_every_functions_environment_fits_lambdas_limit(path: Path) -> None:
    template = load_template(path)
    functions = [
        *_resources(path, "AWS::Lambda::Function"),
        *_resources(path, "AWS::Serverless::Function"),
    ]
    for name, function in functions:
        environment = function["Properties"].get("Environment", {}).get("Variables")
        if environment is None:
            continue
        for variables in longest_variants(template, environment):
            size = len(json.dumps(variables).encode("utf-8"))
            assert size <= LAMBDA_ENVIRONMENT_BYTES, f"{path.name} {name}: {size} bytes"


def test_the_stackset_passes_the_retire_stack_only_values_it_allows() -> None:
    """A nested stack fails when its template refuses a parameter's value: every range and
    length the StackSet allows for what it passes must fit retire.yaml's."""
    parent = load_template(STACKSET_TEMPLATE)["Parameters"]
    child = load_template(RETIRE_TEMPLATE)["Parameters"]
    (_, nested), *_ = _resources(STACKSET_TEMPLATE, "AWS::CloudFormation::Stack")
    for key, value in nested["Properties"]["Parameters"].items():
        if not (isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parent):
            continue
        given, taken = parent[value["Ref"]], child[key]
        where = f"{value['Ref']} -> retire.yaml {key}"
        if "MinValue" in taken:
            assert given["MinValue"] >= taken["MinValue"], where
            assert given["MaxValue"] <= taken["MaxValue"], where
        if "MaxLength" in taken:
            assert longest_value(given, key) <= int(taken["MaxLength"]), where
        if "AllowedPattern" in taken:
            assert given.get("AllowedPattern") == taken["AllowedPattern"], where
        if "AllowedValues" in taken:
            assert set(map(str, given["AllowedValues"])) <= set(map(str, taken["AllowedValues"]))


# Each days window a template offers, by parameter name, and the code's bound on it
# (the longest window AWS tracks the activity for; None: no trailing limit).
WINDOWS = {
    "MaxDaysForLastUsed": ROLE_LAST_USED_TRACKING_DAYS,
    "PermissionsMaxDays": SERVICE_LAST_ACCESSED_TRACKING_DAYS,
    "MaxDaysForUserCredentials": None,
}


def _windows() -> list[tuple[Path, str]]:
    return [
        (path, name)
        for path in ALL_TEMPLATES
        for name in load_template(path).get("Parameters", {})
        if name in WINDOWS
    ]


@pytest.mark.parametrize(("path", "name"), _windows(), ids=[f"{p.name}:{n}" for p, n in _windows()])
def test_every_days_window_offered_is_the_one_the_code_accepts(path: Path, name: str) -> None:
    spec = load_template(path)["Parameters"][name]
    tracking = WINDOWS[name]
    low, high = int(spec["MinValue"]), int(spec["MaxValue"])
    for days in (low, high):
        assert parse_max_days(str(days), tracking_days=tracking) == days
    with pytest.raises(InvalidParameter):
        parse_max_days(str(low - 1), tracking_days=tracking)
    if tracking is not None:
        assert (low, high) == (0, tracking)
        with pytest.raises(InvalidParameter):
            parse_max_days(str(high + 1), tracking_days=tracking)
    else:
        assert low == 0


def test_every_allow_list_takes_the_same_length_everywhere() -> None:
    """One figure for users (docs/deploy-limits.md): 768 characters, what the longest rule
    parameters leave of Config's 1,024."""
    for path in ALL_TEMPLATES:
        parameters = load_template(path).get("Parameters", {})
        for name in ("RolePatternWhitelist", "UserAllowList"):
            if name in parameters:
                assert int(parameters[name]["MaxLength"]) == 768, f"{path.name} {name}"


@pytest.mark.parametrize("path", [MAIN_TEMPLATE, MEMBER_TEMPLATE], ids=lambda p: p.name)
def test_the_remediation_passes_the_allow_list_one_pattern_a_value(path: Path) -> None:
    """Config passes a StaticValue's values as the document's StringList; each value must be
    one the document allows, and the automation matches each pattern as the rule does."""
    template = load_template(path)
    spec = template["Parameters"]["RolePatternWhitelist"]
    document = template["Resources"]["QuarantineDocument"]["Properties"]["Content"]
    declared = document["parameters"]["AllowPatterns"]
    assert declared["type"] == "StringList"
    assert declared["default"] == []
    item = re.compile(declared["allowedPattern"])
    allowed = re.compile(spec["AllowedPattern"])
    for values in split_extremes(spec, "|"):
        assert allowed.fullmatch("|".join(values))
        assert all(item.fullmatch(value) for value in values)
    assert len(split_extremes(spec, "|")[0]) == STATIC_VALUES_MAX
    assert len(split_extremes(spec, "|")[1][0]) == STATIC_VALUE_MAX
    for refused in ("a||b", "|a", "a|", "a b", "|".join(["a"] * 26), "x" * 257):
        assert not allowed.fullmatch(refused), refused
