"""`archive_done`, which closes AWS's finding after `restrict --recommendation --archive`
(and after `delete --archive`): only a change that was made is archived, by the role's name
whatever its path, with the action and the backup in the note; an archive that fails is its
own result and the others still run."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dormant.core.aws_findings import AwsFinding
from dormant.remediation.archive import archive_done
from dormant.remediation.outcome import Outcome, Status
from dormant.testing import InMemoryArchiver

ACCOUNT = "123456789012"
ON = date(2026, 12, 7)


def finding(role: str, path: str = "/") -> AwsFinding:
    return AwsFinding(
        source="securityhub",
        id=f"uid-{role}",
        type="UnusedPermission",
        status="New",
        analyzed_at=datetime(2026, 12, 6, tzinfo=UTC),
        resource_arn=f"arn:aws:iam::{ACCOUNT}:role{path}{role}",
        account_id=ACCOUNT,
        window_days=90,
        analyzer_arn="arn:aws:securityhub:us-east-1::productv2/aws/access-analyzer",
    )


def test_only_restricted_roles_have_their_finding_archived_with_the_backup_in_the_note() -> None:
    archiver = InMemoryArchiver(source="securityhub")
    findings = [finding("app", "/team/"), finding("planned"), finding("refused")]
    outcomes = [
        Outcome("app", Status.DONE, "applied", (), "s3://backups/dormant/123456789012-app.json"),
        Outcome("planned", Status.PLANNED, "would apply"),
        Outcome("refused", Status.REFUSED, "a policy changed since AWS's analysis"),
        Outcome("gone", Status.DONE, "applied", (), None),
    ]
    results = archive_done(archiver, findings, outcomes, "restricted", ON)
    note = (
        "dormant restricted role app on 2026-12-07; "
        "backup: s3://backups/dormant/123456789012-app.json"
    )
    assert archiver.archived == [("uid-app", note)]
    assert [r.line() for r in results] == [
        f"archived: securityhub finding uid-app about app ({note})",
        "archive: no ACTIVE AWS finding about gone; nothing archived",
    ]


def test_a_refused_archive_is_its_own_failure_and_the_next_one_still_runs() -> None:
    archiver = InMemoryArchiver(source="securityhub")
    archiver.failures.plan(
        InMemoryArchiver.OPERATION, "AccessDeniedException", "not allowed", subject="uid-a"
    )
    outcomes = [Outcome(name, Status.DONE, "applied") for name in ("a", "b")]
    results = archive_done(archiver, [finding("a"), finding("b")], outcomes, "restricted", ON)
    assert [r.failed for r in results] == [True, False]
    assert (
        results[0]
        .line()
        .startswith(
            "failed: archive securityhub finding uid-a about a (restricted, which stands): "
        )
    )
    assert archiver.archived == [("uid-b", "dormant restricted role b on 2026-12-07")]
