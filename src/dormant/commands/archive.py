"""`--source` and `--archive` on `dormant retire` and `dormant delete`: checked, read, closed.

`parse_archive` checks the two options together before anything is read;
`read_role_findings` reads the ACTIVE UnusedIAMRole findings about the caller's account
from the source (`dormant.aws.findings_source`, the one place a reader is chosen);
`archive_deleted` archives the finding about each role a delete removed
(`dormant.remediation.archive`). Nothing here decides which role is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter
from dormant.remediation.archive import ArchiveResult, archive_done

if TYPE_CHECKING:
    from dormant.aws.findings_source import SourceFindings
    from dormant.remediation.outcome import Outcome

__all__ = ["archive_deleted", "parse_archive", "read_role_findings"]


def parse_archive(
    source: str, analyzer_arn: str | None, archive: bool, *, source_alone: bool
) -> FindingSource:
    """--source, --analyzer-arn and --archive, checked together. ``source_alone``: the
    command acts on a source without archiving (retire); else --source names only whose
    finding --archive closes (delete)."""
    from dormant.roles.aws_findings import parse_source

    finding_source = parse_source(source, analyzer_arn, ())
    if archive and finding_source is FindingSource.DORMANT:
        raise InvalidParameter(
            "--archive",
            "needs --source access-analyzer or securityhub: the service whose finding is archived",
        )
    if not source_alone and not archive and finding_source is not FindingSource.DORMANT:
        raise InvalidParameter("--source", "on delete, names whose finding --archive closes")
    return finding_source


def read_role_findings(
    session: Any, source: FindingSource, analyzer_arn: str | None, account_id: str
) -> SourceFindings:
    """The source's ACTIVE unused-role findings about ``account_id``'s roles, and their
    archiver."""
    from dormant.aws.findings_source import finding_reader, read_all
    from dormant.roles.aws_findings import ROLE_FINDING_TYPES

    reader = finding_reader(source, session, account_id, analyzer_arn=analyzer_arn)
    return read_all(reader, ROLE_FINDING_TYPES, owner_account=account_id)


def archive_deleted(
    read: SourceFindings, outcomes: Sequence[Outcome], now: datetime
) -> list[ArchiveResult]:
    """Archive the finding about each role a delete removed (matched by name: a role's
    name is unique in its account, whatever its path)."""
    return archive_done(
        read.archiver, read.findings, outcomes, "deleted", now.astimezone(UTC).date()
    )
