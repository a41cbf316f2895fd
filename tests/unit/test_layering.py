"""The architecture, enforced: the core and the Lambda edge stay lean."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import dormant

CORE = [
    "dormant",
    "dormant.model",
    "dormant.settings",
    "dormant.rules",
    "dormant.roles",
    "dormant.errors",
    "dormant.evaluations",
    "dormant.events",
    "dormant.service",
    "dormant.snapshot",
    "dormant.quarantine",
    "dormant.permissions",
    "dormant.permissions_scan",
    "dormant.pool",
    "dormant.testing",  # the fakes work with the base install, without the AWS SDK
]
CLI_ONLY = {"click", "rich", "jinja2", "moto"}
AWS = {"boto3", "botocore"}


def imported_after(module: str) -> set[str]:
    code = (
        "import json, sys\n"
        f"import {module}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_aws_sdk_and_no_cli(module: str) -> None:
    leaked = imported_after(module) & (AWS | CLI_ONLY)
    assert not leaked, f"{module} pulled in {sorted(leaked)}"


def test_lambda_handler_imports_no_cli_dependencies() -> None:
    leaked = imported_after("dormant.handler") & CLI_ONLY
    assert not leaked, f"dormant.handler pulled in {sorted(leaked)}"


def test_exported_members_are_deliberate() -> None:
    assert sorted(dormant.__all__) == sorted(
        [
            "DEFAULT_MAX_DAYS",
            "AssumeRoleError",
            "AwsAccessError",
            "Compliance",
            "DormantError",
            "EvaluationDeliveryError",
            "Finding",
            "InvalidEvent",
            "InvalidParameter",
            "Reason",
            "RemediationRefused",
            "Risk",
            "Role",
            "RoleDataError",
            "Settings",
            "SnapshotError",
            "__version__",
            "evaluate_role",
            "evaluate_roles",
        ]
    )
    for name in dormant.__all__:
        assert hasattr(dormant, name), name
