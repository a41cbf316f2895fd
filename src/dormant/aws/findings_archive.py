"""The `Archiver`s: IAM Access Analyzer's and Security Hub's, one finding a call.

Access Analyzer: UpdateFindings with status ARCHIVED.

botocore's model: UpdateFindings takes analyzerArn, status (ACTIVE or ARCHIVED) and ids (or
resourceArn); it has no field for a note, so the note `archive_after` writes stays in
dormant's own report (the command's output, the retire function's summary line). IAM
authorizes it as `access-analyzer:UpdateFindings` on the analyzer's ARN. Only the finding's
id is named, never its resource: a role re-created under the same name has findings of its
own that must stay.

Security Hub: BatchUpdateFindingsV2 sets the finding (by `metadata.uid`) Archived with the note
as its comment (`dormant.aws.securityhub_findings`); a finding AWS leaves unprocessed is a
failure naming it, like a refused call. Adapter: no decision here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dormant.aws.securityhub_findings import UPDATE_OPERATION, archive_securityhub_findings
from dormant.aws.session import aws_call
from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.core.errors import AwsAccessError

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient
    from mypy_boto3_securityhub import SecurityHubClient

__all__ = ["AccessAnalyzerArchiver", "SecurityHubArchiver"]

# BatchUpdateFindingsV2's Comment holds at most 512 characters.
_MAX_COMMENT = 512


@dataclass(frozen=True)
class AccessAnalyzerArchiver:
    client: AccessAnalyzerClient
    account_id: str = ""

    @property
    def source(self) -> str:
        return FindingSource.ACCESS_ANALYZER.value

    def archive(self, finding: AwsFinding, note: str) -> None:
        del note  # UpdateFindings keeps none (see the module's docstring)
        with aws_call("access-analyzer:UpdateFindings", self.account_id):
            self.client.update_findings(
                analyzerArn=finding.analyzer_arn, ids=[finding.id], status="ARCHIVED"
            )


@dataclass(frozen=True)
class SecurityHubArchiver:
    client: SecurityHubClient
    account_id: str = ""

    @property
    def source(self) -> str:
        return FindingSource.SECURITYHUB.value

    def archive(self, finding: AwsFinding, note: str) -> None:
        comment = note if len(note) <= _MAX_COMMENT else note[: _MAX_COMMENT - 3] + "..."
        unprocessed = archive_securityhub_findings(
            self.client, [finding.id], comment, account_id=self.account_id
        )
        if unprocessed:
            first = unprocessed[0]
            raise AwsAccessError(
                f"{UPDATE_OPERATION}: finding {finding.id} not archived: "
                f"{first.code or 'unprocessed'} {first.message}".rstrip(),
                operation=UPDATE_OPERATION,
                account_id=self.account_id,
                code=first.code,
            )
