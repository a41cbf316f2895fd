"""Closing the loop: archive AWS's finding about a resource once dormant has removed it.

After a delete (or a restriction to what was used) that was DONE, `archive_after` asks an
`Archiver` to archive the AWS finding about that resource, with a note naming the action and
where the backup is. Access Analyzer's implementation is `dormant.aws.findings_archive`
(UpdateFindings); Security Hub's (BatchUpdateFindingsV2, whose Comment carries the note)
plugs in as another `Archiver`. Only a change that was made is archived: a dry run, a
refusal, a failure, a release or a restore leaves the finding as it is.

An archive that fails never undoes or hides the change before it: it is an
`ArchiveResult` of its own, reported as its own failure line. Pure: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from dormant.core.aws_findings import AwsFinding
from dormant.core.errors import DormantError
from dormant.remediation.outcome import Outcome, Status

__all__ = [
    "ArchiveResult",
    "Archived",
    "Archiver",
    "archive_after",
    "archive_done",
    "archive_note",
]


class Archiver(Protocol):
    """Archives AWS findings in the service they came from (`source`, as `--source` says)."""

    @property
    def source(self) -> str: ...

    def archive(self, finding: AwsFinding, note: str) -> None:
        """Archive ``finding``, noting ``note`` where the service keeps one; raises
        DormantError (an AwsAccessError naming the call) when AWS refuses."""
        ...


@dataclass(frozen=True, slots=True)
class Archived:
    """One change dormant made that closes an AWS finding: what, to which resource, and
    where its backup is."""

    resource_arn: str
    name: str
    action: str  # "deleted", "restricted"
    on: date
    backup: str | None = None


def archive_note(change: Archived, kind: str = "role") -> str:
    """The note an archived finding carries: the action, the day and the backup."""
    backup = f"; backup: {change.backup}" if change.backup else ""
    return f"dormant {change.action} {kind} {change.name} on {change.on.isoformat()}{backup}"


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """What became of one finding's archive; ``error`` is None when it was archived."""

    change: Archived
    finding: AwsFinding | None
    note: str
    error: str | None = None

    @property
    def archived(self) -> bool:
        return self.finding is not None and self.error is None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def line(self) -> str:
        """One line for the report: archived, not found, or failed (never hidden)."""
        name = self.change.name
        if self.finding is None:
            return f"archive: no ACTIVE AWS finding about {name}; nothing archived"
        where = f"{self.finding.source} finding {self.finding.id}"
        if self.error is not None:
            return (
                f"failed: archive {where} about {name} ({self.change.action}, which stands): "
                f"{self.error}"
            )
        return f"archived: {where} about {name} ({self.note})"

    def record(self) -> dict[str, object]:
        return {
            "resource_arn": self.change.resource_arn,
            "name": self.change.name,
            "action": self.change.action,
            "finding_id": None if self.finding is None else self.finding.id,
            "source": None if self.finding is None else self.finding.source,
            "note": self.note,
            "archived": self.archived,
            "error": self.error,
        }


def archive_after(
    archiver: Archiver,
    findings: Mapping[str, AwsFinding],
    changes: Iterable[Archived],
    kind: str = "role",
) -> list[ArchiveResult]:
    """Archive the finding (``findings``: by resource ARN) about each change, one at a time:
    one that fails never stops the others."""
    results: list[ArchiveResult] = []
    for change in changes:
        note = archive_note(change, kind)
        finding = findings.get(change.resource_arn)
        if finding is None:
            results.append(ArchiveResult(change, None, note))
            continue
        try:
            archiver.archive(finding, note)
        except DormantError as exc:
            results.append(ArchiveResult(change, finding, note, str(exc)))
            continue
        results.append(ArchiveResult(change, finding, note))
    return results


def archive_done(
    archiver: Archiver,
    findings: Iterable[AwsFinding],
    outcomes: Iterable[Outcome],
    action: str,
    on: date,
) -> list[ArchiveResult]:
    """Archive the finding about each role whose outcome is DONE (``action``: "deleted",
    "restricted"), matched by name: a role's name is unique in its account, whatever its
    path. Every other outcome (planned, refused, failed, unchanged) archives nothing."""
    by_arn = {f.resource_arn: f for f in findings}
    by_name = {arn.rsplit("/", 1)[-1]: arn for arn in by_arn}
    changes = [
        Archived(
            by_name.get(o.role_name, o.role_name),
            o.role_name,
            action,
            on,
            None if o.backup is None else str(o.backup),
        )
        for o in outcomes
        if o.status is Status.DONE
    ]
    return archive_after(archiver, by_arn, changes)
