"""cfn-lint passes on every template: no errors, no warnings, no informational findings.

cfn-lint transforms the SAM template offline and validates the result against the
CloudFormation resource schemas (property names and types, allowed values, ARN
patterns, IAM policy syntax and actions).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_all, lint_file
from deploy_support import ALL_TEMPLATES

# Informational checks too ("I"): they flag e.g. stateful resources without explicit
# deletion policies.
_CONFIG = ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"])


@pytest.mark.parametrize("template", ALL_TEMPLATES, ids=lambda path: path.name)
def test_cfn_lint_finds_nothing(template: Path) -> None:
    matches = lint_file(template, config=_CONFIG)
    assert [str(match) for match in matches] == []


def test_cfn_lint_is_really_checking() -> None:
    """The same settings do flag a broken template: a warning and an error."""
    broken = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Unused:
    Type: String
Resources:
  Rule:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: no-source
"""
    rules = {match.rule.id for match in lint_all(broken)}
    assert "W2001" in rules  # the unused parameter
    assert "E3003" in rules  # the rule has no Source
