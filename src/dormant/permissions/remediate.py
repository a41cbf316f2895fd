"""What a restriction puts on a role and takes off it, and when it is refused: pure plans.

A restriction is the inline policy ``dormant-unused-services`` holding the proposed deny of
a role's unused services (``dormant.permissions.model.proposed_deny``) and three tags: when, by
whom, which services. The customer's own policies are never touched, so ``unrestrict_steps``
(which ``dormant release`` runs beside quarantine's own) is one DeleteRolePolicy and one
UntagRole. ``restrict_refusal`` says why a deny must not go on a role beyond
``dormant.roles.remediate.plan.refusal``: nothing unused; every granted service unused (that is a
quarantine); or IAM's size limit for a role's inline policies. ``dormant.permissions.remediate``
runs these. Pure: no boto3, no clock (``now`` is an argument), no file system.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from dormant.core.errors import DormantError
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.core.tags import owner_of
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.model import PermissionsFinding
from dormant.permissions.scan import AccessSource
from dormant.remediation.outcome import (
    Clock,
    Outcome,
    Status,
    each_target,
    execute_steps,
    missing_role,
    owned_by,
    utc_now,
)
from dormant.remediation.quarantine import quarantine_tags
from dormant.remediation.steps import Step, _json
from dormant.remediation.targets import Target
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.plan import _policy_undo, _tag_undo
from dormant.roles.remediate.restriction import (
    RESTRICT_POLICY_NAME,
    RESTRICT_TAGS,
    TAG_RESTRICTED_AT,
    TAG_RESTRICTED_BY,
    TAG_RESTRICTED_SERVICES,
    is_restricted,
)
from dormant.roles.remediate.state import RoleState
from dormant.roles.remediate.status import role_status

__all__ = [
    "ROLE_INLINE_POLICY_LIMIT",
    "inline_policy_size",
    "policy_document",
    "restrict",
    "restrict_refusal",
    "restrict_steps",
]


# IAM: the inline policies of one role may hold at most 10,240 characters in all, counted
# without whitespace.
ROLE_INLINE_POLICY_LIMIT = 10_240


_TAG_VALUE_MAX = 256


def inline_policy_size(document: Mapping[str, Any]) -> int:
    """Characters IAM counts toward the role's inline policy quota (whitespace excluded)."""
    return sum(1 for char in _json(document) if not char.isspace())


def _services_tag(namespaces: Sequence[str]) -> str:
    """Namespaces (letters, digits, '-') fit a tag value as they are, up to its 256 chars."""
    text = " ".join(namespaces)
    if len(text) <= _TAG_VALUE_MAX:
        return text
    return text[: _TAG_VALUE_MAX - 3].rsplit(" ", 1)[0] + "..."


def policy_document(text_or_document: str | Mapping[str, Any]) -> dict[str, Any]:
    """A document as IAM gives it back (parsed), to compare with the one put."""
    return dict(
        json.loads(
            text_or_document if isinstance(text_or_document, str) else _json(text_or_document)
        )
    )


def restrict_refusal(state: RoleState, finding: PermissionsFinding) -> str | None:
    """Why the proposed deny must not go on this role (after ``refusal``), or None."""
    name = state.name
    if finding.compliance != Compliance.NON_COMPLIANT:
        return f"role {name} has no unused services to deny ({finding.annotation})"
    unused = finding.unused_services
    if len(unused) == len(finding.services):
        return (
            f"denying every one of the {len(unused)} services role {name} is granted would "
            f"cut it off entirely: that is a quarantine, use `dormant quarantine {name}`"
        )
    document = finding.proposed_deny
    assert document is not None  # a NON_COMPLIANT finding always proposes one
    others = sum(
        inline_policy_size(doc)
        for policy_name, doc in state.role.inline_policies
        if policy_name != RESTRICT_POLICY_NAME
    )
    total = others + inline_policy_size(document)
    if total > ROLE_INLINE_POLICY_LIMIT:
        return (
            f"the deny of {len(unused)} services would bring role {name}'s inline policies to "
            f"{total} characters, over IAM's limit of {ROLE_INLINE_POLICY_LIMIT} per role"
        )
    return None


def restrict_steps(
    state: RoleState, finding: PermissionsFinding, now: datetime, caller_arn: str
) -> list[Step]:
    """PutRolePolicy of the proposed deny, then the three tags; each with its undo."""
    document = finding.proposed_deny
    if document is None:
        return []
    name = state.name
    # The same when and by-whom values quarantine writes, under restrict's own keys.
    at, by = (value for _, value in quarantine_tags(now, caller_arn))
    tags = [
        (TAG_RESTRICTED_AT, at),
        (TAG_RESTRICTED_BY, by),
        (TAG_RESTRICTED_SERVICES, _services_tag(finding.unused_services)),
    ]
    return [
        Step(
            "PutRolePolicy",
            {
                "RoleName": name,
                "PolicyName": RESTRICT_POLICY_NAME,
                "PolicyDocument": _json(document),
            },
            undo=_policy_undo(state, RESTRICT_POLICY_NAME),
        ),
        Step(
            "TagRole",
            {"RoleName": name, "Tags": [{"Key": k, "Value": v} for k, v in tags]},
            undo=_tag_undo(state, list(RESTRICT_TAGS)),
        ),
    ]


def _read_back(mutator: RoleMutator, name: str, document: Mapping[str, Any]) -> str | None:
    """After the calls: our policy holds the deny we put, and our tags are there."""
    state = mutator.describe_role(name)
    if state is None:
        return f"role {name} vanished while it was being restricted"
    if state.inline_policy(RESTRICT_POLICY_NAME) != policy_document(document):
        return f"the {RESTRICT_POLICY_NAME} policy read back from role {name} is not the one put"
    if not is_restricted(state):
        return f"role {name} does not carry the restrict tags after the change"
    return None


def restrict(
    mutator: RoleMutator,
    access: AccessSource,
    targets: Sequence[Target],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    clock: Clock = utc_now,
) -> Iterator[Outcome]:
    """Deny each role the services it has not used within the window; dry run by default."""
    caller = mutator.caller()

    def act(target: Target) -> Outcome:
        name = target.role_name
        state = mutator.describe_role(name)
        if state is None:
            return missing_role(caller, name)
        status = role_status(state, settings=settings, now=now, caller_arn=caller.arn)
        refused = status.refusal or status.foreign_restriction
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        # The freshness check: the role's last access as IAM has it now, not as reported.
        finding = evaluate_permissions(state.role, access.service_access(state.role), settings, now)
        refused = restrict_refusal(state, finding)
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        document = finding.proposed_deny
        assert document is not None
        if state.inline_policy(RESTRICT_POLICY_NAME) == policy_document(document):
            return Outcome(
                name, Status.UNCHANGED, f"role {name} already denies exactly these services"
            )
        steps = tuple(restrict_steps(state, finding, clock(), caller.arn))
        services = ", ".join(finding.unused_services)
        services += owned_by(owner_of(state.role.tags, settings.owner_tag_keys))
        if not apply:
            return Outcome(name, Status.PLANNED, f"would deny role {name}: {services}", steps)
        execute_steps(mutator, steps)
        problem = _read_back(mutator, name, document)
        if problem is not None:
            try:
                execute_steps(mutator, [u for step in reversed(steps) for u in step.undo])
            except DormantError as exc:
                problem += f"; undoing it also failed: {exc}"
            return Outcome(name, Status.FAILED, problem, steps)
        return Outcome(name, Status.DONE, f"denied role {name}: {services}", steps)

    return each_target(targets, act, caller)
