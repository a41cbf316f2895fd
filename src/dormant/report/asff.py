"""ASFF: findings in the AWS Security Finding Format, the shape Security Hub imports.

``render_asff`` writes a JSON list with one finding per line that is not
``NOT_APPLICABLE`` (a resource the rule does not judge, or one that is gone, is no
finding), built from any kind's lines through the ``Line`` protocol and ``KINDS``, the
one table that says how each kind (the ``Layout``'s name) is named in Security Hub.
``asff_finding`` builds one finding; ``dormant export securityhub`` imports the same
findings. A finding's ``Id`` depends only on the account, the kind and the resource id,
so the same resource keeps the same finding across runs and Security Hub updates it in
place. A line joined with AWS's own finding (``--source``) names it and the agreement in
``ProductFields`` (``dormant/aws_finding_id``, ``dormant/agrees``, ...). Standard library
only; nothing here decides compliance or talks to AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance
from dormant.report.layout import Line, ReportMeta, Tally, iso

__all__ = [
    "ASFF_SCHEMA_VERSION",
    "ASFF_TYPES",
    "DEFAULT_REGION",
    "KINDS",
    "FindingKind",
    "asff_finding",
    "finding_id",
    "kind_for",
    "partition_for",
    "product_arn",
    "references_of",
    "render_asff",
]

ASFF_SCHEMA_VERSION = "2018-10-08"
ASFF_TYPES = ("Software and Configuration Checks/AWS Security Best Practices",)
# Where findings go when neither --region nor the session names a Region. IAM is global,
# and us-east-1 is where its global events are delivered.
DEFAULT_REGION = "us-east-1"
_TITLE_MAX = 256  # ASFF's limits
_DESCRIPTION_MAX = 1024


@dataclass(frozen=True, slots=True)
class FindingKind:
    """How one kind of finding is named outside dormant (Security Hub, OCSF).

    ``failed_title``/``passed_title`` take the line's name; ``details_key`` and the two
    field names fill ASFF's ``Resources[].Details`` (e.g. ``AwsIamRole``: RoleName, RoleId).
    """

    generator_id: str
    resource_type: str  # ASFF's Resources[].Type
    failed_title: str
    passed_title: str
    name_field: str
    id_field: str
    ocsf_type: str  # OCSF resource type, AWS's own type name

    @property
    def details_key(self) -> str:
        return self.resource_type


_ROLE = {"resource_type": "AwsIamRole", "name_field": "RoleName", "id_field": "RoleId"}

# Keyed by the Layout's name: the one place a new kind says how it is exported.
KINDS: Mapping[str, FindingKind] = {
    "roles": FindingKind(
        generator_id="dormant/unused-iam-role",
        failed_title="Unused IAM role {name}",
        passed_title="IAM role {name} is in use",
        ocsf_type="AWS::IAM::Role",
        **_ROLE,
    ),
    "users": FindingKind(
        generator_id="dormant/unused-iam-user-credentials",
        resource_type="AwsIamUser",
        failed_title="Unused credentials of IAM user {name}",
        passed_title="IAM user {name} uses its credentials",
        name_field="UserName",
        id_field="UserId",
        ocsf_type="AWS::IAM::User",
    ),
    # ASFF has no permission set type: "Other", whose Details are strings.
    "assignments": FindingKind(
        generator_id="dormant/unused-permission-set-assignments",
        resource_type="Other",
        failed_title="Unused Identity Center permission set {name}",
        passed_title="Identity Center permission set {name} is in use",
        name_field="PermissionSetName",
        id_field="PermissionSetArn",
        ocsf_type="AWS::SSO::PermissionSet",
    ),
    "permissions": FindingKind(
        generator_id="dormant/unused-permissions",
        failed_title="Unused permissions of IAM role {name}",
        passed_title="IAM role {name} uses its permissions",
        ocsf_type="AWS::IAM::Role",
        **_ROLE,
    ),
}


def kind_for(layout_name: str) -> FindingKind:
    """The kind's names; a kind missing from ``KINDS`` cannot be exported (InvalidParameter)."""
    try:
        return KINDS[layout_name]
    except KeyError:
        raise InvalidParameter(
            "--format",
            f"findings of kind {layout_name!r} have no Security Hub or OCSF mapping "
            f"(known kinds: {', '.join(KINDS)})",
        ) from None


def partition_for(region: str) -> str:
    """The AWS partition a Region belongs to: ``aws``, ``aws-cn``, ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def product_arn(account_id: str, region: str) -> str:
    """The account's own ("default") product, which any account may import findings into."""
    return (
        f"arn:{partition_for(region)}:securityhub:{region}:{account_id}:"
        f"product/{account_id}/default"
    )


def finding_id(kind: FindingKind, account_id: str, resource_id: str) -> str:
    """Stable across runs: the same account, kind and resource give the same Id."""
    return f"{kind.generator_id}/{account_id}/{resource_id}"


def references_of(line: object) -> tuple[list[dict[str, Any]], list[str]] | None:
    """A line's references (a role's: ``type``, ``arn``, ``name``, ``via``, ``source``...)
    and the sources asked, as plain values; None for a line whose kind finds none, or whose
    sources were not asked."""
    found: Any = getattr(line, "references", None)
    if found is None or not getattr(found, "sources", ()):
        return None
    fields = ("type", "arn", "name", "account_id", "region", "via", "source", "state")
    listed = [{key: getattr(r, key, None) for key in fields} for r in found.references]
    return listed, list(found.sources)


def _other_details(line: Line) -> dict[str, str]:
    """ASFF's ``Details.Other`` (strings of at most 1,024 characters): what references it."""
    found = references_of(line)
    if found is None:
        return {}
    listed, sources = found
    named = "; ".join(f"{r['type']} {r['arn']} ({r['via']})" for r in listed)
    return {
        "dormant/references": str(len(listed)),
        "dormant/referenced-by": named[:_DESCRIPTION_MAX] or "none found",
        "dormant/references-checked": ",".join(sources),
    }


def _severity(line: Line) -> str:
    if line.compliance != Compliance.NON_COMPLIANT:
        return "INFORMATIONAL"
    return "HIGH" if line.admin else "MEDIUM"


def asff_finding(
    line: Line,
    kind: FindingKind,
    *,
    region: str,
    updated_at: datetime,
    created_at: datetime | None = None,
    record_state: str = "ACTIVE",
) -> dict[str, Any]:
    """One ASFF finding for a COMPLIANT or NON_COMPLIANT line.

    ``created_at`` defaults to ``updated_at``; an export that finds its earlier finding
    keeps that one's CreatedAt, as Security Hub expects of an update.
    """
    if line.compliance == Compliance.NOT_APPLICABLE:
        raise ValueError(f"{line.name}: a NOT_APPLICABLE result is not a finding")
    failed = line.compliance == Compliance.NON_COMPLIANT
    partition = partition_for(region)
    title = (kind.failed_title if failed else kind.passed_title).format(name=line.name)
    description = line.annotation or title
    resource: dict[str, Any] = {
        "Type": kind.resource_type,
        # ASFF wants the ARN; a resource IAM no longer returns is known by its id only.
        "Id": line.arn or line.resource_id,
        "Partition": partition,
        "Region": region,
        "Details": {
            kind.details_key: {kind.name_field: line.name, kind.id_field: line.resource_id}
        },
    }
    other = _other_details(line)
    if other:
        resource["Details"]["Other"] = other
    return {
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": finding_id(kind, line.account_id, line.resource_id),
        "ProductArn": product_arn(line.account_id, region),
        "ProductName": "dormant",
        "CompanyName": "dormant",
        "GeneratorId": kind.generator_id,
        "AwsAccountId": line.account_id,
        "Region": region,
        "Types": list(ASFF_TYPES),
        "CreatedAt": iso(created_at or updated_at),
        "UpdatedAt": iso(updated_at),
        "Severity": {"Label": _severity(line)},
        "Title": title[:_TITLE_MAX],
        "Description": description[:_DESCRIPTION_MAX],
        "Resources": [resource],
        "Compliance": {"Status": "FAILED" if failed else "PASSED"},
        "Workflow": {"Status": "NEW"},
        "RecordState": record_state,
        "ProductFields": {"dormant/compliance": str(line.compliance), **_aws_fields(line)},
    }


def _aws_fields(line: Line) -> dict[str, str]:
    """AWS's finding beside dormant's decision, for a line joined with it (``--source``):
    ProductFields hold strings only."""
    aws: Any = getattr(line, "aws_finding", None)
    agreement: Any = getattr(line, "agreement", None)
    if aws is None or agreement is None:
        return {}
    return {
        "dormant/aws_finding_source": str(aws.source),
        "dormant/aws_finding_id": str(aws.id)[:2048],
        "dormant/aws_finding_type": str(aws.type),
        "dormant/agrees": "true" if agreement.agrees else "false",
        **({"dormant/disagreement": str(agreement.why)[:2048]} if agreement.why else {}),
    }


def render_asff(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    """A JSON list of findings, written as they arrive; the tally counts every line."""
    kind = kind_for(meta.layout.name)
    region = meta.region or DEFAULT_REGION
    tally = meta.tally()
    separator = "["
    for line in lines:
        tally.add(line)
        if line.compliance == Compliance.NOT_APPLICABLE:
            continue
        finding = asff_finding(line, kind, region=region, updated_at=meta.generated_at)
        out.write(separator + "\n" + json.dumps(finding))
        separator = ","
    out.write("[]\n" if separator == "[" else "\n]\n")
    return tally
