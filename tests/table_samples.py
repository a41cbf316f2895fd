"""A snapshot shaped like a real organization's: the names that strain a terminal table.

Public samples of ``aws iam get-account-authorization-details`` (from two accounts of one
organization) hold names that make a table hard to fit: Identity Center roles with a hex
suffix, Quick Setup roles that differ only in their last Region letter, StackSets execution
roles with a hash, and names up to IAM's 64 characters. This module writes such a snapshot
from names of its own; no third-party file is copied.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dormant.report import ReportMeta
from dormant.roles.cli import run_scan

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "eu-west-1")


def _names() -> list[str]:
    names = [
        "OrganizationAccountAccessRole",
        "stacksets-exec-9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60",
        "AWSReservedSSO_AdministratorAccess_4be1c0ffee5a7d92",
        "AWSReservedSSO_ReadOnlyAccess_77aa12bc90de34f1",
        "AWSReservedSSO_BillingAccess_0d0e0a0d0b0e0e0f",
        "AWS-QuickSetup-StackSet-Local-ExecutionRole",
        "AWS-QuickSetup-StackSet-Local-AdministrationRole",
        "AWSServiceRoleForSupport",
        "AWSServiceRoleForOrganizations",
        "AWSServiceRoleForAmazonElasticsearchService",
        "AWSServiceRoleForAmazonEKS",
        "x" * 64,  # IAM's longest name
        "lambda-PassRoleToNewFunctionThenInvokeItFromAnEventRule-role",
    ]
    names += [f"AWS-QuickSetup-PatchPolicy-Recording-7hq2_{region}" for region in REGIONS]
    names += [f"team{n:02d}-service-{kind}-role" for n in range(20) for kind in ("app", "etl")]
    names += [f"ci{n}" for n in range(12)]
    return names


def _role(index: int, name: str) -> dict[str, Any]:
    account = ACCOUNTS[index % 2]
    service_linked = name.startswith("AWSServiceRoleFor")
    path = "/aws-service-role/support.amazonaws.com/" if service_linked else "/"
    if name.startswith("AWSReservedSSO_"):
        path = "/aws-reserved/sso.amazonaws.com/"
    created = AS_OF - timedelta(days=30 + index * 7)
    role: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": f"AROA{index:017d}",
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "CreateDate": created.isoformat().replace("+00:00", "Z"),
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": (
                        {"AWS": f"arn:aws:iam::{ACCOUNTS[(index + 1) % 2]}:root"}
                        if index % 3 == 0
                        else {"Service": "lambda.amazonaws.com"}
                    ),
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "InstanceProfileList": [],
        "RolePolicyList": [],
        "AttachedManagedPolicies": (
            [
                {
                    "PolicyName": "AdministratorAccess",
                    "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                }
            ]
            if index % 5 == 0
            else []
        ),
        "Tags": (
            [{"Key": "owner", "Value": f"team-{index % 4}"}]
            + (
                [{"Key": "aws:cloudformation:stack-name", "Value": f"stack-{name[:20]}"}]
                if index % 7 == 0
                else []
            )
        ),
        "RoleLastUsed": {},
    }
    if index % 4 != 0:
        used = AS_OF - timedelta(days=index * 3)
        role["RoleLastUsed"] = {
            "LastUsedDate": used.isoformat().replace("+00:00", "Z"),
            "Region": REGIONS[index % len(REGIONS)],
        }
    return role


def write_sample_snapshot(path: Path) -> Path:
    """A two-account snapshot of about 80 roles with real-world name shapes; returns ``path``."""
    roles = [_role(i, name) for i, name in enumerate(_names())]
    document = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": [],
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def scan_sample(path: Path) -> tuple[list[Any], ReportMeta]:
    """The sample written to ``path``, scanned as ``dormant scan --snapshot`` does."""
    rows, meta = run_scan(
        snapshot=str(write_sample_snapshot(path)),
        max_days="60",
        allow="",
        include_service_linked=False,
        as_of=AS_OF.isoformat(),
        profile=None,
        region=None,
    )
    return list(rows), meta
