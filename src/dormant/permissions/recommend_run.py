"""Carry out ``dormant restrict --recommendation`` over the role mutator, role by role.

For each role: read its live state, refuse what must not be touched (the same refusals as every
remediation), ask AWS for the recommendation of its unused permissions (the ``Recommender``
seam: Access Analyzer's adapter, bound to one analyzer), read the managed policies, plan
(``dormant.permissions.recommend``), check every recommended document with the ``Validator``
(ValidatePolicy: IAM's grammar and service reference), and check with IAM's own last access
that nothing the role used within the window is taken away
(``dormant.permissions.recommend_check``). Any refusal comes before the first write. The dry
run shows each policy as a diff. With apply: back the role up (``BackupStore``, as delete
does), read the backup back and compare it with the live role, then make the calls (tags first,
then the policies); a failed call undoes the earlier ones, and a run stopped part-way leaves
the tags that tell release where the backup is. No boto3 here; ``now`` and the clock are
arguments.
"""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from dormant.core.recommendations import Recommendation
from dormant.core.settings import Settings
from dormant.permissions.recommend import PolicyChange, RecommendationPlan, plan_recommendation
from dormant.permissions.recommend_check import used_but_removed
from dormant.permissions.scan import AccessSource
from dormant.remediation.outcome import (
    Clock,
    Outcome,
    Status,
    each_target,
    execute_steps,
    missing_role,
    utc_now,
)
from dormant.remediation.targets import Target
from dormant.roles.remediate.backup import ORIGIN_BEFORE_FIRST_CHANGE, RoleBackup
from dormant.roles.remediate.backup_store import BackupStore
from dormant.roles.remediate.interface import RoleMutator
from dormant.roles.remediate.runner import _verify_backup
from dormant.roles.remediate.state import RoleState
from dormant.roles.remediate.status import role_status

__all__ = [
    "DIFF_WIDTH",
    "PolicyReader",
    "Recommender",
    "Validator",
    "apply_recommendations",
    "diff_lines",
]

DIFF_WIDTH = 80
Recommender = Callable[[RoleState], Recommendation | None]
Validator = Callable[[Mapping[str, Any]], list[str]]
_PENDING = "pending"


class PolicyReader(Protocol):
    def policy_document(self, arn: str) -> tuple[dict[str, Any], datetime | None] | None:
        """A managed policy's current (default version) document and when the policy was
        last updated, or None if it is gone."""
        ...


def _lines(document: Mapping[str, Any] | None) -> list[str]:
    return [] if document is None else json.dumps(document, indent=2, sort_keys=True).splitlines()


def diff_lines(change: PolicyChange, width: int = DIFF_WIDTH) -> list[str]:
    """The change as a unified diff of the two documents, every line within ``width``
    columns (longer lines fold, the continuation marked with the same sign)."""
    shown = textwrap.wrap(change.summary, width - 2, initial_indent="  ", subsequent_indent="    ")
    diff = difflib.unified_diff(
        _lines(change.before), _lines(change.after), "before", "after", lineterm="", n=2
    )
    for line in diff:
        if line.startswith(("---", "+++", "@@")):
            shown.append(f"    {line}")
            continue
        sign, text = line[:1], line[1:]
        room = width - 5  # "    " indent and the sign
        pieces = textwrap.wrap(text, room, drop_whitespace=False) or [""]
        shown += [f"    {sign}{piece}" for piece in pieces]
    return shown


def _managed(
    reader: PolicyReader, state: RoleState
) -> tuple[dict[str, dict[str, Any]], dict[str, datetime]]:
    """The current documents of every managed policy attached to the role, and when each
    was last updated (where IAM says)."""
    documents: dict[str, dict[str, Any]] = {}
    updated: dict[str, datetime] = {}
    for arn in state.role.attached_policy_arns:
        read = reader.policy_document(arn)
        if read is not None:
            documents[arn] = read[0]
            if read[1] is not None:
                updated[arn] = read[1]
    return documents, updated


def _changed_since(recommendation: Recommendation, updated: Mapping[str, datetime]) -> str | None:
    """A managed policy updated after the version AWS based its step on: the recommended
    document would drop whatever the update added."""
    for step in recommendation.steps:
        now_at = updated.get(step.existing_policy_id)
        basis = step.policy_updated_at
        if now_at is not None and basis is not None and now_at > basis:
            return (
                f"managed policy {step.existing_policy_id} was updated at "
                f"{now_at:%Y-%m-%dT%H:%M:%SZ}, after the version AWS's recommendation is "
                f"based on ({basis:%Y-%m-%dT%H:%M:%SZ}); ask again after AWS's next analysis"
            )
    return None


def _documents(
    state: RoleState, managed: Mapping[str, Mapping[str, Any]], plan: RecommendationPlan | None
) -> list[Mapping[str, Any]]:
    """Every policy document on the role: now (no plan), or after the plan's changes."""
    changed = {} if plan is None else {c.policy: c.after for c in plan.changes}
    found: list[Mapping[str, Any] | None] = [
        changed.get(name, document) for name, document in state.role.inline_policies
    ]
    found += [changed.get(arn, document) for arn, document in managed.items()]
    return [document for document in found if document is not None]


def _read_back(mutator: RoleMutator, state: RoleState, plan: RecommendationPlan) -> str | None:
    """After the calls: every inline document and attachment is as planned."""
    live = mutator.describe_role(state.name)
    if live is None:
        return f"role {state.name} vanished while the recommendation was being applied"
    for change in plan.changes:
        if change.policy.startswith("arn:"):
            if change.policy in live.role.attached_policy_arns:
                return f"managed policy {change.policy} is still attached to role {state.name}"
        elif live.inline_policy(change.policy) != (
            None if change.after is None else dict(change.after)
        ):
            return (
                f"inline policy {change.policy} read back from role {state.name} is not the one put"
            )
    return None


def apply_recommendations(
    mutator: RoleMutator,
    reader: PolicyReader,
    recommend: Recommender,
    validate: Validator,
    access: AccessSource,
    targets: Sequence[Target],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    store: BackupStore | None,
    clock: Clock = utc_now,
) -> Iterator[Outcome]:
    """Apply AWS's recommendation to each role reversibly; a dry run by default. ``store``
    is needed with ``apply``. ``access`` reads the role's last access from IAM, for the
    freshness check (nothing used within ``settings.max_days`` is taken away)."""
    if apply and store is None:
        raise ValueError("applying a recommendation needs a backup store")
    caller = mutator.caller()

    def act(target: Target) -> Outcome:
        name = target.role_name
        state = mutator.describe_role(name)
        if state is None:
            return missing_role(caller, name)
        status = role_status(state, settings=settings, now=now, caller_arn=caller.arn)
        if status.refusal is not None:
            return Outcome(name, Status.REFUSED, status.refusal)
        recommendation = recommend(state)
        if recommendation is None:
            return Outcome(
                name,
                Status.UNCHANGED,
                f"AWS has no ACTIVE unused-permission finding for role {name}",
            )
        if not recommendation.steps:
            return Outcome(name, Status.UNCHANGED, f"AWS recommends no change to role {name}")
        managed, updated = _managed(reader, state)
        changed = _changed_since(recommendation, updated)
        if changed is not None:
            return Outcome(name, Status.REFUSED, f"role {name}: {changed}")
        where = store.where(caller.account_id, name) if store is not None else _PENDING
        planned = plan_recommendation(
            state,
            recommendation,
            managed,
            now=clock(),
            caller_arn=caller.arn,
            backup=(where, _PENDING),
        )
        if isinstance(planned, str):
            return Outcome(name, Status.REFUSED, planned)
        for change, document in zip(
            [c for c in planned.changes if c.after is not None], planned.documents, strict=True
        ):
            problems = validate(document)
            if problems:
                return Outcome(
                    name,
                    Status.REFUSED,
                    f"the recommended document for {change.policy} of role {name} fails IAM's "
                    f"policy checks: {'; '.join(problems)}",
                )
        lost = used_but_removed(
            _documents(state, managed, None),
            _documents(state, managed, planned),
            access.service_access(state.role),
            now=now,
            max_days=settings.max_days,
        )
        if lost:
            return Outcome(
                name,
                Status.REFUSED,
                f"AWS's recommendation would take from role {name} what IAM says it used "
                f"within {settings.max_days} days: {', '.join(lost)}",
            )
        diff = [line for change in planned.changes for line in diff_lines(change)]
        count = len(planned.changes)
        if not apply:
            message = f"would apply AWS's recommendation to {count} policies of role {name}"
            return Outcome(name, Status.PLANNED, "\n".join([message, *diff]), planned.steps)
        assert store is not None
        stored = store.write(
            RoleBackup(caller.account_id, clock(), state, origin=ORIGIN_BEFORE_FIRST_CHANGE)
        )
        problem = _verify_backup(mutator, name, stored, store)
        if problem is not None:
            return Outcome(
                name, Status.FAILED, problem.replace("nothing deleted", "nothing changed")
            )
        final = plan_recommendation(
            state,
            recommendation,
            managed,
            now=clock(),
            caller_arn=caller.arn,
            backup=(stored.where, stored.version),
        )
        if isinstance(final, str):
            return Outcome(name, Status.REFUSED, final, (), stored.ref)
        execute_steps(mutator, final.steps)
        problem = _read_back(mutator, state, final)
        if problem is not None:
            return Outcome(
                name,
                Status.FAILED,
                f"{problem}; `dormant release {name} --only restriction --apply` puts it back "
                f"from backup {stored.describe()}",
                final.steps,
                stored.ref,
            )
        message = (
            f"applied AWS's recommendation to {count} policies of role {name}, backup "
            f"{stored.describe()}"
        )
        return Outcome(name, Status.DONE, "\n".join([message, *diff]), final.steps, stored.ref)

    return each_target(targets, act, caller)
