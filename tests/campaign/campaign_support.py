"""The retire campaign run over dormant.testing's fakes as the deployed stack runs it:
the managed deny, a versioned bucket for backups, one channel, 14 days of notice, 30 after
the quarantine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.core.settings import Settings
from dormant.remediation import Status, Target
from dormant.remediation.budget import Budget
from dormant.roles.model import Role
from dormant.roles.remediate import quarantine
from dormant.roles.remediate.backup_store import ObjectBackupStore
from dormant.testing import InMemoryChannel, InMemoryObjectStore, InMemoryRoleMutator

DAY0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
DENY = f"arn:aws:iam::{ACCOUNT}:policy/dormant/dormant-quarantine-deny"
EXTRA = f"arn:aws:iam::{ACCOUNT}:policy/app-extra"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}],
}


def on(day: int, hours: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hours)


def stale(name: str, owner: str = "team-a", *, full: bool = False) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=DAY0 - timedelta(days=400),
        last_used=DAY0 - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=(("owner", owner),),
        inline_policies=(("app-inline", INLINE),) if full else (),
        attached_policy_arns=(EXTRA,) if full else (),
        account_id=ACCOUNT,
    )


class Account:
    """One account's roles, its bucket and its owners' channel, run as the stack runs."""

    def __init__(self) -> None:
        self.iam = InMemoryRoleMutator(ACCOUNT, clock=lambda: DAY0)
        self.iam.add_managed_policy(DENY)
        self.iam.add_managed_policy(EXTRA)
        self.objects = InMemoryObjectStore("dormant-backups")
        self.backups = ObjectBackupStore(self.objects)
        self.channel = InMemoryChannel()

    def quarantine_elsewhere(self, name: str, day: int) -> None:
        """Quarantine the role as the command line (or the SSM automation) does: the
        stack's deny and the quarantine tags, no notice, no backup."""
        (done,) = quarantine(
            self.iam,
            [Target(name)],
            settings=Settings(),
            now=on(day),
            apply=True,
            clock=lambda: on(day),
            managed_policy_arn=DENY,
        )
        assert done.status is Status.DONE, done.message

    def roles(self) -> list[Role]:
        states = [self.iam.describe_role(name) for name in self.iam.role_names()]
        return [s.role for s in states if s is not None]

    def run(
        self, now: datetime, *, notices_only: bool = False, budget: Budget | None = None
    ) -> CampaignReport:
        return run_campaign(
            account_id=ACCOUNT,
            roles=self.roles(),
            role_mutator=self.iam,
            settings=Settings(),
            now=now,
            campaign=Campaign(
                notice_days=14,
                after_days=30,
                apply=True,
                channels=(self.channel,),
                managed_policy_arn=DENY,
                notices_only=notices_only,
            ),
            backups=self.backups,
            clock=lambda: now,
            caller_arn=self.iam.caller_arn,
            budget=budget,
        )


def steps(report: CampaignReport) -> dict[str, str]:
    return {r.retirement.role_name: str(r.retirement.step) for r in report.roles}
