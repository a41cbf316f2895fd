"""The retire function's environment, read and checked before anything else runs.

`RetireEnvironment` turns the variables the retire stack sets (deploy/retire.yaml) into
checked values; a bad value is one `InvalidParameter` naming the variable, raised before any
AWS call. Nothing here calls AWS or reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping

from dormant.campaign.identity_center import AssignmentsEnvironment
from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter
from dormant.core.settings import settings_from_parameters

__all__ = ["MODES", "REFERENCE_SOURCES", "RetireEnvironment", "text_variable"]

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


def text_variable(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _required(env: Mapping[str, str], name: str) -> str:
    value = text_variable(env, name)
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
        # The run's lease, in the backup bucket beside (never under) the backups.
        self.lease_key = text_variable(env, "LEASE_KEY") or "lease/retire-run.json"
        if self.lease_key.startswith(self.prefix):
            raise InvalidParameter("LEASE_KEY", f"must not be under BACKUP_PREFIX {self.prefix}")
        self.webhook_secret_arn = text_variable(env, "WEBHOOK_SECRET_ARN")
        self.default_owner = text_variable(env, "DEFAULT_OWNER")
        self.contact = text_variable(env, "CONTACT")
        self.references = env.get("REFERENCES", "").strip() or "config"
        if self.references not in REFERENCE_SOURCES:
            raise InvalidParameter("REFERENCES", f"{self.references!r} is not config or iam")
        force_uncovered = env.get("FORCE_UNCOVERED", "").strip() or "false"
        if force_uncovered not in ("true", "false"):
            raise InvalidParameter("FORCE_UNCOVERED", f"{force_uncovered!r} is not true or false")
        self.force_uncovered = force_uncovered == "true"
        self.settings = settings_from_parameters({}, env)
        raw_source = env.get("FINDING_SOURCE", "").strip() or FindingSource.DORMANT.value
        try:
            self.source = FindingSource(raw_source)
        except ValueError:
            choices = ", ".join(s.value for s in FindingSource)
            raise InvalidParameter(
                "FINDING_SOURCE", f"{raw_source!r} is not one of {choices}"
            ) from None
        self.analyzer_arn = text_variable(env, "ANALYZER_ARN")
        if self.analyzer_arn is not None and (
            self.source is not FindingSource.ACCESS_ANALYZER
            or ":analyzer/" not in self.analyzer_arn
        ):
            raise InvalidParameter(
                "ANALYZER_ARN", "names an analyzer's ARN, with FINDING_SOURCE access-analyzer"
            )
        archive = env.get("ARCHIVE_FINDINGS", "").strip() or "false"
        if archive not in ("true", "false"):
            raise InvalidParameter("ARCHIVE_FINDINGS", f"{archive!r} is not true or false")
        self.archive = archive == "true"
        if self.archive and self.source is FindingSource.DORMANT:
            raise InvalidParameter(
                "ARCHIVE_FINDINGS", "true needs FINDING_SOURCE access-analyzer or securityhub"
            )
        self.assignments = AssignmentsEnvironment(env)
