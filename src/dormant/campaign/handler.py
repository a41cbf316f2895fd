"""The retire stack's Lambda edge: EventBridge Scheduler invokes ``lambda_handler`` daily.

Thin like ``dormant.handler``: read the settings from the function's environment (the
stack's parameters), build the adapters (IAM, the stack's bucket for backups, its topic
and, when given, the webhook whose URL a Secrets Manager secret holds), run the campaign
once (``dormant.campaign.run``), log one JSON summary line. The day is the schedule's
(``scheduled_time`` in the event, which the stack's schedule sends), else the clock's.
What references each role is asked before any delete (``REFERENCES``: ``config``, the
default, reads IAM's data and AWS Config's advanced queries in the function's Region; ``iam``
IAM alone): a referenced role is never deleted, nor one where Config left a gap, unless
``FORCE_UNCOVERED`` is ``true`` (the stack's ``ForceUncovered``).
A failed run, or a run in which any planned change failed, raises, so that Lambda records
a failed invocation; the next day's run takes the rest (each run is idempotent).

Roles only: users' quarantine writes an inline policy, which the stack's role may not.
Must never import the command line (click, rich, jinja2) or the simulation (moto).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dormant.aws.s3 import S3ObjectStore
from dormant.aws.secrets import secret_text
from dormant.aws.session import client_config, make_session
from dormant.aws.sns import SnsChannel
from dormant.campaign.run import Campaign, CampaignReport, run_campaign
from dormant.core.errors import DormantError, InvalidParameter
from dormant.core.settings import settings_from_parameters
from dormant.notify.channel import Channel
from dormant.notify.webhook import WebhookChannel
from dormant.roles.aws import IamRoleSource
from dormant.roles.aws_mutator import IamRoleMutator
from dormant.roles.aws_references.config import config_finder
from dormant.roles.aws_stacks import with_stacks
from dormant.roles.references import ReferenceFinder, accepting_gaps, combined
from dormant.roles.remediate.backup_store import ObjectBackupStore

__all__ = ["RetireEnvironment", "lambda_handler"]

logger = logging.getLogger("dormant")
logger.setLevel(logging.INFO)

MODES = ("Notify", "Apply")
REFERENCE_SOURCES = ("config", "iam")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(name, f"{raw!r} is not a whole number") from None
    if value < minimum:
        raise InvalidParameter(name, f"{value} is below {minimum}")
    return value


def _text(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = _text(env, name)
    if value is None:
        raise InvalidParameter(name, "is empty; the stack sets it")
    return value


class RetireEnvironment:
    """The function's environment variables, read and checked (one line per bad value)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.mode = env.get("RETIRE_MODE", "Notify").strip() or "Notify"
        if self.mode not in MODES:
            raise InvalidParameter("RETIRE_MODE", f"{self.mode!r} is not Notify or Apply")
        self.notice_days = _int(env, "NOTICE_DAYS", 14, 1)
        self.after_days = _int(env, "AFTER_DAYS", 30, 1)
        self.max_roles = _int(env, "MAX_ROLES_PER_RUN", 10, 1)
        self.topic_arn = _required(env, "NOTIFY_TOPIC_ARN")
        self.bucket = _required(env, "BACKUP_BUCKET")
        self.policy_arn = _required(env, "QUARANTINE_POLICY_ARN")
        self.prefix = env.get("BACKUP_PREFIX", "roles/")
        self.webhook_secret_arn = _text(env, "WEBHOOK_SECRET_ARN")
        self.default_owner = _text(env, "DEFAULT_OWNER")
        self.contact = _text(env, "CONTACT")
        self.references = env.get("REFERENCES", "").strip() or "config"
        if self.references not in REFERENCE_SOURCES:
            raise InvalidParameter("REFERENCES", f"{self.references!r} is not config or iam")
        force_uncovered = env.get("FORCE_UNCOVERED", "").strip() or "false"
        if force_uncovered not in ("true", "false"):
            raise InvalidParameter("FORCE_UNCOVERED", f"{force_uncovered!r} is not true or false")
        self.force_uncovered = force_uncovered == "true"
        self.settings = settings_from_parameters({}, env)


def scheduled_time(event: Mapping[str, Any]) -> datetime:
    """The schedule's time (``scheduled_time``, ISO 8601), else now."""
    raw = event.get("scheduled_time") if isinstance(event, Mapping) else None
    if not raw:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter("scheduled_time", f"{raw!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise InvalidParameter("scheduled_time", f"{raw!r} has no time zone")
    return parsed.astimezone(UTC)


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
    return {
        "account_id": report.account_id,
        "mode": mode,
        "steps": {name: steps.count(name) for name in sorted(set(steps))},
        "done": sum(1 for r in report.results if r.done),
        "failed": report.failed,
        "notices": [
            {"owner": n.owner, "delivered": n.delivered, "resources": len(n.resources)}
            for n in report.notices
        ],
    }


def run_once(event: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, object]:
    """One run of the campaign in the function's account, as the function's role."""
    settings = RetireEnvironment(env)
    now = scheduled_time(event)
    config = client_config()
    session = make_session()
    channels: list[Channel] = [SnsChannel(session.client("sns", config=config), settings.topic_arn)]
    if settings.webhook_secret_arn is not None:
        secrets = session.client("secretsmanager", config=config)
        channels.append(WebhookChannel(secret_text(secrets, settings.webhook_secret_arn)))
    objects = S3ObjectStore(session.client("s3", config=config), settings.bucket, settings.prefix)
    objects.check_versioning()
    mutator = IamRoleMutator.from_session(session, config)
    caller = mutator.caller()
    iam = session.client("iam", config=config)
    source = IamRoleSource(iam, account_id=caller.account_id, references=True)
    # A stack's role is its stack's to retire: read from the stacks, never from tags.
    roles = with_stacks(list(source.roles()), mutator.stacks())
    report = run_campaign(
        account_id=caller.account_id,
        roles=roles,
        role_mutator=mutator,
        settings=settings.settings,
        now=now,
        campaign=Campaign(
            notice_days=settings.notice_days,
            after_days=settings.after_days,
            max_roles=settings.max_roles,
            default_owner=settings.default_owner,
            contact=settings.contact,
            apply=True,
            channels=tuple(channels),
            managed_policy_arn=settings.policy_arn,
            notices_only=settings.mode == "Notify",
        ),
        backups=ObjectBackupStore(objects),
        clock=lambda: now,
        caller_arn=caller.arn,
        references=reference_finder(settings, session, source, caller.account_id),
    )
    summary = _summary(report, settings.mode)
    logger.info(json.dumps(summary, sort_keys=True))
    if report.failed:
        first = next(r for r in report.results if r.failed)
        why = first.outcome.message if first.outcome is not None else "failed"
        raise DormantError(
            f"{report.failed} planned changes failed in account {report.account_id}, "
            f"the first: {why}; the others were made (see the summary line)"
        )
    return summary


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, object]:
    try:
        return run_once(event, dict(os.environ))
    except DormantError as exc:
        logger.error(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        raise
