"""The ASFF and OCSF exports: valid for Security Hub and OCSF, stable, generic over kinds."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from asff_support import validate_batch_import
from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.report import Layout, ReportMeta, render
from dormant.report.asff import KINDS, asff_finding, finding_id, kind_for, product_arn
from dormant.roles.decide import evaluate_role
from dormant.roles.layout import ROLE_LAYOUT, Row, row_from_finding
from dormant.roles.model import Role

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
AS_OF = "2024-06-01T00:00:00Z"


def _role(name: str, days_unused: int | None, *, admin: bool = False) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::111111111111:role/{name}",
        created=NOW - timedelta(days=1000),
        last_used=None if days_unused is None else NOW - timedelta(days=days_unused, hours=1),
        last_used_region=None if days_unused is None else "us-east-1",
        attached_policy_arns=(ADMIN,) if admin else (),
        account_id="111111111111",
    )


def _rows() -> list[Row]:
    roles = [
        _role("stale-admin", 100, admin=True),
        _role("stale", 100),
        _role("used", 3),
        Role(
            role_id="AROASLR",
            name="AWSServiceRoleForSupport",
            path="/aws-service-role/support.amazonaws.com/",
            arn="arn:aws:iam::111111111111:role/aws-service-role/support.amazonaws.com/x",
            created=NOW - timedelta(days=1000),
            account_id="111111111111",
        ),
    ]
    return [row_from_finding(evaluate_role(r, Settings(), NOW)) for r in roles]


def _render(fmt: str, lines: list[Any], layout: Layout = ROLE_LAYOUT, **meta: Any) -> str:
    out = io.StringIO()
    render(
        fmt,
        lines,
        ReportMeta(kind="scan", generated_at=NOW, source="test", layout=layout, **meta),
        out,
    )
    return out.getvalue()


def test_asff_findings_validate_against_batch_import_findings() -> None:
    findings = json.loads(_render("asff", _rows(), region="eu-west-1"))
    validate_batch_import(findings)
    by_name = {f["Resources"][0]["Details"]["AwsIamRole"]["RoleName"]: f for f in findings}
    # NOT_APPLICABLE (the service-linked role) is no finding.
    assert sorted(by_name) == ["stale", "stale-admin", "used"]
    assert {name: f["Severity"]["Label"] for name, f in by_name.items()} == {
        "stale-admin": "HIGH",
        "stale": "MEDIUM",
        "used": "INFORMATIONAL",
    }
    assert {name: f["Compliance"]["Status"] for name, f in by_name.items()} == {
        "stale-admin": "FAILED",
        "stale": "FAILED",
        "used": "PASSED",
    }
    stale = by_name["stale"]
    assert stale["SchemaVersion"] == "2018-10-08"
    assert stale["ProductArn"] == (
        "arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default"
    )
    assert stale["GeneratorId"] == "dormant/unused-iam-role"
    assert stale["AwsAccountId"] == "111111111111"
    assert stale["Types"] == ["Software and Configuration Checks/AWS Security Best Practices"]
    assert stale["CreatedAt"] == stale["UpdatedAt"] == "2024-06-01T00:00:00Z"
    assert stale["Description"] == "Was last used in us-east-1 100 days ago"
    assert stale["Resources"][0]["Type"] == "AwsIamRole"
    assert stale["Resources"][0]["Id"] == "arn:aws:iam::111111111111:role/stale"
    assert stale["Workflow"] == {"Status": "NEW"}
    assert stale["RecordState"] == "ACTIVE"
    assert stale["Title"] == "Unused IAM role stale"


def test_asff_id_is_stable_across_runs_and_unique_per_resource() -> None:
    rows = _rows()
    first = json.loads(_render("asff", rows))
    later = [r._replace(annotation="changed") for r in rows]
    out = io.StringIO()
    render(
        "asff",
        later,
        ReportMeta(
            kind="scan", generated_at=NOW + timedelta(days=1), source="t", layout=ROLE_LAYOUT
        ),
        out,
    )
    second = json.loads(out.getvalue())
    assert [f["Id"] for f in first] == [f["Id"] for f in second]
    assert len({f["Id"] for f in first}) == len(first)
    assert first[0]["UpdatedAt"] != second[0]["UpdatedAt"]


def test_asff_default_region_and_partition_follow_the_region() -> None:
    default = json.loads(_render("asff", _rows()))
    assert default[0]["Region"] == "us-east-1"
    china = json.loads(_render("asff", _rows(), region="cn-north-1"))
    assert china[0]["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert china[0]["Resources"][0]["Partition"] == "aws-cn"
    assert product_arn("111111111111", "us-gov-west-1").startswith("arn:aws-us-gov:")
    validate_batch_import(china)


def test_asff_of_nothing_is_an_empty_list() -> None:
    assert json.loads(_render("asff", [])) == []


@dataclass(frozen=True)
class _UserLine:
    """Any kind's line answers the same protocol: a stand-in for the users' rows."""

    account_id: str
    name: str
    compliance: Compliance
    annotation: str
    admin: bool = False
    exempt: bool = False
    resource_type: str = "AWS::IAM::User"
    resource_id: str = "AIDAEXAMPLE"
    arn: str | None = "arn:aws:iam::111111111111:user/alice"


def _layout(name: str) -> Layout:
    return Layout(
        name=name,
        noun=name,
        fields=("account_id",),
        record=lambda line, recorded_at=False: {"account_id": line.account_id},
        columns=(),
        sort_key=lambda line: line.name,
    )


@pytest.mark.parametrize(
    ("kind", "generator", "resource_type"),
    [
        ("users", "dormant/unused-iam-user-credentials", "AwsIamUser"),
        ("permissions", "dormant/unused-permissions", "AwsIamRole"),
    ],
)
def test_asff_is_generic_over_the_kinds(kind: str, generator: str, resource_type: str) -> None:
    line = _UserLine("111111111111", "alice", Compliance.NON_COMPLIANT, "Key unused 90 days")
    findings = json.loads(_render("asff", [line], _layout(kind)))
    validate_batch_import(findings)
    (finding,) = findings
    assert finding["GeneratorId"] == generator
    assert finding["Resources"][0]["Type"] == resource_type
    assert finding["Id"] == f"{generator}/111111111111/AIDAEXAMPLE"
    assert finding["Description"] == "Key unused 90 days"


def test_every_kind_of_the_table_names_a_generator_of_its_own() -> None:
    assert len({k.generator_id for k in KINDS.values()}) == len(KINDS)
    with pytest.raises(InvalidParameter, match="'groups'"):
        kind_for("groups")


def test_not_applicable_is_refused_as_a_finding() -> None:
    row = _rows()[-1]
    assert row.compliance == Compliance.NOT_APPLICABLE
    with pytest.raises(ValueError, match="AWSServiceRoleForSupport"):
        asff_finding(row, KINDS["roles"], region="us-east-1", updated_at=NOW)


# OCSF 1.1.0, Detection Finding (2004): the attributes the class requires, and the
# required attributes of the objects it requires.
OCSF_REQUIRED = (
    "activity_id",
    "category_uid",
    "class_uid",
    "finding_info",
    "metadata",
    "severity_id",
    "time",
    "type_uid",
)


def test_ocsf_lines_are_detection_findings() -> None:
    text = _render("ocsf", _rows(), region="eu-west-1")
    findings = [json.loads(line) for line in text.splitlines()]
    assert len(findings) == 3
    for finding in findings:
        missing = [name for name in OCSF_REQUIRED if name not in finding]
        assert not missing, missing
        assert finding["class_uid"] == 2004
        assert finding["category_uid"] == 2
        assert finding["type_uid"] == 2004 * 100 + finding["activity_id"]
        assert isinstance(finding["time"], int)
        assert finding["time"] == int(NOW.timestamp() * 1000)
        assert finding["severity_id"] in {0, 1, 2, 3, 4, 5, 6, 99}
        assert finding["metadata"]["version"] == "1.1.0"
        assert finding["metadata"]["product"]["name"] == "dormant"
        assert finding["finding_info"]["uid"]
        assert finding["finding_info"]["title"]
        (resource,) = finding["resources"]
        assert resource["type"] == "AWS::IAM::Role"
        assert resource["region"] == "eu-west-1"
        assert finding["cloud"]["provider"] == "AWS"
    by_name = {f["resources"][0]["name"]: f for f in findings}
    stale = by_name["stale-admin"]
    assert stale["severity_id"] == 4
    assert stale["status"] == "New"
    assert stale["unmapped"]["compliance"] == "NON_COMPLIANT"
    assert stale["message"] == "Was last used in us-east-1 100 days ago"
    assert stale["finding_info"]["uid"] == finding_id(
        KINDS["roles"], "111111111111", "AROASTALE-ADMIN"
    )
    assert by_name["used"]["severity_id"] == 1
    assert by_name["used"]["status"] == "Resolved"
    assert by_name["stale"]["severity_id"] == 3


def test_scan_prints_asff_and_ocsf(dormant, example: Path) -> None:
    asff = dormant(
        "scan", "--snapshot", str(example), "--as-of", AS_OF, "--format", "asff",
        "--region", "eu-west-1",
    )  # fmt: skip
    assert asff.returncode == 1, asff.stderr
    findings = json.loads(asff.stdout)
    validate_batch_import(findings)
    # 13 roles, 2 of them service-linked (NOT_APPLICABLE).
    assert len(findings) == 11
    assert {f["Region"] for f in findings} == {"eu-west-1"}
    ocsf = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "--format", "ocsf")
    assert ocsf.returncode == 1, ocsf.stderr
    lines = ocsf.stdout.splitlines()
    assert len(lines) == 11
    assert all(json.loads(line)["class_uid"] == 2004 for line in lines)
