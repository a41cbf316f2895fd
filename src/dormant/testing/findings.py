"""An in-memory `dormant.remediation.archive.Archiver`: keeps what it archived, with its
note, and can be told to refuse (AccessDeniedException, as UpdateFindings answers a caller
without `access-analyzer:UpdateFindings`), raising exactly the adapter's `AwsAccessError`.

Standard library and dormant's pure core only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dormant.core.aws_findings import AwsFinding, FindingSource
from dormant.testing.injection import Failures, aws_error

__all__ = ["InMemoryArchiver"]

_OPERATION = "access-analyzer:UpdateFindings"


@dataclass
class InMemoryArchiver:
    """``archived``: (finding id, note) in order. ``failures.plan(OPERATION, code, message,
    subject=finding_id)`` makes an archive fail."""

    source: str = FindingSource.ACCESS_ANALYZER.value
    account_id: str = ""
    archived: list[tuple[str, str]] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)

    OPERATION = _OPERATION

    def archive(self, finding: AwsFinding, note: str) -> None:
        failure = self.failures.take(_OPERATION, finding.id)
        if failure is not None:
            raise aws_error(_OPERATION, failure.code, failure.message, self.account_id)
        self.archived.append((finding.id, note))
