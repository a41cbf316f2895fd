"""What a remediation run reports, and how one resource's calls are made or undone.

Shared by every remediation (quarantine, release, delete, restore, restrict, users' and
retire): the outcome of each role or user, the run's summary and blast-radius limit, and
``execute_steps``, which makes a plan's calls in order and undoes the completed ones in
reverse when one fails. Pure: no boto3; the mutator is an interface.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dormant.core.clock import Clock, system_clock
from dormant.core.errors import DormantError, InvalidParameter, RemediationRefused
from dormant.remediation.interface import Caller, StepExecutor
from dormant.remediation.steps import Step
from dormant.remediation.targets import Target

__all__ = [
    "DEFAULT_MAX_ROLES",
    "FAILED_STATUSES",
    "Attempted",
    "Clock",
    "Outcome",
    "Status",
    "StepFailed",
    "Summary",
    "check_blast_radius",
    "each_target",
    "execute_steps",
    "foreign_target",
    "missing_role",
    "owned_by",
    "utc_now",
]

DEFAULT_MAX_ROLES = 10

# The one clock (dormant.core.clock), under the names remediation has always used.
utc_now = system_clock


class Status(enum.StrEnum):
    PLANNED = "planned"  # dry run: the steps shown would be made
    DONE = "done"
    UNCHANGED = "unchanged"  # already in the wanted state; nothing to do
    SKIPPED = "skipped"  # no longer unused: the freshness re-check spared it
    REFUSED = "refused"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one role (or one backup file, for restore)."""

    role_name: str
    status: Status
    message: str
    steps: tuple[Step, ...] = ()
    backup: Path | str | None = None  # a file, or an s3:// object


# What counts as a failure of a run: a refusal too (the exit code is 1).
FAILED_STATUSES = frozenset({Status.FAILED, Status.REFUSED})


class Attempted:
    """A planned step of a retire run and what became of it, for the dataclasses that hold
    one (roles', users' and assignments' results): ``outcome`` is None when nothing was
    attempted."""

    __slots__ = ()
    outcome: Outcome | None

    @property
    def done(self) -> bool:
        return self.outcome is not None and self.outcome.status is Status.DONE

    @property
    def failed(self) -> bool:
        return self.outcome is not None and self.outcome.status in FAILED_STATUSES


@dataclass(slots=True)
class Summary:
    counts: dict[Status, int]

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Summary:
        counts = dict.fromkeys(Status, 0)
        for outcome in outcomes:
            counts[outcome.status] += 1
        return cls(counts)

    @property
    def ok(self) -> bool:
        return self.counts[Status.FAILED] == 0 and self.counts[Status.REFUSED] == 0

    def describe(self) -> str:
        return ", ".join(f"{status.value} {count}" for status, count in self.counts.items())


def check_blast_radius(count: int, max_roles: int, what: str = "roles") -> None:
    """Refuse the whole run when it would touch more roles than allowed."""
    if max_roles < 1:
        raise InvalidParameter("--max-roles", f"must be at least 1, got {max_roles}")
    if count > max_roles:
        raise RemediationRefused(
            f"{count} {what} exceed the limit of {max_roles} per run; nothing was changed. "
            f"Raise it with --max-roles {count} if this is intended"
        )


class StepFailed(DormantError):
    """A planned call failed; the message says what was undone."""


def execute_steps(mutator: StepExecutor, steps: Sequence[Step]) -> None:
    """Make the calls in order; on a failure, undo the completed ones in reverse order."""
    done: list[Step] = []
    for step in steps:
        try:
            mutator.execute(step)
        except DormantError as exc:
            undo_errors: list[str] = []
            for previous in reversed(done):
                for undo in previous.undo:
                    try:
                        mutator.execute(undo)
                    except DormantError as undo_exc:
                        undo_errors.append(f"{undo.describe()}: {undo_exc}")
            if not done:
                after = "nothing had been changed"
            elif undo_errors:
                after = (
                    f"undoing the {len(done)} earlier change(s) also failed, the role is "
                    f"partly changed: {'; '.join(undo_errors)}"
                )
            else:
                after = f"the {len(done)} earlier change(s) were undone, the role is as it was"
            raise StepFailed(f"iam:{step.operation} failed: {exc}; {after}") from None
        done.append(step)


def owned_by(owner: str | None) -> str:
    """`` (owner: dev-team)`` for a plan's message, so the owner can be told; else nothing."""
    return "" if owner is None else f" (owner: {owner})"


def missing_role(caller: Caller, name: str) -> Outcome:
    return Outcome(
        name, Status.FAILED, f"role {name} does not exist in account {caller.account_id}"
    )


def foreign_target(caller: Caller, target: Target) -> Outcome | None:
    if target.account_id is None or target.account_id == caller.account_id:
        return None
    if not target.account_id:
        message = (
            f"the finding for role {target.role_name} names no account, so it cannot be "
            f"checked against account {caller.account_id}"
        )
    else:
        message = (
            f"the finding for role {target.role_name} is in account {target.account_id}, "
            f"but the credentials act in account {caller.account_id}"
        )
    return Outcome(target.role_name, Status.REFUSED, message)


def each_target(
    targets: Sequence[Target], act: Callable[[Target], Outcome], caller: Caller
) -> Iterator[Outcome]:
    for target in targets:
        foreign = foreign_target(caller, target)
        if foreign is not None:
            yield foreign
            continue
        try:
            yield act(target)
        except DormantError as exc:
            yield Outcome(target.role_name, Status.FAILED, str(exc))
