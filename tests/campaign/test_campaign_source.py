"""The retire campaign with a source, over dormant.testing's fakes: a role is noticed,
quarantined or deleted only where AWS's ACTIVE finding and dormant agree; each deleted
role's finding is archived after its delete; a refused archive is a failure of its own that
never undoes or hides the delete; a dry run, a notice, a quarantine archive nothing.
"""

from __future__ import annotations

from datetime import datetime

from campaign_support import ACCOUNT, DENY, Account, on, stale, steps

from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.core.aws_findings import AwsFinding
from dormant.core.settings import Settings
from dormant.remediation.outcome import Status
from dormant.roles.agreement import AgreedRoles, agreed_roles
from dormant.testing import InMemoryArchiver

ANALYZER = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"


def finding(name: str, analyzed: datetime) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"finding-{name}",
        type="UnusedIAMRole",
        status="ACTIVE",
        analyzed_at=analyzed,
        resource_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        account_id=ACCOUNT,
        window_days=Settings().max_days,
        analyzer_arn=ANALYZER,
    )


def run(
    account: Account,
    now: datetime,
    findings: list[AwsFinding],
    archiver: InMemoryArchiver | None = None,
    *,
    apply: bool = True,
) -> CampaignReport:
    roles = account.roles()
    agreed = agreed_roles(
        findings,
        roles,
        source="access-analyzer",
        settings=Settings(),
        now=now,
        account_id=ACCOUNT,
    )
    return run_campaign(
        account_id=ACCOUNT,
        roles=roles,
        role_mutator=account.iam,
        settings=Settings(),
        now=now,
        campaign=Campaign(
            notice_days=14,
            after_days=30,
            apply=apply,
            channels=(account.channel,),
            managed_policy_arn=DENY,
        ),
        backups=account.backups,
        clock=lambda: now,
        caller_arn=account.iam.caller_arn,
        source=agreed,
        archiver=archiver,
    )


def test_only_roles_aws_and_dormant_both_call_unused_change() -> None:
    account = Account()
    for name in ("AppRole", "BatchRole", "DataRole"):
        account.iam.add_role(stale(name))
    archiver = InMemoryArchiver()
    # AWS has no finding about BatchRole (the team archived it, or its window is longer);
    # DataRole was used after AWS's analysis.
    findings = [finding("AppRole", on(0, -2)), finding("DataRole", on(0, -2))]
    account.iam.record_use("DataRole", on(0, -1))
    day0 = run(account, on(0), findings, archiver)
    assert steps(day0) == {"AppRole": "notify", "BatchRole": "keep"}
    kept = {r.retirement.role_name: r.retirement.reason for r in day0.roles}
    assert kept["BatchRole"] == (
        "not notify: access-analyzer has no ACTIVE unused-role finding about it"
    )
    assert steps(run(account, on(15), findings, archiver)) == {
        "AppRole": "quarantine",
        "BatchRole": "keep",
    }
    day45 = run(account, on(45), findings, archiver)
    assert steps(day45) == {"AppRole": "delete", "BatchRole": "keep"}
    assert sorted(account.iam.role_names()) == ["BatchRole", "DataRole"]
    ((finding_id, note),) = archiver.archived
    assert finding_id == "finding-AppRole"
    assert note.startswith(f"dormant deleted role AppRole on {on(45).date().isoformat()}")
    assert "backup: " in note
    assert [a.archived for a in day45.archives] == [True]
    assert day45.failed == 0
    assert day45.record()["source"] == "access-analyzer"


def test_a_role_used_after_aws_analysis_is_not_deleted() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    findings = [finding("AppRole", on(0, -2))]
    run(account, on(0), findings)
    run(account, on(15), findings)
    account.iam.record_use("AppRole", on(41))
    day45 = run(account, on(45), findings, InMemoryArchiver())
    assert steps(day45) == {"AppRole": "clear"}
    assert account.iam.role_names() == ["AppRole"]
    assert day45.archives == ()


def test_a_refused_archive_is_its_own_failure_and_the_delete_stands() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    findings = [finding("AppRole", on(0, -2))]
    run(account, on(0), findings)
    run(account, on(15), findings)
    archiver = InMemoryArchiver(account_id=ACCOUNT)
    archiver.failures.plan(
        InMemoryArchiver.OPERATION,
        "AccessDeniedException",
        "not authorized to perform: access-analyzer:UpdateFindings",
        subject="finding-AppRole",
    )
    day45 = run(account, on(45), findings, archiver)
    (deleted,) = day45.roles
    assert deleted.outcome is not None
    assert deleted.outcome.status is Status.DONE
    assert account.iam.role_names() == []
    assert day45.failed == 1
    (archive,) = day45.archives
    assert archive.failed
    assert archive.line().startswith(
        "failed: archive access-analyzer finding finding-AppRole about AppRole "
        "(deleted, which stands): access-analyzer:UpdateFindings in account "
        f"{ACCOUNT} denied: AccessDeniedException"
    )
    assert day45.first_failure() == archive.line()
    assert archiver.archived == []


def test_a_dry_run_and_the_steps_before_a_delete_archive_nothing() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    findings = [finding("AppRole", on(0, -2))]
    archiver = InMemoryArchiver()
    run(account, on(0), findings, archiver)
    run(account, on(15), findings, archiver)
    dry = run(account, on(45), findings, archiver, apply=False)
    assert steps(dry) == {"AppRole": "delete"}
    assert (dry.archives, archiver.archived) == ((), [])
    assert account.iam.role_names() == ["AppRole"]


def test_without_a_source_nothing_is_held_and_the_report_keeps_its_shape() -> None:
    account = Account()
    account.iam.add_role(stale("AppRole"))
    report = account.run(on(0))
    assert steps(report) == {"AppRole": "notify"}
    assert set(report.record()) == {"kind", "account_id", "steps", "notices"}
    empty = AgreedRoles("access-analyzer", {}, {})
    assert empty.hold("arn:aws:iam::111111111111:role/AppRole") is not None
