"""One owner's retire message: what happens next to each of its roles and users, and when.

``build_message`` turns an owner's ``NoticeItem`` values into a ``Message``: a subject (ASCII,
one line, under SNS's 100 characters), a plain-text body (within SNS's 256 KB, less room
for the message attributes) and Slack blocks (sections of at most 3,000 characters, at most
50 blocks, ``&``, ``<`` and ``>`` escaped as Slack asks). The body says how to keep a
resource (use it; the exemption tag with ``until=``; the contact) and where a role's backup
will be. When the items do not fit, the last ones are summarised ("... and 12 more") rather
than the message cut mid-line. Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dormant.remediation.notice import LifecycleStep, NextStep

__all__ = [
    "SLACK_BLOCKS_MAX",
    "SLACK_SECTION_MAX",
    "SNS_BODY_MAX_BYTES",
    "SNS_SUBJECT_MAX",
    "Message",
    "MessageContext",
    "NoticeItem",
    "build_message",
]

SNS_SUBJECT_MAX = 99  # SNS: "less than 100 characters", ASCII, no line breaks
# SNS: 256 KB for the message and its attributes together; 4 KB is left for the attributes.
SNS_BODY_MAX_BYTES = 256 * 1024 - 4 * 1024
SLACK_SECTION_MAX = 3000
SLACK_BLOCKS_MAX = 50
_SLACK_TEXT_MAX = 38000  # Slack truncates a message's text at 40,000 characters

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One role or user in an owner's message: what this run does to it, and what next."""

    kind: str  # "role", "user" or "assignment" (a permission set in an account)
    name: str
    step: LifecycleStep
    reason: str
    next: NextStep | None = None
    backup: str | None = None  # where a role's backup is, or will be, written
    held_by: str | None = None  # what keeps a role from deletion (references, gaps)

    def line(self, today: date) -> str:
        """``AppRole: quarantined on 2026-12-15 unless used or exempted (role; ...)``."""
        about = f"({self.kind}; {self.reason})"
        if self.held_by:
            about = f"({self.kind}; {self.reason}; never deleted while {self.held_by})"
        next_on = None if self.next is None else self.next.on
        if self.kind == "assignment" and self.step is LifecycleStep.NOTIFY:
            return f"{self.name}: unassigned on {next_on} unless used or exempted {about}"
        if self.step is LifecycleStep.UNASSIGN:
            where = f"; their backup is written to {self.backup}" if self.backup else ""
            return f"{self.name}: its assignments removed today ({today}){where} {about}"
        if self.step is LifecycleStep.NOTIFY:
            if self.next is not None and self.next.step is LifecycleStep.DELETE:
                # Quarantined by someone else: told before its delete.
                return (
                    f"{self.name}: quarantined; deleted on {next_on} unless used or exempted "
                    f"{about}"
                )
            return f"{self.name}: quarantined on {next_on} unless used or exempted {about}"
        if self.step is LifecycleStep.QUARANTINE:
            if self.kind == "user":
                return (
                    f"{self.name}: quarantined today ({today}), its access keys deactivated; "
                    f"users are never deleted {about}"
                )
            then = (
                f"deleted on {next_on} unless used or exempted"
                if next_on is not None and not self.held_by
                else "kept quarantined"
            )
            return f"{self.name}: quarantined today ({today}); {then} {about}"
        if self.step is LifecycleStep.DELETE:
            where = f"; its backup: {self.backup}" if self.backup else ""
            return f"{self.name}: deleted today ({today}){where} {about}"
        return f"{self.name}: {self.reason} ({self.kind})"


@dataclass(frozen=True, slots=True)
class MessageContext:
    """What every message of one run shares."""

    account_id: str
    today: date
    exempt_tag_key: str = "dormant:exempt"
    contact: str | None = None
    backup_location: str | None = None  # e.g. s3://bucket/prefix/ or a folder


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends: SNS takes ``subject`` and ``text`` (within SNS's limits), a
    webhook ``fallback`` (the same text within Slack's) and ``blocks``."""

    owner: str
    subject: str
    text: str
    fallback: str = ""
    blocks: tuple[dict[str, Any], ...] = field(default=())


def _subject(owner: str, count: int, account_id: str) -> str:
    noun = "resource" if count == 1 else "resources"
    text = f"dormant: {count} unused IAM {noun} of {owner} in account {account_id}"
    text = _CONTROL.sub(" ", text).encode("ascii", "replace").decode("ascii")
    if len(text) > SNS_SUBJECT_MAX:
        text = text[: SNS_SUBJECT_MAX - 3] + "..."
    return text


def _keeping(context: MessageContext, kinds: frozenset[str] = frozenset({"role"})) -> list[str]:
    ask = f"; or ask {context.contact}" if context.contact else ""
    lines = [
        "To keep one: use it; or tag it "
        f"{context.exempt_tag_key} with a value such as 'until=YYYY-MM-DD reason' "
        f"(the last day the exemption counts){ask}.",
    ]
    if context.backup_location and (not kinds or kinds - {"assignment"}):
        lines.append(
            f"Before a role is deleted, its backup is written to {context.backup_location} "
            f"(as {context.account_id}-ROLE.json) and read back; `dormant restore` recreates it."
        )
    if context.backup_location and "assignment" in kinds:
        lines.append(
            "Before a permission set's assignments in an account are removed, they are "
            f"written to {context.backup_location} and read back; `dormant restore` gives "
            "them back."
        )
    return lines


def _fit(lines: Sequence[str], budget: int, size: Any) -> list[str]:
    """As many of ``lines`` as fit in ``budget``, the rest summarised in one line."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = size(f"... and {rest} more: see the run's JSON output\n") if rest else 0
        if used + size(line + "\n") + tail > budget:
            kept.append(f"... and {len(lines) - index} more: see the run's JSON output")
            return kept
        kept.append(line)
        used += size(line + "\n")
    return kept


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sections(lines: Sequence[str], room: int) -> list[dict[str, Any]]:
    """Slack section blocks of whole lines, at most ``room`` of them."""
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        line = _slack_escape(line)[: SLACK_SECTION_MAX - 2]
        if chunk and len("\n".join([*chunk, line])) > SLACK_SECTION_MAX:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    if len(blocks) > room:
        dropped = len(blocks) - room + 1
        note = f"... {dropped} more sections: see the run's JSON output"
        blocks = [
            *blocks[: room - 1],
            {"type": "section", "text": {"type": "mrkdwn", "text": note}},
        ]
    return blocks


def build_message(owner: str, items: Sequence[NoticeItem], context: MessageContext) -> Message:
    """The one message an owner gets in a run, listing every one of its roles and users."""
    ordered = sorted(items, key=lambda i: (i.kind, i.name))
    intro = (
        f"dormant retires IAM roles and users that nobody uses, in account "
        f"{context.account_id}. What happens next to those of {owner}:"
    )
    lines = [f"- {item.line(context.today)}" for item in ordered]
    footer = _keeping(context, frozenset(item.kind for item in items))
    fixed = "\n".join([intro, "", "", *footer]) + "\n"
    budget_bytes = SNS_BODY_MAX_BYTES - len(fixed.encode("utf-8"))
    listed = _fit(lines, budget_bytes, lambda s: len(s.encode("utf-8")))
    text = "\n".join([intro, "", *listed, "", *footer])
    slack_lines = _fit(lines, _SLACK_TEXT_MAX - len(fixed), len)
    slack_text = "\n".join([intro, "", *slack_lines, "", *footer])
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": _subject(owner, len(items), context.account_id)},
    }
    intro_block = {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(intro)}}
    footer_blocks = _sections(footer, 2)
    room = SLACK_BLOCKS_MAX - 2 - len(footer_blocks)
    blocks = (header, intro_block, *_sections(slack_lines, room), *footer_blocks)
    return Message(
        owner=owner,
        subject=_subject(owner, len(items), context.account_id),
        text=text,
        fallback=slack_text,
        blocks=blocks,
    )
