"""Carry out ``dormant restrict``: re-check each role's last access, then deny what is unused.

For each role: read its live state, refuse what must not be touched
(``dormant.remediation.plan.refusal``, a foreign policy under our name), re-read its service
last access right before acting (the freshness check, through the one decision
``dormant.permissions.evaluate_permissions``), refuse what the plan refuses
(``dormant.remediation.restriction.restrict_refusal``), and either report the calls (dry run,
the default) or make them, then read the policy back. A failed call or read-back undoes the
calls made for that role; one role's failure never stops the others. No boto3 here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from dormant.errors import DormantError
from dormant.permissions import evaluate_permissions
from dormant.permissions_scan import AccessSource
from dormant.remediation.interface import RoleMutator
from dormant.remediation.outcome import (
    Clock,
    Outcome,
    Status,
    each_target,
    execute_steps,
    missing_role,
    utc_now,
)
from dormant.remediation.plan import refusal
from dormant.remediation.restriction import (
    RESTRICT_POLICY_NAME,
    foreign_restrict_policy,
    is_restricted,
    policy_document,
    restrict_refusal,
    restrict_steps,
)
from dormant.remediation.targets import Target
from dormant.settings import Settings

__all__ = ["restrict"]


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
        refused = refusal(
            state.role, settings=settings, caller_arn=caller.arn
        ) or foreign_restrict_policy(state)
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
