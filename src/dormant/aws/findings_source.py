"""Where a command's AWS findings come from: the one place `--source` picks a reader.

`read_source` reads the ACTIVE findings of the command's types from the service `--source`
names and hands back the `Archiver` (`dormant.remediation.archive`) that closes them in the
same service. Access Analyzer: the analyzer `--analyzer-arn` names, else the account's
first active unused-access one (`dormant.aws.access_analyzer`), archived by UpdateFindings
(`dormant.aws.findings_archive`). Security Hub: its open findings (GetFindingsV2,
`dormant.aws.securityhub_findings`), archived by BatchUpdateFindingsV2. Adapter: no decision
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dormant.aws.access_analyzer import find_analyzer, read_findings
from dormant.aws.findings_archive import AccessAnalyzerArchiver, SecurityHubArchiver
from dormant.aws.securityhub_findings import READ_OPERATION, read_securityhub_findings
from dormant.aws.session import aws_call, client_config
from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.core.errors import InvalidParameter
from dormant.remediation.archive import Archiver

if TYPE_CHECKING:
    from collections.abc import Sequence

    import botocore.config

__all__ = ["SourceFindings", "read_source"]


@dataclass(frozen=True)
class SourceFindings:
    """The findings read, where they came from (``where``: for the report) and how to
    archive them."""

    source: FindingSource
    where: str
    findings: tuple[AwsFinding, ...]
    archiver: Archiver


def read_source(
    session: Any,
    source: FindingSource,
    account_id: str,
    *,
    finding_types: Sequence[str],
    analyzer_arn: str | None = None,
    owner_account: str | None = None,
    config: botocore.config.Config | None = None,
) -> SourceFindings:
    """The ACTIVE findings of ``finding_types`` (about ``owner_account``'s resources only,
    when given) from ``source``, and its archiver."""
    if source is FindingSource.ACCESS_ANALYZER:
        with aws_call("access-analyzer:ListAnalyzers", account_id):
            client = session.client("accessanalyzer", config=config or client_config())
        analyzer = find_analyzer(client, account_id, analyzer_arn)
        found = read_findings(
            client, analyzer, finding_types, account_id=account_id, owner_account=owner_account
        )
        return SourceFindings(
            source,
            f"access-analyzer {analyzer.arn}",
            tuple(found),
            AccessAnalyzerArchiver(client, account_id),
        )
    if source is FindingSource.SECURITYHUB:
        with aws_call(READ_OPERATION, account_id):
            hub = session.client("securityhub", config=config or client_config())
        hub_found = [
            finding
            for finding in read_securityhub_findings(hub, finding_types, account_id=account_id)
            if owner_account is None or finding.account_id == owner_account
        ]
        return SourceFindings(
            source,
            f"securityhub {hub.meta.region_name}",
            tuple(hub_found),
            SecurityHubArchiver(hub, account_id),
        )
    raise InvalidParameter("--source", f"{source.value} has no findings to read")
