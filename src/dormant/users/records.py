"""Read IAM's credential report into ``User`` values, and join them with the users' details.

The report is CSV, one row per user plus the root user (``<root_account>``). Its cells
hold ISO 8601 timestamps, ``true``/``false``, or one of three special values:
``N/A`` (no such credential, or never used), ``no_information`` (never used, or not since
IAM began tracking) and ``not_supported`` (the root user's password columns). Both the
decoded CSV and the JSON that ``aws iam get-credential-report`` prints (base64 ``Content``)
are read. A malformed report (a missing column, a bad value) is one
``CredentialReportError`` naming the row's user and the column.

The report carries no UserId, Path or tags: those come from GetAccountAuthorizationDetails'
UserDetailList, joined here by ARN. Standard library only; nothing here calls AWS.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from dormant.core.errors import CredentialReportError
from dormant.core.time import Timeline, parse_timestamp
from dormant.users.model import Credential, CredentialKind, User

__all__ = [
    "REQUIRED_COLUMNS",
    "dated_users",
    "generated_time",
    "join_user_details",
    "parse_credential_report",
    "read_credential_report",
    "user_from_detail",
]

_KEY_COLUMNS = tuple(
    f"access_key_{n}_{suffix}"
    for n in (1, 2)
    for suffix in (
        "active",
        "last_rotated",
        "last_used_date",
        "last_used_region",
        "last_used_service",
    )
)


REQUIRED_COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    *_KEY_COLUMNS,
)


_NONE = frozenset({"N/A", "no_information", "not_supported"})


_BOOLEANS = {"true": True, "false": False, "not_supported": False}


class _Row:
    """One CSV row, read cell by cell with errors that name the user and the column."""

    def __init__(self, cells: Mapping[str, str | None], where: str, number: int) -> None:
        self._cells = cells
        self._where = where
        self.user = cells.get("user") or f"<row {number}>"

    def fail(self, column: str, problem: str) -> CredentialReportError:
        return CredentialReportError(
            f"credential report {self._where}: user {self.user}: column {column}: {problem}"
        )

    def has(self, column: str) -> bool:
        return self._cells.get(column) is not None

    def text(self, column: str) -> str:
        value = self._cells.get(column)
        if value is None:
            raise self.fail(column, "missing")
        return value.strip()

    def optional_text(self, column: str) -> str | None:
        value = self.text(column)
        return None if value in _NONE or not value else value

    def flag(self, column: str) -> bool:
        # Case does not matter (some tools write TRUE/FALSE); anything else is refused.
        value = self.text(column)
        if value.lower() not in _BOOLEANS:
            raise self.fail(column, f"expected true or false, got {value!r}")
        return _BOOLEANS[value.lower()]

    def moment(self, column: str) -> datetime | None:
        value = self.text(column)
        if value in _NONE:
            return None
        try:
            # The report writes UTC (+00:00): skip the general parser's conversion, which
            # costs more than the rest of a row at 10,000 users.
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo is UTC else parse_timestamp(value, what=column)
        except ValueError:
            raise self.fail(
                column,
                f"expected an ISO 8601 timestamp, N/A, no_information or not_supported, "
                f"got {value!r}",
            ) from None


def _account_and_path(arn: str, name: str) -> tuple[str, str]:
    """``arn:aws:iam::111111111111:user/ci/deployer`` -> (``111111111111``, ``/ci/``)."""
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) > 5 else ""
    resource = parts[5] if len(parts) > 5 else ""
    path = "/"
    if resource.startswith("user/") and resource.endswith("/" + name):
        path = resource[len("user") : len(resource) - len(name)]
    return account, path


def _user(row: _Row) -> User:
    name = row.text("user")
    arn = row.text("arn")
    if not name:
        raise row.fail("user", "empty")
    created = row.moment("user_creation_time")
    if created is None:
        raise row.fail("user_creation_time", "expected an ISO 8601 timestamp")
    credentials: list[Credential] = []
    if row.flag("password_enabled"):
        credentials.append(
            Credential(
                kind=CredentialKind.PASSWORD,
                active=True,
                created=row.moment("password_last_changed") or created,
                last_used=row.moment("password_last_used"),
            )
        )
    else:
        # Read anyway: a bad value is a malformed report whichever credential it is about.
        row.moment("password_last_used")
        row.moment("password_last_changed")
    for kind, n in ((CredentialKind.ACCESS_KEY_1, 1), (CredentialKind.ACCESS_KEY_2, 2)):
        prefix = f"access_key_{n}_"
        active = row.flag(prefix + "active")
        rotated = row.moment(prefix + "last_rotated")
        last_used = row.moment(prefix + "last_used_date")
        region = row.optional_text(prefix + "last_used_region")
        service = row.optional_text(prefix + "last_used_service")
        if rotated is None and not active:
            continue  # no such key
        credentials.append(
            Credential(
                kind=kind,
                active=active,
                created=rotated,
                last_used=last_used,
                last_used_region=region,
                last_used_service=service,
            )
        )
    mfa = row.has("mfa_active") and row.flag("mfa_active")
    account, path = _account_and_path(arn, name)
    return User(
        name=name,
        arn=arn,
        created=created,
        credentials=tuple(credentials),
        path=path,
        mfa_active=mfa,
        account_id=account,
    )


def parse_credential_report(text: str, *, where: str = "") -> list[User]:
    """Every row of a decoded credential report (CSV), the root user's included."""
    where = where or "<report>"
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames
    if not header or "user" not in header:
        raise CredentialReportError(
            f"credential report {where}: no header row with a 'user' column "
            "(expected the CSV of GetCredentialReport)"
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    users: list[User] = []
    for number, cells in enumerate(reader, start=2):
        row = _Row(cells, where, number)
        if missing:
            raise row.fail(missing[0], "missing")
        if None in cells:  # more cells than the header names
            raise row.fail(header[-1], "the row has more cells than the header")
        users.append(_user(row))
    if missing:
        raise CredentialReportError(f"credential report {where}: column {missing[0]}: missing")
    return users


def read_credential_report(text: str, *, where: str = "") -> list[User]:
    """A credential report as the CSV itself, or as the JSON of
    ``aws iam get-credential-report`` (``{"Content": <base64 CSV>, ...}``)."""
    where = where or "<report>"
    if text.lstrip("\ufeff").lstrip().startswith("{"):
        text = _content_of(text, where)
    return parse_credential_report(text, where=where)


def generated_time(text: str, *, where: str = "") -> datetime | None:
    """When AWS generated the report: the ``GeneratedTime`` of the JSON that ``aws iam
    get-credential-report`` prints; None for the bare CSV, which does not say."""
    if not text.lstrip("\ufeff").lstrip().startswith("{"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None  # read_credential_report names what is wrong with it
    value = document.get("GeneratedTime") if isinstance(document, dict) else None
    if value is None:
        return None
    try:
        return parse_timestamp(value, what="GeneratedTime")
    except ValueError as exc:
        raise CredentialReportError(f"credential report {where or '<report>'}: {exc}") from None


# The credential report's columns of each credential's last use, as errors name them.
_LAST_USED_COLUMN = {
    CredentialKind.PASSWORD: "password_last_used",
    CredentialKind.ACCESS_KEY_1: "access_key_1_last_used_date",
    CredentialKind.ACCESS_KEY_2: "access_key_2_last_used_date",
}


def dated_users(users: Iterable[User], timeline: Timeline) -> Iterator[User]:
    """The users that existed at the timeline's ``now``; a use after it is an error."""
    for user in users:
        used = [(_LAST_USED_COLUMN[c.kind], c.last_used) for c in user.credentials]
        if timeline.admit(f"user {user.name}", user.created, used):
            yield user


def _content_of(text: str, where: str) -> str:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CredentialReportError(f"credential report {where}: not valid JSON ({exc})") from None
    content = document.get("Content") if isinstance(document, dict) else None
    if not isinstance(content, str):
        raise CredentialReportError(
            f"credential report {where}: no 'Content' string (expected the JSON of "
            "'aws iam get-credential-report')"
        )
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise CredentialReportError(
            f"credential report {where}: 'Content' is not base64 of UTF-8 text ({exc})"
        ) from None


def join_user_details(
    users: Iterable[User], details: Iterable[Mapping[str, Any]], *, where: str = ""
) -> list[User]:
    """Users with their UserId, Path and tags from GetAccountAuthorizationDetails' UserDetail.

    Joined by ARN. A report row without details is a user deleted after the report was
    generated: it is left out (Config could not name it). The root user has no details
    and is kept as it is. Users created after the report have no row yet: the next report
    holds them.
    """
    by_arn: dict[str, Mapping[str, Any]] = {}
    for detail in details:
        arn = detail.get("Arn")
        if not isinstance(arn, str) or not detail.get("UserId"):
            name = detail.get("UserName") or "<unnamed>"
            raise CredentialReportError(
                f"user {name}{f' in {where}' if where else ''} has no Arn or UserId"
            )
        by_arn[arn] = detail
    joined: list[User] = []
    for user in users:
        if user.is_root:
            joined.append(user)
            continue
        found = by_arn.get(user.arn)
        if found is None:
            continue
        tags = tuple((str(t["Key"]), str(t.get("Value", ""))) for t in found.get("Tags") or ())
        joined.append(
            replace(
                user,
                user_id=str(found["UserId"]),
                path=str(found.get("Path") or user.path),
                tags=tags,
            )
        )
    return joined


def user_from_detail(detail: Mapping[str, Any], *, where: str = "") -> User:
    """A user from its UserDetail alone (no credentials): for naming recorded results."""
    suffix = f" in {where}" if where else ""
    name = str(detail.get("UserName") or detail.get("UserId") or "<unnamed>")
    try:
        arn = str(detail["Arn"])
        created = parse_timestamp(detail["CreateDate"], what="CreateDate")
        tags = tuple((str(t["Key"]), str(t.get("Value", ""))) for t in detail.get("Tags") or ())
        user_id = str(detail["UserId"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CredentialReportError(
            f"user {name}{suffix} has a bad or missing field: {exc}"
        ) from None
    account, path = _account_and_path(arn, name)
    return User(
        name=name,
        arn=arn,
        created=created,
        user_id=user_id,
        path=str(detail.get("Path") or path),
        tags=tags,
        account_id=account,
    )
