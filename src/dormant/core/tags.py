"""What a resource's tags say to dormant: an exemption (with an expiry) and an owner.

Works on a plain tags tuple (``((key, value), ...)``, as ``Role.tags`` holds them), so
every kind of finding that has tags (roles, users) reads them the same way. The
exemption value grammar, within IAM's tag-value characters::

    [until=YYYY-MM-DD] [reason]

``until`` is the last UTC day the exemption counts; a value whose date cannot be read
never exempts. With a ceiling (``max_days``, the rule's ``max_exemption_days``) an
exemption counts only when its ``until`` is at most that many whole UTC days after
``now``'s day: one without ``until=``, or with one further away, is ignored. Pure:
standard library only, no clock (``now`` is an argument).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

__all__ = [
    "DEFAULT_EXEMPT_TAG_KEY",
    "DEFAULT_OWNER_TAG_KEYS",
    "Exemption",
    "ExemptionState",
    "TagCheck",
    "check_exemption",
    "exempt_annotation",
    "expired_note",
    "is_exempt_annotation",
    "owner_of",
    "parse_exemption",
    "tag_value",
    "with_suffix",
    "with_tag_notes",
]

DEFAULT_EXEMPT_TAG_KEY = "dormant:exempt"


DEFAULT_OWNER_TAG_KEYS: tuple[str, ...] = ("owner", "Owner", "team", "Team")


ANNOTATION_MAX_CHARS = 256  # what AWS Config accepts


# How every exempt annotation begins: what tells a result Config recorded as exempt.
EXEMPT_ANNOTATION_PREFIX = "Exempt by tag "


_UNTIL = re.compile(r"until=(\S*)")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# An invalid date is quoted back to the reader; keep a long typo from eating the annotation.
_SHOWN_INVALID = 32


class ExemptionState(enum.StrEnum):
    ACTIVE = "active"  # counts: the resource is COMPLIANT
    EXPIRED = "expired"  # its ``until`` day has passed
    INVALID = "invalid"  # ``until=`` holds no readable date: treated as expired
    UNBOUNDED = "unbounded"  # no ``until=`` while a ceiling is set: ignored
    BEYOND = "beyond"  # ``until`` further away than the ceiling: ignored


@dataclass(frozen=True, slots=True)
class Exemption:
    """One parsed exemption tag value. ``until_text`` is the raw date as written."""

    until: date | None
    reason: str
    until_text: str | None = None

    @property
    def invalid(self) -> bool:
        return self.until_text is not None and self.until is None


@dataclass(frozen=True, slots=True)
class TagCheck:
    """An exemption tag found on a resource, and whether it counts as of ``now``."""

    key: str
    exemption: Exemption
    state: ExemptionState
    max_days: int | None = None  # the ceiling the check applied (None: none)


def parse_exemption(value: str) -> Exemption:
    """``until=2027-01-31 break-glass`` -> Exemption(date(2027, 1, 31), "break-glass").

    Never raises: a date that cannot be read gives an exemption with ``until=None`` and
    ``until_text`` set, which never counts.
    """
    text = " ".join(value.split())
    match = _UNTIL.match(text)
    if match is None:
        return Exemption(None, text)
    raw = match.group(1)
    reason = text[match.end() :].strip()
    until: date | None = None
    if _DATE.fullmatch(raw):
        try:
            until = date.fromisoformat(raw)
        except ValueError:
            until = None
    return Exemption(until, reason, raw)


def tag_value(tags: Iterable[tuple[str, str]], key: str) -> str | None:
    """The value of tag ``key`` (exact, case-sensitive as IAM keys are), or None."""
    for tag_key, value in tags:
        if tag_key == key:
            return value
    return None


def check_exemption(
    tags: Iterable[tuple[str, str]], key: str, now: datetime, max_days: int | None = None
) -> TagCheck | None:
    """The exemption tag ``key`` on these tags and its state as of ``now``, or None.

    Whole UTC days: an exemption ``until=2027-01-31`` counts through that whole UTC day
    and has expired from 2027-02-01T00:00:00Z. ``max_days``: the ceiling; with 180 on
    2026-01-01, ``until=2026-06-30`` (180 days on) counts, ``until=2026-07-01`` and an
    exemption without ``until=`` do not.
    """
    value = tag_value(tags, key)
    if value is None:
        return None
    exemption = parse_exemption(value)
    today = now.astimezone(UTC).date()
    if exemption.invalid:
        state = ExemptionState.INVALID
    elif exemption.until is not None and today > exemption.until:
        state = ExemptionState.EXPIRED
    elif max_days is not None and exemption.until is None:
        state = ExemptionState.UNBOUNDED
    elif max_days is not None and exemption.until is not None:
        beyond = (exemption.until - today).days > max_days
        state = ExemptionState.BEYOND if beyond else ExemptionState.ACTIVE
    else:
        state = ExemptionState.ACTIVE
    return TagCheck(key, exemption, state, max_days)


def exempt_annotation(check: TagCheck) -> str:
    """``Exempt by tag dormant:exempt until 2027-01-31: break-glass for incident response``."""
    text = f"{EXEMPT_ANNOTATION_PREFIX}{check.key}"
    if check.exemption.until is not None:
        text += f" until {check.exemption.until.isoformat()}"
    if check.exemption.reason:
        text += f": {check.exemption.reason}"
    return text


def is_exempt_annotation(compliance: str, annotation: str) -> bool:
    """Whether a recorded result (Config keeps no reason) is an exemption's."""
    return compliance == "COMPLIANT" and annotation.startswith(EXEMPT_ANNOTATION_PREFIX)


def expired_note(check: TagCheck) -> str:
    """What an annotation says about an exemption that no longer counts."""
    if check.state is ExemptionState.INVALID:
        shown = (check.exemption.until_text or "")[:_SHOWN_INVALID]
        return f" (exemption date invalid: until={shown})"
    if check.state is ExemptionState.UNBOUNDED:
        return f" (exemption ignored: no until= within the {check.max_days}-day limit)"
    if check.state is ExemptionState.BEYOND:
        until_text = check.exemption.until.isoformat() if check.exemption.until else "?"
        return f" (exemption ignored: until={until_text} beyond the {check.max_days}-day limit)"
    until = check.exemption.until
    return f" (exemption expired {until.isoformat() if until else '?'})"


def with_suffix(annotation: str, suffix: str, limit: int = ANNOTATION_MAX_CHARS) -> str:
    """``annotation + suffix`` when the whole still fits in ``limit``, else ``annotation``."""
    combined = annotation + suffix
    return combined if len(combined) <= limit else annotation


def with_tag_notes(
    annotation: str, *, non_compliant: bool, exemption: TagCheck | None, owner: str | None
) -> str:
    """The annotation of any kind's decision, with what its tags add: a note on an
    exemption that no longer counts, then the sentence `` Owner: <owner>.`` when
    NON_COMPLIANT (``No record of usage. Owner: dev-team.``); each only when the whole still
    fits in 256 characters."""
    if exemption is not None and exemption.state is not ExemptionState.ACTIVE:
        annotation = with_suffix(annotation, expired_note(exemption))
    if owner is not None and non_compliant:
        annotation = with_suffix(annotation, f"{_sentence_end(annotation)} Owner: {owner}.")
    return annotation


def _sentence_end(annotation: str) -> str:
    """What closes the annotation's sentence before a note that is a sentence of its own."""
    return "" if annotation.rstrip().endswith((".", "!", "?")) else "."


def owner_of(tags: Iterable[tuple[str, str]], keys: Sequence[str]) -> str | None:
    """The value of the first of ``keys`` present with a non-blank value, or None."""
    values = dict(tags)
    for key in keys:
        value = values.get(key)
        if value is not None and value.strip():
            return " ".join(value.split())
    return None
