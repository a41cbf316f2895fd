"""Where a command reads AWS's unused-access findings from: the one place `--source` picks a
reader.

`finding_reader` turns `--source` (with the session, the account and `--analyzer-arn`) into a
`FindingReader`, which every command uses alike (scan, users, permissions, retire, delete,
restrict and the retire function):

- `findings(types, owner_account=...)`: the ACTIVE (Security Hub: open) findings of some
  types as `AwsFinding`s, optionally only those about one account's resources;
- `details(finding)`: the finding with what its summary lacks, where the source holds more;
- `where` (the report's source), `operation` (the call a failure about a finding names),
  `source`, and `archiver` (`dormant.remediation.archive.Archiver`, closing findings in the
  same service).

Access Analyzer: the analyzer `--analyzer-arn` names, else the account's first active
unused-access one (`dormant.aws.access_analyzer`), details by GetFindingV2, archived by
UpdateFindings (`dormant.aws.findings_archive`). Security Hub: its open OCSF findings
(GetFindingsV2, `dormant.aws.securityhub_findings`), which hold everything Security Hub shows
(no second call), archived by BatchUpdateFindingsV2. `read_all` reads one command's findings
whole, beside the reader they came from. Adapter: nothing is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from dormant.aws.access_analyzer import find_analyzer, read_findings, with_details
from dormant.aws.findings_archive import AccessAnalyzerArchiver, SecurityHubArchiver
from dormant.aws.securityhub_findings import READ_OPERATION, read_securityhub_findings
from dormant.aws.session import aws_call, client_config
from dormant.core.aws_findings import AwsFinding, FindingSource, UnusedAccessAnalyzer
from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.core.model import AccountFailure
from dormant.remediation.archive import Archiver

if TYPE_CHECKING:
    import botocore.config
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient
    from mypy_boto3_securityhub import SecurityHubClient

__all__ = [
    "AccessAnalyzerReader",
    "FindingReader",
    "SecurityHubReader",
    "SourceFindings",
    "detailed_where_needed",
    "finding_reader",
    "read_all",
]


class FindingReader(Protocol):
    """One source of AWS's findings for one account (or one organization's administrator)."""

    @property
    def source(self) -> FindingSource: ...

    @property
    def where(self) -> str:
        """The source as a report names it (``access-analyzer arn:aws:...``)."""
        ...

    @property
    def operation(self) -> str:
        """The call a failure about a finding names (``access-analyzer:ListFindingsV2``)."""
        ...

    @property
    def archiver(self) -> Archiver:
        """What closes this source's findings once dormant has acted."""
        ...

    def findings(
        self, finding_types: Sequence[str], *, owner_account: str | None = None
    ) -> Iterator[AwsFinding]:
        """Every ACTIVE (open) finding of `finding_types`, in the source's order; with
        `owner_account`, only those about that account's resources."""
        ...

    def details(self, finding: AwsFinding) -> AwsFinding:
        """`finding` with its details (`AwsFinding.detailed`); one call, or none if held."""
        ...


class AccessAnalyzerReader:
    """IAM Access Analyzer as a `FindingReader`: one analyzer of one account."""

    source = FindingSource.ACCESS_ANALYZER
    operation = "access-analyzer:ListFindingsV2"

    def __init__(
        self, client: AccessAnalyzerClient, analyzer: UnusedAccessAnalyzer, account_id: str
    ) -> None:
        self._client = client
        self._analyzer = analyzer
        self._account_id = account_id

    @property
    def where(self) -> str:
        return f"access-analyzer {self._analyzer.arn}"

    @property
    def archiver(self) -> Archiver:
        return AccessAnalyzerArchiver(self._client, self._account_id)

    def findings(
        self, finding_types: Sequence[str], *, owner_account: str | None = None
    ) -> Iterator[AwsFinding]:
        return read_findings(
            self._client,
            self._analyzer,
            finding_types,
            account_id=self._account_id,
            owner_account=owner_account,
        )

    def details(self, finding: AwsFinding) -> AwsFinding:
        if finding.detailed:
            return finding
        return with_details(self._client, finding, account_id=self._account_id)


class SecurityHubReader:
    """Security Hub's GetFindingsV2 as a `FindingReader`: one account's hub in one Region."""

    source = FindingSource.SECURITYHUB
    operation = READ_OPERATION

    def __init__(self, client: SecurityHubClient, account_id: str) -> None:
        self._client = client
        self._account_id = account_id

    @property
    def where(self) -> str:
        return f"securityhub {self._client.meta.region_name}"

    @property
    def archiver(self) -> Archiver:
        return SecurityHubArchiver(self._client, self._account_id)

    def findings(
        self, finding_types: Sequence[str], *, owner_account: str | None = None
    ) -> Iterator[AwsFinding]:
        for finding in read_securityhub_findings(
            self._client, finding_types, account_id=self._account_id
        ):
            if owner_account is None or finding.account_id == owner_account:
                yield finding

    def details(self, finding: AwsFinding) -> AwsFinding:
        # An OCSF finding is read whole: Security Hub has nothing more to say about it.
        return finding


def finding_reader(
    source: FindingSource,
    session: Any,
    account_id: str,
    *,
    analyzer_arn: str | None = None,
    config: botocore.config.Config | None = None,
) -> FindingReader:
    """The reader of `source` for `account_id`; Access Analyzer's finds the analyzer first
    (InvalidParameter when there is none). `FindingSource.DORMANT` has no reader: it is
    dormant's own decision."""
    if source is FindingSource.ACCESS_ANALYZER:
        with aws_call("access-analyzer:ListAnalyzers", account_id):
            client = session.client("accessanalyzer", config=config or client_config())
        analyzer = find_analyzer(client, account_id, analyzer_arn)
        return AccessAnalyzerReader(client, analyzer, account_id)
    if source is FindingSource.SECURITYHUB:
        with aws_call(READ_OPERATION, account_id):
            hub = session.client("securityhub", config=config or client_config())
        return SecurityHubReader(hub, account_id)
    raise InvalidParameter("--source", f"{source.value} has no findings to read")


@dataclass(frozen=True)
class SourceFindings:
    """One command's findings, read whole, and the reader they came from (its `where`,
    `operation` and `archiver`)."""

    reader: FindingReader
    findings: tuple[AwsFinding, ...]

    @property
    def source(self) -> FindingSource:
        return self.reader.source

    @property
    def where(self) -> str:
        return self.reader.where

    @property
    def operation(self) -> str:
        return self.reader.operation

    @property
    def archiver(self) -> Archiver:
        return self.reader.archiver


def detailed_where_needed(
    reader: FindingReader,
    aws_findings: Iterable[AwsFinding],
    needs: Callable[[AwsFinding], bool],
    *,
    fail_alone: bool = False,
) -> tuple[list[AwsFinding], list[AccountFailure]]:
    """`aws_findings`, each with its details (`reader.details`) where `needs` says its summary
    lacks them; and the accounts whose details could not be read.

    The details are the caller's calls (the analyzer's administrator asks about a member's
    finding), so one refused or failing is, in one account, the command's error (it
    propagates); with `fail_alone` (many accounts), only the account the finding is about
    fails: its one failure is returned, the rest of its findings are not asked about, and
    the caller leaves the account out of the join (its findings become failures naming it).
    """
    detailed: list[AwsFinding] = []
    failures: dict[str, AccountFailure] = {}
    for aws in aws_findings:
        if aws.account_id in failures or not needs(aws):
            detailed.append(aws)
            continue
        try:
            detailed.append(reader.details(aws))
        except AwsAccessError as exc:
            if not fail_alone:
                raise
            operation = exc.operation or reader.operation
            failures[aws.account_id] = AccountFailure(aws.account_id, operation, str(exc))
            detailed.append(aws)
    return detailed, list(failures.values())


def read_all(
    reader: FindingReader, finding_types: Sequence[str], *, owner_account: str | None = None
) -> SourceFindings:
    """Every ACTIVE finding of `finding_types` from `reader` (about `owner_account`'s
    resources only, when given)."""
    return SourceFindings(
        reader, tuple(reader.findings(finding_types, owner_account=owner_account))
    )
