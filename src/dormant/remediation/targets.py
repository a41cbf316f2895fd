"""Which roles a run acts on: names from the command line or a scan's JSON findings.

Pure parsing, standard library only. A scan document has a top-level ``findings`` list; only
NON_COMPLIANT findings become targets, and each keeps its account id so a finding from
another account is refused instead of acting on a namesake role. A report read with
``--source`` joins AWS's findings with dormant's decision: a finding the two disagree on
(``agrees`` false) is never a target, since dormant acts only where both say unused. Every
JSON report says its ``kind``; a command's ``--from`` takes only the kinds it acts on
(``check_document_kind``), so that the findings of one kind (a permissions report's used
roles) never become the targets of another's remediation (a delete).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance

__all__ = [
    "DOCUMENT_PRODUCERS",
    "Target",
    "check_document_kind",
    "merge_targets",
    "parse_document",
    "targets_from_document",
    "targets_from_scan",
]


# The kinds of JSON document a --from takes, and the command that writes each.
DOCUMENT_PRODUCERS: Mapping[str, str] = {
    "scan": "dormant scan --format json",
    "permissions": "dormant permissions --format json",
    "users": "dormant users --format json",
}


def _kinds_text(kinds: Sequence[str]) -> str:
    named = [f"kind {kind} (`{DOCUMENT_PRODUCERS.get(kind, 'dormant ' + kind)}`)" for kind in kinds]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"


def check_document_kind(
    document: Mapping[str, object],
    *,
    source: str,
    accepted: Sequence[str],
    consumer: str,
    named: Sequence[str] | None = None,
) -> None:
    """Refuse a document whose ``kind`` is not one of ``accepted`` here; the message says
    what ``consumer`` (``dormant delete``) takes: ``named``, by default ``accepted``."""
    kind = document.get("kind")
    if isinstance(kind, str) and kind in accepted:
        return
    got = f"kind {kind}" if isinstance(kind, str) and kind else "no kind"
    raise InvalidParameter(
        "--from",
        f"{source} is a document of {got}; {consumer} --from takes "
        f"{_kinds_text(named or accepted)}",
    )


def parse_document(text: str, *, source: str) -> Mapping[str, object]:
    """A --from file's JSON object; InvalidParameter names the file when it is none."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidParameter("--from", f"{source} is not valid JSON ({exc})") from None
    if not isinstance(document, Mapping):
        raise InvalidParameter(
            "--from", f"{source} has no top-level 'findings' list (expected a scan's JSON)"
        )
    return document


@dataclass(frozen=True, slots=True)
class Target:
    """A role to act on; ``account_id`` is set when a finding said where the role lives."""

    role_name: str
    account_id: str | None = None


def targets_from_scan(
    text: str,
    *,
    source: str,
    kinds: Sequence[str] = ("scan",),
    consumer: str = "dormant quarantine",
) -> list[Target]:
    """The NON_COMPLIANT findings of a ``dormant scan --format json`` document (or of
    another of ``kinds``)."""
    document = parse_document(text, source=source)
    check_document_kind(document, source=source, accepted=kinds, consumer=consumer)
    return targets_from_document(document, source=source)


def targets_from_document(document: Mapping[str, object], *, source: str) -> list[Target]:
    """The NON_COMPLIANT roles of a parsed report whose kind was checked."""
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise InvalidParameter(
            "--from", f"{source} has no top-level 'findings' list (expected a scan's JSON)"
        )
    targets: list[Target] = []
    for index, finding in enumerate(findings):
        if not isinstance(finding, Mapping):
            raise InvalidParameter("--from", f"{source}: findings[{index}] is not a JSON object")
        if finding.get("compliance") != Compliance.NON_COMPLIANT or finding.get("agrees") is False:
            continue
        name = finding.get("role_name")
        if not isinstance(name, str) or not name:
            raise InvalidParameter("--from", f"{source}: findings[{index}] has no role_name")
        account = finding.get("account_id")
        targets.append(Target(name, str(account) if account not in (None, "") else ""))
    return targets


def merge_targets(*groups: Iterable[Target]) -> list[Target]:
    """Targets in order, each role once.

    A role both named and found in a scan keeps the finding's account id, so that the
    account check still applies to it.
    """
    merged: dict[str, Target] = {}
    for group in groups:
        for target in group:
            known = merged.get(target.role_name)
            if known is None or (known.account_id is None and target.account_id is not None):
                merged[target.role_name] = target
    return list(merged.values())
