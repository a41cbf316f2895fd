"""Where a command reads AWS's unused-access findings from: one reader per `FindingSource`.

`FindingReader` is what the kinds' joins are fed from: the ACTIVE findings of some types as
`AwsFinding`s, and one finding's details where its summary lacks what a command needs.
`finding_reader` is the one place that chooses the reader from `--source`; a second source
(Security Hub's GetFindingsV2) is one more branch here and one more reader, and no join
changes. Adapter: nothing is decided here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.core.errors import InvalidParameter

if TYPE_CHECKING:
    import boto3

__all__ = ["FindingReader", "finding_reader"]


class FindingReader(Protocol):
    """One source of AWS's findings for one account (or one organization's administrator)."""

    @property
    def where(self) -> str:
        """The source as a report names it (``access-analyzer arn:aws:...``)."""
        ...

    @property
    def operation(self) -> str:
        """The call a failure about a finding names (``access-analyzer:ListFindingsV2``)."""
        ...

    def findings(self, finding_types: Sequence[str]) -> Iterator[AwsFinding]:
        """Every ACTIVE finding of `finding_types`, in the source's order."""
        ...

    def details(self, finding: AwsFinding) -> AwsFinding:
        """`finding` with its details (`AwsFinding.detailed`); one call, or none if held."""
        ...


def finding_reader(
    source: FindingSource,
    session: boto3.session.Session,
    account_id: str,
    *,
    analyzer_arn: str | None = None,
) -> FindingReader:
    """The reader of `source` for `account_id`; finds the analyzer first (InvalidParameter
    when there is none). `FindingSource.DORMANT` has no reader: it is dormant's own scan."""
    if source is FindingSource.ACCESS_ANALYZER:
        from dormant.aws.access_analyzer import AccessAnalyzerReader, find_analyzer
        from dormant.aws.session import aws_call, client_config

        with aws_call("access-analyzer:ListAnalyzers", account_id):
            client = session.client("accessanalyzer", config=client_config())
        analyzer = find_analyzer(client, account_id, analyzer_arn)
        return AccessAnalyzerReader(client, analyzer, account_id)
    # Security Hub's findings lack the key ids and services the users' and permissions' joins
    # need; the commands offer only Access Analyzer (`dormant.cli.source.ACCESS_ANALYZER_ONLY`).
    raise InvalidParameter("--source", f"{source.value} is not offered by this command")
