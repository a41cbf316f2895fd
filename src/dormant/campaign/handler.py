"""The retire stack's Lambda edge: EventBridge Scheduler invokes ``lambda_handler`` daily.

Thin like ``dormant.handler``: read the settings from the function's environment (the
stack's parameters), build the adapters (IAM, the stack's bucket for backups, its topic
and, when given, the webhook whose URL a Secrets Manager secret holds), run the campaign
once (``dormant.campaign.run``) under the run's lease (``dormant.aws.lease``: two runs never
overlap), log one JSON summary line. The webhook's URL is checked before any change.

What references each role is asked before any delete (``REFERENCES``: ``config``, the
default, reads IAM's data, with the roles and no extra call, and AWS Config's advanced
queries in the function's Region; ``iam`` IAM alone): a referenced role is never deleted,
nor one where Config left a gap, unless ``FORCE_UNCOVERED`` is ``true`` (the stack's
``ForceUncovered``). A stack's role is read from the stacks, never from tags.

``FINDING_SOURCE`` (the stack's ``Source``): with ``access-analyzer`` the run reads the
account's unused-access analyzer's ACTIVE UnusedIAMRole findings about this account
(``ANALYZER_ARN``, else the first active one) and notices, quarantines or deletes only the
roles that finding and dormant agree on; with ``ARCHIVE_FINDINGS`` ``true`` each deleted
role's finding is archived after the delete, and a failed archive fails the invocation
while the delete stands (``dormant.remediation.archive``).

The time is the clock's, never the event's: anyone allowed to invoke the function chooses
its event. The schedule's ``scheduled_time`` is only checked: a value more than 15 minutes
from the clock (or unreadable) fails the run before any call, with one line naming the
field. The run has a time budget (``dormant.remediation.budget``) read from Lambda's
context: no owner's changes start under its margin, a delete starts only if it can
finish, and a notice may take only what is left above the margin. The clients that change
AWS have connect and read timeouts and a retry cap, so that each call's worst case is
known (``CALL_MS``).
A failed run, or a run in which any planned change failed, raises, so that Lambda records
a failed invocation; the next day's run takes the rest (each run is idempotent).

Roles, and with ``ASSIGNMENTS=Enabled`` (the stack's ``Assignments``) Identity Center's
assignments (``dormant.campaign.identity_center``); never users: their quarantine writes
an inline policy, which the stack's role may not.
Must never import the command line (click, rich, jinja2) or the simulation (moto).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.config

from dormant.aws.findings_source import finding_reader, read_all
from dormant.aws.lease import RunLease
from dormant.aws.s3 import S3ObjectStore
from dormant.aws.secrets import secret_text
from dormant.aws.session import client_config, make_session
from dormant.aws.sns import SnsChannel
from dormant.campaign.assignments import AssignmentCampaignReport
from dormant.campaign.environment import RetireEnvironment
from dormant.campaign.identity_center import retire_assignments
from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.core.aws_findings import FindingSource
from dormant.core.clock import Clock, system_clock
from dormant.core.errors import DormantError, InvalidEvent
from dormant.notify.channel import Channel
from dormant.notify.webhook import WebhookChannel
from dormant.remediation.budget import Budget, worst_call_ms
from dormant.roles.agreement import AgreedRoles, agreed_roles
from dormant.roles.aws import IamRoleSource
from dormant.roles.aws_findings import ROLE_FINDING_TYPES
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.aws_references.config import config_finder
from dormant.roles.aws_stacks import with_stacks
from dormant.roles.references import ReferenceFinder, accepting_gaps, combined
from dormant.roles.remediate.backup_store import ObjectBackupStore

__all__ = [
    "SCHEDULE_TOLERANCE",
    "RetireEnvironment",
    "check_scheduled_time",
    "lambda_handler",
    "run_once",
]

logger = logging.getLogger("dormant")
logger.setLevel(logging.INFO)
# botocore's debug lines quote request and response bodies (the webhook URL that
# GetSecretValue returns) and session tokens; the function's logs, kept for months, never
# carry them, whatever log level Lambda is set to.
logging.getLogger("botocore").setLevel(logging.INFO)

# The schedule's time may differ from the clock by this much (Scheduler's delivery, a cold
# start); anything further is not the stack's schedule, and the run changes nothing.
SCHEDULE_TOLERANCE = timedelta(minutes=15)

# The clients that change AWS (IAM writes, S3, SNS): a call's worst case is bounded, so the
# budget can cost a delete before it starts.
_CONNECT_S, _READ_S, _ATTEMPTS = 3.0, 10.0, 3
CALL_MS = worst_call_ms(_CONNECT_S, _READ_S, _ATTEMPTS)


def check_scheduled_time(event: object, now: datetime) -> None:
    """Accept the event's ``scheduled_time`` only within ``SCHEDULE_TOLERANCE`` of ``now``
    (the clock's); absent, it is not needed. It never sets the time: it is only checked."""
    if not isinstance(event, Mapping):
        raise InvalidEvent(
            f"the event is a JSON {type(event).__name__}, not an object; nothing was changed"
        )
    raw = event.get("scheduled_time")
    if raw is None or raw == "":
        return
    shown = f"{str(raw)[:40]!r}"
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(
            f"event field scheduled_time: {shown} is not an ISO 8601 time; nothing was changed"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidEvent(
            f"event field scheduled_time: {shown} has no time zone; nothing was changed"
        )
    if abs(parsed - now) > SCHEDULE_TOLERANCE:
        raise InvalidEvent(
            f"event field scheduled_time: {shown} is not within "
            f"{SCHEDULE_TOLERANCE.seconds // 60} minutes of the function's clock "
            f"({now.astimezone(UTC).isoformat(timespec='seconds')}); the run takes its time "
            "from the clock, never from the event: nothing was changed"
        )


def reference_finder(
    settings: RetireEnvironment, session: Any, source: IamRoleSource, account_id: str
) -> ReferenceFinder:
    """IAM's references (read with the roles, no extra call), and with ``config`` AWS
    Config's advanced queries in the function's Region; gaps accepted with
    ``FORCE_UNCOVERED``."""
    finders: list[ReferenceFinder] = [source.iam_references()]
    if settings.references == "config":
        config = client_config()
        region = session.region_name or os.environ.get("AWS_REGION") or "us-east-1"
        finders.append(
            config_finder(
                lambda where: session.client("config", region_name=where, config=config),
                account_id=account_id,
                regions=[region],
                warn=lambda message: logger.warning(json.dumps({"warning": message})),
            )
        )
    finder = combined(finders)
    return accepting_gaps(finder) if settings.force_uncovered else finder


def _summary(report: CampaignReport, mode: str) -> dict[str, object]:
    steps = [str(r.record()["step"]) for r in report.results]
    sourced: dict[str, object] = {}
    if report.source is not None:
        # Access Analyzer keeps no note with an archived finding: this line is the record.
        sourced = {
            "source": report.source,
            "archives": [a.line() for a in report.archives],
            "source_notes": list(report.source_notes),
        }
    return {
        **sourced,
        "account_id": report.account_id,
        "mode": mode,
        "steps": {name: steps.count(name) for name in sorted(set(steps))},
        "done": sum(1 for r in report.results if r.done),
        # Which backup version each deleted role's restore reads (its tag went with it).
        "backups": sorted(
            str(r.outcome.backup)
            for r in report.roles
            if r.done and r.outcome is not None and r.outcome.backup is not None
        ),
        "failed": report.failed,
        "notices": [
            {"owner": n.owner, "delivered": n.delivered, "resources": len(n.resources)}
            for n in report.notices
        ],
    }


def _aws_findings(
    settings: RetireEnvironment,
    session: Any,
    roles: list[Any],
    account_id: str,
    now: datetime,
    config: botocore.config.Config,
) -> tuple[AgreedRoles | None, Any]:
    """With a source: AWS's findings about this account's roles joined with dormant's
    decision, and the archiver that closes them; (None, None) with dormant's own."""
    if settings.source is FindingSource.DORMANT:
        return None, None
    reader = finding_reader(
        settings.source, session, account_id, analyzer_arn=settings.analyzer_arn, config=config
    )
    read = read_all(reader, ROLE_FINDING_TYPES, owner_account=account_id)
    agreed = agreed_roles(
        read.findings,
        roles,
        source=read.source.value,
        settings=settings.settings,
        now=now,
        account_id=account_id,
    )
    for failure in agreed.failures:
        logger.warning(json.dumps({"warning": failure.message}))
    return agreed, read.archiver


def _bounded_config() -> botocore.config.Config:
    bounds = botocore.config.Config(
        connect_timeout=_CONNECT_S,
        read_timeout=_READ_S,
        retries={"mode": "standard", "max_attempts": _ATTEMPTS},
    )
    return client_config().merge(bounds)


def run_once(
    event: Mapping[str, Any],
    env: Mapping[str, str],
    *,
    clock: Clock = system_clock,
    remaining_ms: Callable[[], int] | None = None,
) -> dict[str, object]:
    """One run of the campaign in the function's account, as the function's role, at the
    time ``clock`` gives; ``remaining_ms`` (Lambda's time left) bounds what starts."""
    settings = RetireEnvironment(env)
    now = clock()
    check_scheduled_time(event, now)
    budget = Budget(remaining_ms, call_ms=CALL_MS)
    config = _bounded_config()
    session = make_session()
    channels: list[Channel] = [SnsChannel(session.client("sns", config=config), settings.topic_arn)]
    if settings.webhook_secret_arn is not None:
        secrets = session.client("secretsmanager", config=config)
        url = secret_text(secrets, settings.webhook_secret_arn)
        # Checked here, before any change; a bad URL is blamed on the secret, never quoted.
        channels.append(
            WebhookChannel(url, name=f"WebhookSecretArn ({settings.webhook_secret_arn})")
        )
    s3 = session.client("s3", config=config)
    objects = S3ObjectStore(s3, settings.bucket, settings.prefix)
    objects.check_versioning()
    mutator = IamRoleMutator.from_session(session, config)
    caller = mutator.caller()
    # Reading the roles may retry longer: until it is done nothing has changed.
    iam = session.client("iam", config=client_config())
    # Never two runs at once: the roles are read, and changed, only under the run's lease.
    lease = RunLease(s3, settings.bucket, settings.lease_key, clock=clock)
    campaign = Campaign(
        notice_days=settings.notice_days,
        after_days=settings.after_days,
        max_roles=settings.max_roles,
        default_owner=settings.default_owner,
        contact=settings.contact,
        apply=True,
        channels=tuple(channels),
        managed_policy_arn=settings.policy_arn,
        notices_only=settings.mode == "Notify",
    )
    assigned: AssignmentCampaignReport | None = None
    unread: list[dict[str, str]] = []
    with lease.held():
        source = IamRoleSource(iam, account_id=caller.account_id, references=True)
        # A stack's role is its stack's to retire: read from the stacks, never from tags.
        roles = with_stacks(list(source.roles()), mutator.stacks())
        agreed, archiver = _aws_findings(settings, session, roles, caller.account_id, now, config)
        report = run_campaign(
            account_id=caller.account_id,
            roles=roles,
            role_mutator=mutator,
            settings=settings.settings,
            now=now,
            campaign=campaign,
            backups=ObjectBackupStore(objects),
            clock=clock,
            caller_arn=caller.arn,
            references=reference_finder(settings, session, source, caller.account_id),
            budget=budget,
            source=agreed,
            archiver=archiver if settings.archive else None,
        )
        if settings.assignments.enabled:
            assigned, unread = retire_assignments(
                session,
                s3,
                bucket=settings.bucket,
                caller_account=caller.account_id,
                caller_arn=caller.arn,
                environment=settings.assignments,
                settings=settings.settings,
                now=now,
                campaign=campaign,
                clock=clock,
                budget=budget,
                sso_config=config,
            )
    summary = _summary(report, settings.mode)
    if assigned is not None:
        summary["assignments"] = _assignments_summary(assigned, unread)
    logger.info(json.dumps(summary, sort_keys=True))
    assigned_failed = [r for r in assigned.results if r.failed] if assigned is not None else []
    if report.failed or assigned_failed:
        if report.failed:
            first = report.first_failure()
        else:
            outcome = assigned_failed[0].outcome
            first = outcome.message if outcome is not None else "failed"
        raise DormantError(
            f"{report.failed + len(assigned_failed)} planned changes failed in account "
            f"{report.account_id}, the first: {first}; the others were made (see the summary line)"
        )
    return summary


def _assignments_summary(
    report: AssignmentCampaignReport, unread: list[dict[str, str]]
) -> dict[str, object]:
    """What the run did to Identity Center's assignments; the accounts whose member role
    could not be read are listed (the next run tries them again)."""
    steps = [str(r.retirement.step) for r in report.results]
    return {
        "steps": {name: steps.count(name) for name in sorted(set(steps))},
        "done": sum(1 for r in report.results if r.done),
        "backups": sorted(
            str(r.outcome.backup)
            for r in report.results
            if r.done and r.outcome is not None and r.outcome.backup is not None
        ),
        "failed": report.failed,
        "accounts_not_read": unread,
    }


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, object]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    try:
        return run_once(
            event, dict(os.environ), remaining_ms=remaining if callable(remaining) else None
        )
    except DormantError as exc:
        logger.error(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        raise
