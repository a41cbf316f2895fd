"""IAM's credential report as AWS produces it, where moto's differs.

- GenerateCredentialReport takes a few calls: ``STARTED``, then ``INPROGRESS`` until the
  report is ready, then ``COMPLETE`` (``set_report_polls``); moto completes at once. A
  finished report is kept, as AWS keeps it for four hours: later changes show in the next
  one (``expire_reports``).
- GetCredentialReport fails with ``ReportNotPresent`` before a generation was started and
  ``ReportInProgress`` while it runs; its ``GeneratedTime`` is when the report was made.
- The report's cells hold AWS's values: ``N/A`` for a password the user does not have and
  for keys never used (moto writes ``not_supported`` and the creation time), the account's
  root user as the first row (``<root_account>``, which moto leaves out), the password's
  own last change, and the region and service of each key's last use.
- Settable facts no API can set: when a user was created, when its password was last used
  and changed, when each access key was created and last used (where, by which service),
  and the root user's access keys.

Test support over moto's private classes (`IamResponse`, `iam.models`); never imported by
dormant's Lambda path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.iam import models as iam_models
from moto.iam.responses import IamResponse

from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError

__all__ = [
    "DEFAULT_REPORT_POLLS",
    "PATCHES",
    "RootKey",
    "expire_reports",
    "report_csv",
    "reset",
    "set_access_key_created",
    "set_access_key_last_used",
    "set_password_changed",
    "set_password_last_used",
    "set_report_polls",
    "set_root_access_keys",
    "set_user_created",
]

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
# GenerateCredentialReport calls that answer STARTED/INPROGRESS before one says COMPLETE.
DEFAULT_REPORT_POLLS = 2
REPORT_LIFETIME = timedelta(hours=4)  # AWS regenerates a report only when it is older
_ROOT_CREATED = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RootKey:
    """An access key of the root user, as the report shows it."""

    active: bool
    created: datetime
    last_used: datetime | None = None
    region: str | None = None
    service: str | None = None


@dataclass
class _Report:
    calls_left: int
    content: str | None = None
    generated_at: datetime | None = None


@dataclass
class _State:
    polls: int = DEFAULT_REPORT_POLLS
    reports: dict[str, _Report] = field(default_factory=dict)
    root_keys: dict[str, tuple[RootKey, ...]] = field(default_factory=dict)
    password_changed: dict[tuple[str, str], datetime] = field(default_factory=dict)


_lock = threading.Lock()
_state = _State()


def _backend(account_id: str) -> Any:
    return iam_models.iam_backends[account_id]["aws"]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _cell_time(moment: Any) -> str:
    when = moment.timestamp if isinstance(moment, iam_models.AccessKeyLastUsed) else moment
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# ---- settable facts ---------------------------------------------------------------------


def set_report_polls(calls: int) -> None:
    """How many GenerateCredentialReport calls answer before the report is COMPLETE."""
    if calls < 0:
        raise ValueError("calls must be >= 0")
    with _lock:
        _state.polls = calls


def expire_reports(account_id: str | None = None) -> None:
    """Forget finished reports (of one account), as if four hours had passed."""
    with _lock:
        if account_id is None:
            _state.reports.clear()
        else:
            _state.reports.pop(account_id, None)


def set_user_created(account_id: str, user_name: str, when: datetime) -> None:
    _backend(account_id).get_user(user_name).create_date = _utc(when)


def set_password_last_used(account_id: str, user_name: str, when: datetime | None) -> None:
    """Also what GetUser returns as ``PasswordLastUsed``."""
    _backend(account_id).get_user(user_name).password_last_used = (
        None if when is None else _utc(when)
    )


def set_password_changed(account_id: str, user_name: str, when: datetime) -> None:
    with _lock:
        _state.password_changed[(account_id, user_name)] = _utc(when)


def _key(account_id: str, user_name: str, access_key_id: str) -> Any:
    for key in _backend(account_id).get_user(user_name).access_keys:
        if key.access_key_id == access_key_id:
            return key
    raise KeyError(f"user {user_name} has no access key {access_key_id}")


def set_access_key_created(
    account_id: str, user_name: str, access_key_id: str, when: datetime
) -> None:
    _key(account_id, user_name, access_key_id).create_date = _utc(when)


def set_access_key_last_used(
    account_id: str,
    user_name: str,
    access_key_id: str,
    when: datetime | None,
    *,
    region: str = "us-east-1",
    service: str = "s3",
) -> None:
    """Also what GetAccessKeyLastUsed returns."""
    key = _key(account_id, user_name, access_key_id)
    key.last_used = (
        None if when is None else iam_models.AccessKeyLastUsed(_utc(when), service, region)
    )


def set_root_access_keys(account_id: str, keys: tuple[RootKey, ...]) -> None:
    with _lock:
        _state.root_keys[account_id] = keys


# ---- the report ---------------------------------------------------------------------------


def _key_cells(key: Any) -> list[str]:
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    used = key.last_used
    if used is None:
        return ["true" if key.status == "Active" else "false", _cell_time(key.create_date)] + [
            "N/A"
        ] * 3
    region = getattr(used, "region", None) or "N/A"
    service = getattr(used, "service", None) or "N/A"
    return [
        "true" if key.status == "Active" else "false",
        _cell_time(key.create_date),
        _cell_time(used),
        region,
        service,
    ]


def _root_key_cells(key: RootKey | None) -> list[str]:
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    return [
        "true" if key.active else "false",
        _cell_time(key.created),
        "N/A" if key.last_used is None else _cell_time(key.last_used),
        key.region or "N/A",
        key.service or "N/A",
    ]


def _root_row(account_id: str, keys: tuple[RootKey, ...]) -> str:
    padded = (*keys, None, None)
    cells = [
        "<root_account>",
        f"arn:aws:iam::{account_id}:root",
        _cell_time(_ROOT_CREATED),
        "not_supported",
        "no_information",
        "not_supported",
        "not_supported",
        "false",
        *_root_key_cells(padded[0]),
        *_root_key_cells(padded[1]),
        "false",
        "N/A",
        "false",
        "N/A",
    ]
    return ",".join(cells)


def _user_row(account_id: str, user: Any, changed: dict[tuple[str, str], datetime]) -> str:
    has_password = bool(user.password)
    if user.password_last_used is not None:
        password_used = _cell_time(user.password_last_used)
    else:
        password_used = "no_information" if has_password else "N/A"
    if has_password:
        password_changed = _cell_time(changed.get((account_id, user.name), user.create_date))
    else:
        password_changed = "N/A"
    keys = (*user.access_keys, None, None)
    certificates = list(user.signing_certificates.values())
    cert_cells: list[str] = []
    for certificate in (*certificates, None, None)[:2]:
        if certificate is None:
            cert_cells += ["false", "N/A"]
        else:
            cert_cells += ["true" if certificate.status == "Active" else "false", "N/A"]
    cells = [
        user.name,
        user.arn,
        _cell_time(user.create_date),
        "true" if has_password else "false",
        password_used,
        password_changed,
        "N/A",
        "true" if user.mfa_devices else "false",
        *_key_cells(keys[0]),
        *_key_cells(keys[1]),
        *cert_cells,
    ]
    return ",".join(cells)


def report_csv(account_id: str) -> str:
    """The account's credential report as AWS would write it now."""
    backend = _backend(account_id)
    with _lock:
        root_keys = _state.root_keys.get(account_id, ())
        changed = dict(_state.password_changed)
    rows = [HEADER, _root_row(account_id, root_keys)]
    rows.extend(_user_row(account_id, user, changed) for user in backend.users.values())
    return "\n".join(rows) + "\n"


def _now() -> datetime:
    return datetime.now(UTC)


def _generate_credential_report(self: IamResponse) -> ActionResult:
    account_id = self.current_account
    with _lock:
        report = _state.reports.get(account_id)
        expired = (
            report is not None
            and report.generated_at is not None
            and _now() - report.generated_at > REPORT_LIFETIME
        )
        if report is None or expired:
            report = _Report(calls_left=_state.polls)
            _state.reports[account_id] = report
            first = True
        else:
            first = False
            report.calls_left -= 1
        ready = report.content is not None or report.calls_left <= 0
    if ready and report.content is None:
        content = report_csv(account_id)  # outside the lock: it reads moto's backend
        with _lock:
            report.content = content
            report.generated_at = _now()
    if ready:
        return ActionResult({"State": "COMPLETE"})
    if first:
        return ActionResult(
            {
                "State": "STARTED",
                "Description": "No report exists. Starting a new report generation task",
            }
        )
    return ActionResult({"State": "INPROGRESS"})


def _get_credential_report(self: IamResponse) -> ActionResult:
    with _lock:
        report = _state.reports.get(self.current_account)
    if report is None:
        raise AwsError(
            "ReportNotPresent",
            "Credential report not present. Use GenerateCredentialReport to generate a report.",
        )
    if report.content is None or report.generated_at is None:
        raise AwsError("ReportInProgress", "Credential report generation is in progress.")
    return ActionResult(
        {
            "Content": report.content,
            "ReportFormat": "text/csv",
            "GeneratedTime": report.generated_at,
        }
    )


def reset() -> None:
    """Forget reports, root keys, password changes and the poll count."""
    with _lock:
        _state.polls = DEFAULT_REPORT_POLLS
        _state.reports.clear()
        _state.root_keys.clear()
        _state.password_changed.clear()


PATCHES = (
    Patch(IamResponse, "generate_credential_report", _generate_credential_report),
    Patch(IamResponse, "get_credential_report", _get_credential_report),
)
