"""Users' remediation follows the roles' rules: its policy is known by its statements, an
undo puts earlier tag values back, and release reactivates only the keys quarantine left.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from dormant.remediation.quarantine import quarantine_policy_document
from dormant.users.remediate import (
    AccessKeyState,
    UserState,
    quarantine_user_steps,
    release_notes,
    release_user_steps,
    user_quarantined,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
QUARANTINED_AT = NOW - timedelta(days=10)
ACCOUNT = "111111111111"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/operator"


def _user(*keys: AccessKeyState, tags: tuple[tuple[str, str], ...] = ()) -> UserState:
    return UserState(
        name="alice",
        user_id="AIDAALICE",
        arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
        path="/",
        created=NOW - timedelta(days=500),
        account_id=ACCOUNT,
        keys=keys,
        tags=tags,
    )


def _key(key_id: str, *, active: bool, used_days_ago: int | None = 100) -> AccessKeyState:
    return AccessKeyState(
        key_id=key_id,
        active=active,
        created=NOW - timedelta(days=300),
        last_used=None if used_days_ago is None else NOW - timedelta(days=used_days_ago),
    )


def _quarantined(*keys: AccessKeyState, listed: str) -> UserState:
    return replace(
        _user(*keys),
        quarantine_policy=quarantine_policy_document(QUARANTINED_AT),
        tags=(
            ("team", "data"),
            ("dormant:quarantined-at", "2024-05-22T12:00:00Z"),
            ("dormant:quarantined-by", CALLER),
            ("dormant:deactivated-keys", listed),
        ),
    )


def test_the_policy_is_known_by_its_statements_not_by_a_tag() -> None:
    ours = replace(_user(), quarantine_policy=quarantine_policy_document(NOW))
    assert user_quarantined(ours)  # the tags were lost: still dormant's own policy
    theirs = replace(
        _user(tags=(("dormant:quarantined-at", "2024-05-22T12:00:00Z"),)),
        quarantine_policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]},
    )
    assert not user_quarantined(theirs)  # a tag alone does not make someone's policy ours
    steps = release_user_steps(ours)
    assert [s.operation for s in steps] == ["DeleteUserPolicy"]


def test_undoing_the_tags_puts_their_earlier_values_back() -> None:
    earlier = _user(_key("AKIAONE", active=True), tags=(("dormant:quarantined-by", "someone"),))
    [*_, tag] = quarantine_user_steps(earlier, NOW, CALLER)
    assert tag.operation == "TagUser"
    assert [(u.operation, dict(u.params)) for u in tag.undo] == [
        (
            "UntagUser",
            {
                "UserName": "alice",
                "TagKeys": ["dormant:quarantined-at", "dormant:deactivated-keys"],
            },
        ),
        (
            "TagUser",
            {"UserName": "alice", "Tags": [{"Key": "dormant:quarantined-by", "Value": "someone"}]},
        ),
    ]


def test_release_reactivates_only_the_keys_quarantine_left_as_they_are() -> None:
    state = _quarantined(
        _key("AKIALEFT", active=False),  # as quarantine left it
        _key("AKIAAGAIN", active=False, used_days_ago=2),  # used since: someone reactivated it
        _key("AKIAACTIVE", active=True, used_days_ago=1),  # active again already
        _key("AKIANEVER", active=False),  # deactivated by someone else, never listed
        listed="AKIALEFT AKIAAGAIN AKIAACTIVE AKIAGONE",
    )
    steps = release_user_steps(state)
    reactivated = [s.params["AccessKeyId"] for s in steps if s.operation == "UpdateAccessKey"]
    assert reactivated == ["AKIALEFT"]
    assert release_notes(state) == [
        "access key AKIAAGAIN was used after the quarantine, so someone reactivated and "
        "deactivated it since: left inactive",
        "access key AKIAACTIVE is already active",
        "access key AKIAGONE no longer exists (deleted or replaced since the quarantine)",
    ]
    assert json.dumps([dict(s.params) for s in steps])  # the plan is plain data
