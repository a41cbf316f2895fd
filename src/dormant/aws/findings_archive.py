"""IAM Access Analyzer's `Archiver`: UpdateFindings with status ARCHIVED, one finding a call.

botocore's model: UpdateFindings takes analyzerArn, status (ACTIVE or ARCHIVED) and ids (or
resourceArn); it has no field for a note, so the note `archive_after` writes stays in
dormant's own report (the command's output, the retire function's summary line). IAM
authorizes it as `access-analyzer:UpdateFindings` on the analyzer's ARN. Only the finding's
id is named, never its resource: a role re-created under the same name has findings of its
own that must stay. Adapter: no decision here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dormant.aws.session import aws_call
from dormant.core.aws_findings import AwsFinding, FindingSource

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient

__all__ = ["AccessAnalyzerArchiver"]


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
