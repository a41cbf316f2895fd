"""Quarantine and release IAM users, reversibly: plans, refusals and the run, over a
``UserMutator``.

Quarantine puts the roles' deny-all inline policy (``dormant.remediation.quarantine``: every action,
and every session issued before now, e.g. by GetSessionToken) on the user, deactivates
each active access key, and tags the user with when, by whom and which keys it
deactivated. Release reactivates exactly those keys (those still there) and removes
exactly the policy and tags quarantine added. The console password is left in place (the
policy denies what it could do, and a password cannot be given back once deleted); users
are never deleted, since a secret access key cannot be restored.

Before quarantining, each user is read live and decided again by
``dormant.users.decide.evaluate_user`` (the freshness re-check): a user whose credentials
were used within the window is skipped. Refused: allow-listed users and the caller's own
user. A failed call undoes the calls already made for that user. Pure: no boto3, no clock
(``now`` and ``clock`` are arguments).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from dormant.core.errors import DormantError
from dormant.core.model import Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.time import parse_timestamp
from dormant.remediation.interface import Caller
from dormant.remediation.notice import TAG_NOTICE_AT
from dormant.remediation.outcome import Outcome, Status, execute_steps, owned_by
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_DEACTIVATED_KEYS,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    is_quarantine_policy,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant.remediation.steps import Step
from dormant.users.decide import evaluate_user
from dormant.users.model import AccessKeyState, UserState

__all__ = [
    "AccessKeyState",
    "UserMutator",
    "UserState",
    "UserTarget",
    "quarantine_user_steps",
    "quarantine_users",
    "release_notes",
    "release_user_steps",
    "release_users",
    "user_quarantined",
    "user_refusal",
]

_NO_KEYS = "none"


# Release also takes off a retire notice, so that a released user gets a new one (and its
# grace) before it could be quarantined again.
_TAG_KEYS = (TAG_QUARANTINED_AT, TAG_QUARANTINED_BY, TAG_DEACTIVATED_KEYS, TAG_NOTICE_AT)


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class UserMutator(Protocol):
    def caller(self) -> Caller: ...

    def describe_user(self, name: str) -> UserState | None:
        """The user's live state, or None if no user has that name."""
        ...

    def execute(self, step: Step) -> None: ...


@dataclass(frozen=True, slots=True)
class UserTarget:
    """A user to act on; ``account_id`` is set when a finding said where it lives."""

    user_name: str
    account_id: str | None = None


def user_refusal(state: UserState, *, settings: Settings, caller_arn: str) -> str | None:
    """Why this user must not be quarantined, or None."""
    pattern = matching_pattern(f"{state.path}{state.name}", settings.allow_patterns)
    if pattern is not None:
        return f"user {state.name} ({state.path}{state.name}) matches allow-list pattern {pattern}"
    if caller_arn == state.arn:
        return f"user {state.name} is the user this command runs as ({caller_arn})"
    return None


def user_quarantined(state: UserState) -> bool:
    """dormant's quarantine policy is on the user, known by its statements (as for roles)."""
    return is_quarantine_policy(state.quarantine_policy)


def _foreign_policy(state: UserState) -> str | None:
    """A policy named dormant-quarantine that quarantine did not write: hands off."""
    if state.quarantine_policy is None or user_quarantined(state):
        return None
    return (
        f"user {state.name} has an inline policy named {QUARANTINE_POLICY_NAME} that dormant "
        "did not write (not its statements); it was left alone"
    )


def _tag_undo(state: UserState, keys: Sequence[str]) -> tuple[Step, ...]:
    """The calls that put back the given tags exactly as they are now (as roles' do)."""
    old = [(k, state.tag(k)) for k in keys]
    absent = [k for k, v in old if v is None]
    present = [{"Key": k, "Value": v} for k, v in old if v is not None]
    undo: list[Step] = []
    if absent:
        undo.append(Step("UntagUser", {"UserName": state.name, "TagKeys": absent}))
    if present:
        undo.append(Step("TagUser", {"UserName": state.name, "Tags": present}))
    return tuple(undo)


def quarantine_user_steps(state: UserState, now: datetime, caller_arn: str) -> list[Step]:
    """Deny everything, deactivate each active key, record what was done in tags."""
    name = state.name
    policy = json.dumps(quarantine_policy_document(now), separators=(",", ":"))
    active = [key.key_id for key in state.keys if key.active]
    tags = [*quarantine_tags(now, caller_arn), (TAG_DEACTIVATED_KEYS, " ".join(active) or _NO_KEYS)]
    steps = [
        Step(
            "PutUserPolicy",
            {"UserName": name, "PolicyName": QUARANTINE_POLICY_NAME, "PolicyDocument": policy},
            undo=(
                Step("DeleteUserPolicy", {"UserName": name, "PolicyName": QUARANTINE_POLICY_NAME}),
            ),
        )
    ]
    for key_id in active:
        steps.append(
            Step(
                "UpdateAccessKey",
                {"UserName": name, "AccessKeyId": key_id, "Status": "Inactive"},
                undo=(
                    Step(
                        "UpdateAccessKey",
                        {"UserName": name, "AccessKeyId": key_id, "Status": "Active"},
                    ),
                ),
            )
        )
    steps.append(
        Step(
            "TagUser",
            {"UserName": name, "Tags": [{"Key": k, "Value": v} for k, v in tags]},
            undo=_tag_undo(state, [k for k, _ in tags]),
        )
    )
    return steps


def _quarantined_at(state: UserState) -> datetime | None:
    try:
        return parse_timestamp(state.tag(TAG_QUARANTINED_AT) or "", what=TAG_QUARANTINED_AT)
    except ValueError:
        return None


def _key_verdicts(state: UserState) -> list[tuple[str, str | None]]:
    """Each key quarantine recorded, and why it is left alone (None: reactivate it).

    A key is as quarantine left it when it is still there, inactive, and unused since the
    quarantine (an inactive key cannot be used: a use since means someone reactivated it,
    and whoever deactivated it again meant it). Keys quarantine did not record are never
    touched.
    """
    keys = {key.key_id: key for key in state.keys}
    since = _quarantined_at(state)
    verdicts: list[tuple[str, str | None]] = []
    for key_id in (state.tag(TAG_DEACTIVATED_KEYS) or "").split():
        key = keys.get(key_id)
        if key_id == _NO_KEYS:
            continue
        if key is None:
            why: str | None = "no longer exists (deleted or replaced since the quarantine)"
        elif key.active:
            why = "is already active"
        elif since is not None and key.last_used is not None and key.last_used > since:
            why = (
                "was used after the quarantine, so someone reactivated and deactivated it "
                "since: left inactive"
            )
        else:
            why = None
        verdicts.append((key_id, why))
    return verdicts


def release_notes(state: UserState) -> list[str]:
    """What release leaves alone among the keys quarantine recorded, and why."""
    return [f"access key {key_id} {why}" for key_id, why in _key_verdicts(state) if why]


def release_user_steps(state: UserState) -> list[Step]:
    """Reactivate the keys quarantine deactivated that are still as it left them, remove
    its policy and its tags; nothing else."""
    name = state.name
    steps: list[Step] = []
    for key_id, why in _key_verdicts(state):
        if why is None:
            steps.append(
                Step(
                    "UpdateAccessKey",
                    {"UserName": name, "AccessKeyId": key_id, "Status": "Active"},
                    undo=(
                        Step(
                            "UpdateAccessKey",
                            {"UserName": name, "AccessKeyId": key_id, "Status": "Inactive"},
                        ),
                    ),
                )
            )
    if state.quarantine_policy is not None:
        document = json.dumps(state.quarantine_policy, separators=(",", ":"))
        steps.append(
            Step(
                "DeleteUserPolicy",
                {"UserName": name, "PolicyName": QUARANTINE_POLICY_NAME},
                undo=(
                    Step(
                        "PutUserPolicy",
                        {
                            "UserName": name,
                            "PolicyName": QUARANTINE_POLICY_NAME,
                            "PolicyDocument": document,
                        },
                    ),
                ),
            )
        )
    present = [(k, v) for k, v in state.tags if k in _TAG_KEYS]
    if present:
        steps.append(
            Step(
                "UntagUser",
                {"UserName": name, "TagKeys": [k for k, _ in present]},
                undo=(
                    Step(
                        "TagUser",
                        {"UserName": name, "Tags": [{"Key": k, "Value": v} for k, v in present]},
                    ),
                ),
            )
        )
    return steps


def _each(
    mutator: UserMutator,
    targets: Sequence[UserTarget],
    act: Callable[[UserState], Outcome],
) -> Iterator[Outcome]:
    caller = mutator.caller()
    for target in targets:
        name = target.user_name
        if target.account_id is not None and target.account_id != caller.account_id:
            where = target.account_id or "no account"
            yield Outcome(
                name,
                Status.REFUSED,
                f"the finding for user {name} names {where}, but the credentials act in "
                f"account {caller.account_id}",
            )
            continue
        try:
            state = mutator.describe_user(name)
            if state is None:
                yield Outcome(
                    name,
                    Status.FAILED,
                    f"user {name} does not exist in account {caller.account_id}",
                )
                continue
            yield act(state)
        except DormantError as exc:
            yield Outcome(name, Status.FAILED, str(exc))


def quarantine_users(
    mutator: UserMutator,
    targets: Sequence[UserTarget],
    *,
    settings: Settings,
    now: datetime,
    apply: bool,
    clock: Clock = _utc_now,
) -> Iterator[Outcome]:
    """Quarantine each user still unused; already quarantined: no change."""
    caller = mutator.caller()

    def act(state: UserState) -> Outcome:
        name = state.name
        refused = user_refusal(state, settings=settings, caller_arn=caller.arn) or (
            _foreign_policy(state)
        )
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        if user_quarantined(state):
            return Outcome(name, Status.UNCHANGED, f"user {name} is already quarantined")
        finding = evaluate_user(state.as_user(), settings, now)
        if finding.compliance != Compliance.NON_COMPLIANT:
            return Outcome(
                name,
                Status.SKIPPED,
                f"user {name} is no longer unused ({finding.compliance}: {finding.annotation})",
            )
        steps = tuple(quarantine_user_steps(state, clock(), caller.arn))
        owner = owned_by(finding.owner)
        if not apply:
            return Outcome(name, Status.PLANNED, f"would quarantine user {name}{owner}", steps)
        execute_steps(mutator, steps)
        return Outcome(name, Status.DONE, f"quarantined user {name}{owner}", steps)

    return _each(mutator, targets, act)


def release_users(
    mutator: UserMutator, targets: Sequence[UserTarget], *, apply: bool
) -> Iterator[Outcome]:
    """Undo each user's quarantine exactly; a user not quarantined: no change."""

    def act(state: UserState) -> Outcome:
        name = state.name
        refused = _foreign_policy(state)
        if refused is not None:
            return Outcome(name, Status.REFUSED, refused)
        steps = tuple(release_user_steps(state))
        if not steps:
            return Outcome(name, Status.UNCHANGED, f"user {name} is not quarantined")
        notes = "".join(f"; {note}" for note in release_notes(state))
        if not apply:
            return Outcome(name, Status.PLANNED, f"would release user {name}{notes}", steps)
        execute_steps(mutator, steps)
        return Outcome(name, Status.DONE, f"released user {name}{notes}", steps)

    return _each(mutator, targets, act)
