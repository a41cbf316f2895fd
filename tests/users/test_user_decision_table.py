"""The users' decision table, row by row, and its day boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.evaluations import ANNOTATION_MAX_CHARS, evaluation_for
from dormant.core.model import RESOURCE_TYPE_USER, Compliance
from dormant.core.settings import Settings
from dormant.users.decide import DEFAULT_USER_MAX_DAYS, evaluate_user
from dormant.users.model import ROOT_USER_NAME, Credential, CredentialKind, User, UserReason

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = Settings(max_days=DEFAULT_USER_MAX_DAYS)
PASSWORD = CredentialKind.PASSWORD
KEY1 = CredentialKind.ACCESS_KEY_1
KEY2 = CredentialKind.ACCESS_KEY_2


def cred(
    kind: CredentialKind, *, age: float = 400, unused: float | None = None, active: bool = True
) -> Credential:
    return Credential(
        kind=kind,
        active=active,
        created=NOW - timedelta(days=age),
        last_used=None if unused is None else NOW - timedelta(days=unused),
        last_used_region=None if unused is None else "eu-west-1",
        last_used_service=None if unused is None else "s3",
    )


def user(*credentials: Credential, name: str = "alice", path: str = "/") -> User:
    return User(
        name=name,
        arn=f"arn:aws:iam::111111111111:user{path}{name}",
        created=NOW - timedelta(days=500),
        credentials=credentials,
        user_id="AIDAEXAMPLE" + name.upper()[:8],
        path=path,
        account_id="111111111111",
    )


def root(*credentials: Credential) -> User:
    return User(
        name=ROOT_USER_NAME,
        arn="arn:aws:iam::111111111111:root",
        created=NOW - timedelta(days=900),
        credentials=credentials,
        account_id="111111111111",
    )


CASES = [
    # (description, user, settings, compliance, reason, annotation)
    (
        "root with an active key",
        root(cred(KEY2, unused=1)),
        WINDOW,
        Compliance.NON_COMPLIANT,
        UserReason.ROOT,
        "Root user has an active access key",
    ),
    (
        "root with an inactive key and a password: never reported",
        root(cred(PASSWORD, unused=400), cred(KEY1, active=False)),
        WINDOW,
        Compliance.NOT_APPLICABLE,
        UserReason.ROOT,
        "Root user has no active access key",
    ),
    (
        "allow-listed, stale or not",
        user(cred(KEY1, unused=400), name="breakglass", path="/admin/"),
        Settings(max_days=45, allow_patterns=("/ops/*", "/admin/*")),
        Compliance.COMPLIANT,
        UserReason.ALLOW_LISTED,
        "User matches allow-list pattern /admin/*",
    ),
    (
        "no credential at all",
        user(),
        WINDOW,
        Compliance.COMPLIANT,
        UserReason.NO_ACTIVE_CREDENTIALS,
        "No active credentials",
    ),
    (
        "only an inactive old key",
        user(cred(KEY1, unused=400, active=False)),
        WINDOW,
        Compliance.COMPLIANT,
        UserReason.NO_ACTIVE_CREDENTIALS,
        "No active credentials",
    ),
    (
        "the issue's example: stale password and a never-used key",
        user(cred(PASSWORD, unused=120), cred(KEY1, age=95)),
        WINDOW,
        Compliance.NON_COMPLIANT,
        UserReason.STALE,
        "Password last used 120 days ago; access key 1 never used in 95 days",
    ),
    (
        "only key 2 stale; key 1 recently used",
        user(cred(KEY1, unused=3), cred(KEY2, unused=46)),
        WINDOW,
        Compliance.NON_COMPLIANT,
        UserReason.STALE,
        "Access key 2 last used 46 days ago",
    ),
    (
        "password never used and older than the window",
        user(cred(PASSWORD, age=46)),
        WINDOW,
        Compliance.NON_COMPLIANT,
        UserReason.STALE,
        "Password never used in 46 days",
    ),
    (
        "young never-used key",
        user(cred(KEY1, age=10)),
        WINDOW,
        Compliance.COMPLIANT,
        UserReason.RECENTLY_USED,
        "Access key 1 never used in 10 days",
    ),
    (
        "used on the window's last day",
        user(cred(PASSWORD, unused=45), cred(KEY1, unused=2)),
        WINDOW,
        Compliance.COMPLIANT,
        UserReason.RECENTLY_USED,
        "Access key 1 last used 2 days ago",
    ),
    (
        "a stale inactive key does not count",
        user(cred(PASSWORD, unused=5), cred(KEY1, unused=300, active=False)),
        WINDOW,
        Compliance.COMPLIANT,
        UserReason.RECENTLY_USED,
        "Password last used 5 days ago",
    ),
    (
        "window 0: used yesterday is stale",
        user(cred(KEY1, unused=1)),
        Settings(max_days=0),
        Compliance.NON_COMPLIANT,
        UserReason.STALE,
        "Access key 1 last used 1 days ago",
    ),
]


@pytest.mark.parametrize(
    ("subject", "settings", "compliance", "reason", "annotation"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_table(
    subject: User,
    settings: Settings,
    compliance: Compliance,
    reason: UserReason,
    annotation: str,
) -> None:
    finding = evaluate_user(subject, settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_finding_is_reported_to_config_as_a_user_by_user_id() -> None:
    finding = evaluate_user(user(cred(KEY1, unused=100)), WINDOW, NOW)
    evaluation = evaluation_for(finding, NOW)
    assert evaluation.resource_type == RESOURCE_TYPE_USER == "AWS::IAM::User"
    assert evaluation.resource_id == "AIDAEXAMPLEALICE"
    assert finding.resource_name == "alice"
    assert finding.arn == "arn:aws:iam::111111111111:user/alice"


def test_credential_statuses_say_how_long_and_whether_stale() -> None:
    finding = evaluate_user(
        user(cred(PASSWORD, unused=120), cred(KEY1, age=95), cred(KEY2, unused=400, active=False)),
        WINDOW,
        NOW,
    )
    assert [(s.kind, s.days_unused, s.stale) for s in finding.credentials] == [
        (PASSWORD, 120, True),
        (KEY1, 95, True),
        (KEY2, 400, False),
    ]


def test_annotation_fits_config_even_with_every_credential_stale() -> None:
    finding = evaluate_user(
        user(cred(PASSWORD, age=10**5), cred(KEY1, unused=10**5), cred(KEY2, age=10**5)),
        WINDOW,
        NOW,
    )
    assert finding.annotation == (
        "Password never used in 100000 days; access key 1 last used 100000 days ago; "
        "access key 2 never used in 100000 days"
    )
    long_pattern = "/" + "a" * 300 + "*"
    allowed = evaluate_user(
        user(name="a" * 64, path="/" + "a" * 300 + "/"),
        Settings(allow_patterns=(long_pattern,)),
        NOW,
    )
    assert allowed.reason == UserReason.ALLOW_LISTED
    assert len(allowed.annotation) == ANNOTATION_MAX_CHARS
    assert allowed.annotation.endswith("...")


@given(
    window=st.integers(min_value=0, max_value=400),
    seconds=st.integers(min_value=0, max_value=500 * 86400),
    used=st.booleans(),
)
def test_stale_exactly_when_whole_days_exceed_the_window(
    window: int, seconds: int, used: bool
) -> None:
    moment = NOW - timedelta(seconds=seconds)
    credential = Credential(
        kind=KEY1,
        active=True,
        created=moment if not used else NOW - timedelta(days=1000),
        last_used=moment if used else None,
    )
    finding = evaluate_user(user(credential), Settings(max_days=window), NOW)
    whole = seconds // 86400
    assert finding.credentials[0].days_unused == whole
    expected = Compliance.NON_COMPLIANT if whole > window else Compliance.COMPLIANT
    assert finding.compliance == expected


@given(hours=st.integers(min_value=-48, max_value=48))
def test_window_edge_is_whole_utc_days(hours: int) -> None:
    # 45 days and up to 23:59 more is still 45 whole days: compliant; 46 is not.
    last_used = NOW - timedelta(days=46) + timedelta(hours=hours)
    finding = evaluate_user(
        user(Credential(kind=PASSWORD, active=True, created=None, last_used=last_used)),
        WINDOW,
        NOW,
    )
    stale = NOW - last_used >= timedelta(days=46)
    assert finding.compliance == (Compliance.NON_COMPLIANT if stale else Compliance.COMPLIANT)
