"""deploy/retire.yaml's Source, AnalyzerArn and ArchiveFindings: the function's role gains
exactly the read and archive actions of its source, on the analyzer's ARN where IAM's
reference allows it, and the environment the handler reads says the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from deploy_support import (
    RETIRE_TEMPLATE,
    as_list,
    load_template,
    parameter_values,
    render,
    resolve,
    rule_failures,
    statements,
)

from dormant.campaign.handler import RetireEnvironment
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter

TEMPLATE = load_template(RETIRE_TEMPLATE)
REQUIRED = {"CodeBucket": "dormant-code"}
ROLE = "RetireFunctionRole"
ANALYZER = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/unused"
ANY_ANALYZER = "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/*"
FINDINGS_SERVICES = ("access-analyzer:", "securityhub:")


def _grants(**overrides: str) -> dict[str, list[str]]:
    """Each findings action the function's role is allowed, and on what (rendered)."""
    params = parameter_values(TEMPLATE, {**REQUIRED, **overrides})
    resources: dict[str, Any] = resolve(TEMPLATE, {**REQUIRED, **overrides})["Resources"]
    grants: dict[str, list[str]] = {}
    for statement in statements(resources, ROLE):
        actions = [a for a in as_list(statement["Action"]) if a.startswith(FINDINGS_SERVICES)]
        if not actions:
            continue
        assert statement["Effect"] == "Allow"
        where = [str(render(r, params, {})) for r in as_list(statement["Resource"])]
        for action in actions:
            grants.setdefault(action, []).extend(where)
    return grants


def test_dormants_own_source_grants_no_findings_action() -> None:
    assert _grants() == {}
    assert _grants(RetireMode="Apply") == {}


def test_access_analyzer_reads_any_analyzer_of_the_account_and_region_without_a_name() -> None:
    assert _grants(Source="access-analyzer") == {
        "access-analyzer:ListAnalyzers": ["*"],
        "access-analyzer:ListFindings": [ANY_ANALYZER],
    }


def test_archiving_adds_update_findings_on_the_named_analyzer_only_when_applying() -> None:
    named = {"Source": "access-analyzer", "AnalyzerArn": ANALYZER, "ArchiveFindings": "true"}
    assert _grants(**named) == {
        "access-analyzer:ListAnalyzers": ["*"],
        "access-analyzer:ListFindings": [ANALYZER],
    }  # Notify deletes nothing, so it archives nothing
    assert _grants(**named, RetireMode="Apply") == {
        "access-analyzer:ListAnalyzers": ["*"],
        "access-analyzer:ListFindings": [ANALYZER],
        "access-analyzer:UpdateFindings": [ANALYZER],
    }
    assert "access-analyzer:UpdateFindings" not in _grants(
        Source="access-analyzer", AnalyzerArn=ANALYZER, RetireMode="Apply"
    )


def test_securityhub_reads_and_archives_through_the_v2_apis_actions() -> None:
    assert _grants(Source="securityhub") == {"securityhub:GetFindings": ["*"]}
    assert _grants(Source="securityhub", RetireMode="Apply", ArchiveFindings="true") == {
        "securityhub:GetFindings": ["*"],
        "securityhub:BatchUpdateFindings": ["*"],
    }


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"ArchiveFindings": "true"}, "ArchiveNeedsASource"),
        ({"AnalyzerArn": ANALYZER}, "AnalyzerArnNeedsAccessAnalyzer"),
        ({"AnalyzerArn": ANALYZER, "Source": "securityhub"}, "AnalyzerArnNeedsAccessAnalyzer"),
    ],
)
def test_the_stack_refuses_parameters_that_mean_nothing(
    overrides: dict[str, str], rule: str
) -> None:
    failures = rule_failures(TEMPLATE, {**REQUIRED, **overrides})
    assert [f.split(":", 1)[0] for f in failures] == [rule]


def _environment(**overrides: str) -> RetireEnvironment:
    params = parameter_values(TEMPLATE, {**REQUIRED, **overrides})
    resources: dict[str, Any] = resolve(TEMPLATE, {**REQUIRED, **overrides})["Resources"]
    attributes = {
        "NotifyTopic": "arn:aws:sns:us-east-1:123456789012:dormant-retire-notices",
        "BackupBucket": "backups",
        "QuarantineDenyPolicy": "arn:aws:iam::123456789012:policy/dormant/deny",
    }
    variables = render(
        resources["RetireFunction"]["Properties"]["Environment"]["Variables"], params, attributes
    )
    return RetireEnvironment({k: str(v) for k, v in variables.items()})


def test_the_function_reads_the_source_the_stack_was_given() -> None:
    default = _environment()
    assert (default.source, default.analyzer_arn, default.archive) == (
        FindingSource.DORMANT,
        None,
        False,
    )
    chosen = _environment(
        Source="access-analyzer", AnalyzerArn=ANALYZER, ArchiveFindings="true", RetireMode="Apply"
    )
    assert (chosen.source, chosen.analyzer_arn, chosen.archive) == (
        FindingSource.ACCESS_ANALYZER,
        ANALYZER,
        True,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"FINDING_SOURCE": "guessed"}, "FINDING_SOURCE"),
        ({"ARCHIVE_FINDINGS": "true"}, "ARCHIVE_FINDINGS"),
        ({"ARCHIVE_FINDINGS": "yes", "FINDING_SOURCE": "access-analyzer"}, "ARCHIVE_FINDINGS"),
        ({"ANALYZER_ARN": ANALYZER}, "ANALYZER_ARN"),
        ({"ANALYZER_ARN": "unused", "FINDING_SOURCE": "access-analyzer"}, "ANALYZER_ARN"),
    ],
)
def test_a_bad_source_setting_is_one_line_naming_it(env: dict[str, str], named: str) -> None:
    base = {
        "NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
        "BACKUP_BUCKET": "backups",
        "QUARANTINE_POLICY_ARN": "arn:aws:iam::123456789012:policy/dormant/deny",
    }
    with pytest.raises(InvalidParameter) as bad:
        RetireEnvironment({**base, **env})
    assert named in str(bad.value)
    assert "\n" not in str(bad.value)
