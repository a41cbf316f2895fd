"""Which roles a run acts on: names from the command line or a scan's JSON findings.

Pure parsing, standard library only. A scan document has a top-level ``findings`` list;
only NON_COMPLIANT findings become targets, and each keeps its account id so a finding
from another account is refused instead of acting on a namesake role.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance

__all__ = ["Target", "merge_targets", "targets_from_scan"]


@dataclass(frozen=True, slots=True)
class Target:
    """A role to act on; ``account_id`` is set when a finding said where the role lives."""

    role_name: str
    account_id: str | None = None


def targets_from_scan(text: str, *, source: str) -> list[Target]:
    """The NON_COMPLIANT findings of a ``dormant scan --format json`` document."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InvalidParameter("--from", f"{source} is not valid JSON ({exc})") from None
    findings = document.get("findings") if isinstance(document, Mapping) else None
    if not isinstance(findings, list):
        raise InvalidParameter(
            "--from", f"{source} has no top-level 'findings' list (expected a scan's JSON)"
        )
    targets: list[Target] = []
    for index, finding in enumerate(findings):
        if not isinstance(finding, Mapping):
            raise InvalidParameter("--from", f"{source}: findings[{index}] is not a JSON object")
        if finding.get("compliance") != Compliance.NON_COMPLIANT:
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
