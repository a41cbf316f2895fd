"""The users' join: each AWS unused-credential finding gets dormant's decision on that
credential and whether they agree. Table-driven, one row per kind of (dis)agreement, over
plain values: `evaluate_user` (the command's one decision) decides, `join_user_findings`
compares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.aws_findings import AwsFinding
from dormant.core.settings import DEFAULT_EXEMPT_TAG_KEY, Settings
from dormant.users.agreement import join_user_findings, needs_key_id
from dormant.users.decide import evaluate_user
from dormant.users.model import Credential, CredentialKind, User

ACCOUNT = "123456789012"
OTHER = "111111111111"
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)
ANALYZED = NOW - timedelta(days=2)
OLD = NOW - timedelta(days=400)
PASSWORD, KEY1, KEY2 = (
    CredentialKind.PASSWORD,
    CredentialKind.ACCESS_KEY_1,
    CredentialKind.ACCESS_KEY_2,
)


def days_ago(days: int | None) -> datetime | None:
    return None if days is None else NOW - timedelta(days=days)


def user(
    name: str,
    *credentials: Credential,
    tags: dict[str, str] | None = None,
    path: str = "/",
    account: str = ACCOUNT,
) -> User:
    return User(
        name=name,
        arn=f"arn:aws:iam::{account}:user{path}{name}",
        created=OLD,
        credentials=credentials,
        path=path,
        tags=tuple((tags or {}).items()),
        account_id=account,
    )


def cred(
    kind: CredentialKind, used: int | None = None, *, created: datetime = OLD, active: bool = True
) -> Credential:
    return Credential(kind, active, created, days_ago(used))


def aws(target: User, kind: str, *, key: str | None = None, window: int = 90) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"finding-{target.name}-{kind}",
        type=kind,
        status="ACTIVE",
        analyzed_at=ANALYZED,
        resource_arn=target.arn,
        account_id=target.account_id,
        window_days=window,
        analyzer_arn=f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused",
        access_key_id=key,
    )


PW, AK = "UnusedIAMUserPassword", "UnusedIAMUserAccessKey"
SETTINGS = Settings(max_days=90)
CASES = [
    # (label, user, finding type, key id, settings, credential matched, agrees, why)
    ("both unused", user("a", cred(KEY1)), AK, None, SETTINGS, KEY1, True, None),
    ("password", user("b", cred(PASSWORD, 120)), PW, None, SETTINGS, PASSWORD, True, None),
    (
        "root",
        user("<root_account>", cred(KEY1)),
        AK,
        None,
        SETTINGS,
        KEY1,
        False,
        "root user: dormant never retires it",
    ),
    (
        "exempt",
        user("c", cred(PASSWORD), tags={DEFAULT_EXEMPT_TAG_KEY: "until=2027-01-31 audit"}),
        PW,
        None,
        SETTINGS,
        PASSWORD,
        False,
        "exempt by tag until 2027-01-31",
    ),
    (
        "allow-listed",
        user("d", cred(KEY1), path="/ci/"),
        AK,
        None,
        Settings(max_days=90, allow_patterns=("/ci/*",)),
        KEY1,
        False,
        "allow-listed (/ci/*)",
    ),
    (
        "password gone",
        user("e", cred(KEY1, 1)),
        PW,
        None,
        SETTINGS,
        None,
        False,
        "no console password now (gone after AWS's last analysis)",
    ),
    (
        "key replaced",
        user("f", cred(KEY1, created=NOW - timedelta(days=1))),
        AK,
        None,
        SETTINGS,
        KEY1,
        False,
        "access key 1 created after AWS's last analysis (the one AWS flagged is gone)",
    ),
    (
        "key deactivated",
        user("g", cred(KEY1, active=False)),
        AK,
        None,
        SETTINGS,
        KEY1,
        False,
        "access key 1 is inactive: nothing to retire",
    ),
    (
        "used after the analysis",
        user("h", cred(PASSWORD, 1)),
        PW,
        None,
        SETTINGS,
        PASSWORD,
        False,
        "password used 1 day ago, after AWS's last analysis",
    ),
    (
        "windows differ",
        user("i", cred(KEY1, 100)),
        AK,
        None,
        Settings(max_days=120),
        KEY1,
        False,
        "AWS window 90 days, dormant's 120",
    ),
    (
        "used within dormant's window",
        user("j", cred(KEY1, 40)),
        AK,
        None,
        SETTINGS,
        KEY1,
        False,
        "access key 1 used 40 days ago, within dormant's 90",
    ),
    (
        "the second of two keys, by id",
        user("k", cred(KEY1), cred(KEY2, 5, created=OLD + timedelta(days=3))),
        AK,
        "AKIAKEYTWO",
        SETTINGS,
        KEY2,
        False,
        "access key 2 used 5 days ago, within dormant's 90",
    ),
    (
        "the first of two keys, by id",
        user("l", cred(KEY1), cred(KEY2, 5, created=OLD + timedelta(days=3))),
        AK,
        "AKIAKEYONE",
        SETTINGS,
        KEY1,
        True,
        None,
    ),
]
KEY_CREATED = {"AKIAKEYONE": OLD, "AKIAKEYTWO": OLD + timedelta(days=3)}


@pytest.mark.parametrize(
    ("target", "kind", "key", "settings", "matched", "agrees", "why"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_agreement(
    target: User,
    kind: str,
    key: str | None,
    settings: Settings,
    matched: CredentialKind | None,
    agrees: bool,
    why: str | None,
) -> None:
    finding = evaluate_user(target, settings, NOW)
    (joined,), failures = join_user_findings(
        [aws(target, kind, key=key)],
        [finding],
        settings=settings,
        now=NOW,
        reachable_accounts={ACCOUNT},
        key_created=KEY_CREATED,
    )
    assert failures == []
    assert joined.aws_credential is matched
    assert joined.agreement is not None
    assert (joined.agreement.agrees, joined.agreement.why) == (agrees, why)
    assert (joined.compliance, joined.annotation) == (finding.compliance, finding.annotation)


def test_only_a_key_finding_about_a_user_with_two_keys_needs_its_details() -> None:
    two = evaluate_user(user("m", cred(KEY1), cred(KEY2)), SETTINGS, NOW)
    one = evaluate_user(user("n", cred(KEY1), cred(PASSWORD)), SETTINGS, NOW)
    assert needs_key_id(aws(two.user, AK), two)
    assert not needs_key_id(aws(two.user, AK, key="AKIAKEYONE"), two)
    assert not needs_key_id(aws(two.user, PW), two)
    assert not needs_key_id(aws(one.user, AK), one)


def test_unreachable_accounts_and_users_missing_from_the_report_are_failures() -> None:
    here = user("o", cred(KEY1))
    gone = user("p", cred(KEY1))
    there = user("q", cred(KEY1), account=OTHER)
    joined, failures = join_user_findings(
        [aws(here, AK), aws(gone, AK), aws(there, AK), aws(there, PW)],
        [evaluate_user(here, SETTINGS, NOW)],
        settings=SETTINGS,
        now=NOW,
        reachable_accounts={ACCOUNT},
    )
    assert [j.user.name for j in joined] == ["o"]
    assert [f.account_id for f in failures] == [ACCOUNT, OTHER]
    assert gone.arn in failures[0].message
    assert "credential report" in failures[0].message
    assert "2 unused user credentials" in failures[1].message
    assert "cannot reach" in failures[1].message
