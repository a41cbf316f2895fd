"""The users' report with AWS's finding beside dormant's decision (`--source access-analyzer`
or `securityhub`).

One line per AWS finding, so a user with an unused password and an unused key is listed
twice. `USER_AWS_LAYOUT` is `USER_LAYOUT` with `AWS_FIELDS` and `aws_credential` (the
credential the finding is about: password, access_key_1, access_key_2, or null when the user
has it no more) in JSON and CSV, and "AWS agrees" and "AWS flags" columns in the table and
Markdown. Standard library only; nothing here decides.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dormant.report.aws_findings import AWS_FIELDS, agrees_text, aws_fields
from dormant.report.layout import Column
from dormant.users.layout import USER_FIELDS, USER_LAYOUT, UserLine, user_record
from dormant.users.model import CredentialKind

__all__ = ["USER_AWS_FIELDS", "USER_AWS_LAYOUT", "user_aws_record"]

USER_AWS_FIELDS = (*USER_FIELDS, *AWS_FIELDS, "aws_credential")


def user_aws_record(line: UserLine, *, recorded_at: bool = False) -> dict[str, Any]:
    """``user_record`` with AWS's finding, the agreement, and the credential it is about."""
    return {
        **user_record(line, recorded_at=recorded_at),
        **aws_fields(line.aws_finding, line.agreement),
        "aws_credential": line.aws_credential,
    }


def _flags(line: UserLine) -> str:
    """What AWS flags: ``password``, ``access key 1`` (``access key AKIA...`` when gone,
    ``access key (which?)`` when the source names no key and the user has two)."""
    aws = line.aws_finding
    if line.aws_credential is not None:
        return line.aws_credential.replace("_", " ")
    if aws is None:
        return ""
    if aws.type == "UnusedIAMUserPassword":
        return "password (gone)"
    keys = [c for c in line.credentials if c.kind is not CredentialKind.PASSWORD]
    if aws.access_key_id is None and len(keys) > 1:
        return "access key (which?)"  # the source named no key, and the user has two
    return f"access key {aws.access_key_id or ''} (gone)".replace("  ", " ")


USER_AWS_LAYOUT = replace(
    USER_LAYOUT,
    fields=USER_AWS_FIELDS,
    record=user_aws_record,
    columns=(
        Column("AWS agrees", lambda line: agrees_text(line.agreement), short_header="AWS"),
        Column("AWS flags", _flags, short_header="Flags"),
        *USER_LAYOUT.columns,
    ),
)
