"""Where the assignments' retire notices are kept: one state document beside the backups.

A role's notice is a tag on the role. An assignment's notice cannot be a tag: the grain is
the (account, permission set) pair, the permission set is shared by every account (one tag
per account would meet Identity Center's 50 tags per resource long before a 300-account
organization), and tagging it would change the permission set, which dormant never does.
So the notices are one JSON document, ``assignment-notices.json``, in the same store as
the backups (``--backup-dir``: a folder, or the versioned S3 bucket of the deployed stack,
whose versions keep every earlier state). It maps ``ACCOUNT/PERMISSION_SET`` to the UTC
day of the notice delivered for the pair. It is read once per run and written after each
owner's notices were delivered and changes made: a notice is recorded only once delivered,
so a run stopped midway can only give a notice again, never unassign without one.

Never decides anything; never writes anything but this one document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dormant.assignments.remediate.backup import TextStore
from dormant.core.errors import RoleDataError
from dormant.remediation.notice import parse_notice_day

__all__ = ["NOTICES_FORMAT", "NOTICES_NAME", "NoticeBook", "pair_key"]

NOTICES_NAME = "assignment-notices.json"
NOTICES_FORMAT = "dormant.assignment-notices"
_VERSION = 1


def pair_key(account_id: str, permission_set_name: str) -> str:
    """``111111111111/ReadOnly``: a permission set name never holds a slash."""
    return f"{account_id}/{permission_set_name}"


@dataclass(frozen=True, slots=True)
class NoticeBook:
    """The notice day of each (account, permission set) pair that has one."""

    days: Mapping[str, date] = field(default_factory=dict)

    def noticed_on(self, account_id: str, permission_set_name: str) -> date | None:
        return self.days.get(pair_key(account_id, permission_set_name))

    def with_notice(self, account_id: str, permission_set_name: str, day: date) -> NoticeBook:
        return NoticeBook({**self.days, pair_key(account_id, permission_set_name): day})

    def without(self, account_id: str, permission_set_name: str) -> NoticeBook:
        key = pair_key(account_id, permission_set_name)
        return NoticeBook({k: v for k, v in self.days.items() if k != key})

    def text(self) -> str:
        document = {
            "format": NOTICES_FORMAT,
            "version": _VERSION,
            "about": "Retire notices of Identity Center assignments, by ACCOUNT/PERMISSION_SET: "
            "the UTC day the owner was told. Written by `dormant retire --assignments`.",
            "notices": {k: v.isoformat() for k, v in sorted(self.days.items())},
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_text(cls, text: str, *, source: str) -> NoticeBook:
        """Read the document; RoleDataError names the file and the entry at fault."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RoleDataError(f"notices {source}: not valid JSON ({exc})") from None
        if not isinstance(data, Mapping) or data.get("format") != NOTICES_FORMAT:
            raise RoleDataError(f"notices {source}: not a {NOTICES_FORMAT} document")
        if data.get("version") != _VERSION:
            raise RoleDataError(
                f"notices {source}: version {data.get('version')!r} is not one this dormant reads"
            )
        entries = data.get("notices")
        if not isinstance(entries, Mapping):
            raise RoleDataError(f"notices {source}: notices is not an object")
        days: dict[str, date] = {}
        for key, value in entries.items():
            day = parse_notice_day(value if isinstance(value, str) else None)
            if day is None or key.count("/") != 1:
                raise RoleDataError(f"notices {source}: entry {key!r}: {value!r} is not a day")
            days[str(key)] = day
        return cls(days)

    @classmethod
    def read(cls, store: TextStore) -> NoticeBook:
        text = store.get_text(NOTICES_NAME)
        return cls() if text is None else cls.from_text(text, source=store.url(NOTICES_NAME))

    def write(self, store: TextStore) -> None:
        store.put_text(NOTICES_NAME, self.text())
