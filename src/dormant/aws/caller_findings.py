"""AWS's findings read once, from the caller's account, for `dormant users` and `dormant
permissions` with `--source`.

In one account the caller's analyzer names that account's users and roles; from an
organization's administrator (Access Analyzer's delegated administrator, or the management
account) an organization analyzer names every member's. Either way the findings are read
here, before any account's IAM, so a missing analyzer or grant stops the command with one line
before anything else is read; the kinds then split them by account
(`dormant.core.finding_split`) and join each account's with dormant's decisions there. The
reader stays the caller's: GetFindingV2 is asked from the analyzer that listed the finding.
Adapter: nothing is decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dormant.aws.findings_source import FindingReader, finding_reader
from dormant.core.aws_findings import AwsFinding, FindingSource

if TYPE_CHECKING:
    import boto3

__all__ = ["CallerFindings", "read_caller_findings"]


@dataclass(frozen=True, slots=True)
class CallerFindings:
    """The caller's account, its source's reader (for details), and the ACTIVE findings read."""

    account_id: str
    reader: FindingReader
    findings: tuple[AwsFinding, ...]


def read_caller_findings(
    session: boto3.session.Session,
    source: FindingSource,
    account_id: str,
    finding_types: Sequence[str],
    *,
    analyzer_arn: str | None = None,
) -> CallerFindings:
    """Every ACTIVE finding of `finding_types` that `source` shows `account_id` (the
    caller's), through the one reader `--source` chooses."""
    reader = finding_reader(source, session, account_id, analyzer_arn=analyzer_arn)
    return CallerFindings(account_id, reader, tuple(reader.findings(finding_types)))
