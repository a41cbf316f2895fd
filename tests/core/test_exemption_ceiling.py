"""max_exemption_days: the ceiling on exemptions, in the core and in every kind's decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.errors import InvalidParameter
from dormant.core.model import Compliance
from dormant.core.parameters import rule_resource_type
from dormant.core.settings import Settings, settings_from_parameters
from dormant.core.tags import ExemptionState, check_exemption
from dormant.permissions.decide import evaluate_permissions, needs_access
from dormant.permissions.model import PermissionsReason, ServiceAccess
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Reason, Role
from dormant.users.decide import evaluate_user
from dormant.users.model import Credential, CredentialKind, User, UserReason
from dormant.users.parameters import user_settings_from_parameters

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
KEY = "dormant:exempt"
CEILING = Settings(max_exemption_days=180)
ACCOUNT = "111111111111"


def _role(tags: tuple[tuple[str, str], ...]) -> Role:
    return Role(
        role_id="AROAEXAMPLEAPP",
        name="app-role",
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/app-role",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-west-2",
        tags=tags,
        account_id=ACCOUNT,
    )


def _user(tags: tuple[tuple[str, str], ...]) -> User:
    key = Credential(
        kind=CredentialKind.ACCESS_KEY_1,
        active=True,
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=120),
    )
    return User(
        name="ci-deployer",
        arn=f"arn:aws:iam::{ACCOUNT}:user/ci-deployer",
        created=NOW - timedelta(days=500),
        credentials=(key,),
        user_id="AIDAEXAMPLECI",
        path="/",
        account_id=ACCOUNT,
        tags=tags,
    )


UNUSED = [
    ServiceAccess(namespace="kms", name="AWS KMS", last_used=None, last_used_region=None),
    ServiceAccess(
        namespace="s3", name="AWS S3", last_used=NOW - timedelta(days=1), last_used_region="x"
    ),
]

NO_UNTIL = " (exemption ignored: no until= within the 180-day limit)"
BEYOND = " (exemption ignored: until=2026-07-01 beyond the 180-day limit)"

# (tag value, settings, counts, note)
ROWS = [
    ("kept for audits", Settings(), True, ""),
    ("kept for audits", CEILING, False, NO_UNTIL),
    ("until=2026-06-30 migration", CEILING, True, ""),  # exactly 180 days away: counts
    ("until=2026-07-01 migration", CEILING, False, BEYOND),  # 181 days away
    ("until=2026-07-01 migration", Settings(), True, ""),
    ("until=2025-12-31 migration", CEILING, False, " (exemption expired 2025-12-31)"),
]


@pytest.mark.parametrize(("value", "settings", "counts", "note"), ROWS)
def test_roles_rows(value: str, settings: Settings, counts: bool, note: str) -> None:
    finding = evaluate_role(_role(((KEY, value), ("team", "data"))), settings, NOW)
    if counts:
        assert (finding.compliance, finding.reason) == (Compliance.COMPLIANT, Reason.EXEMPT)
    else:
        assert finding.compliance is Compliance.NON_COMPLIANT
        assert finding.annotation.endswith(f"{note}. Owner: data.")


@pytest.mark.parametrize(("value", "settings", "counts", "note"), ROWS)
def test_users_rows(value: str, settings: Settings, counts: bool, note: str) -> None:
    settings = replace(settings, max_days=45)
    finding = evaluate_user(_user(((KEY, value),)), settings, NOW)
    if counts:
        assert (finding.compliance, finding.reason) == (Compliance.COMPLIANT, UserReason.EXEMPT)
    else:
        assert (finding.compliance, finding.reason) == (Compliance.NON_COMPLIANT, UserReason.STALE)
        assert finding.annotation == f"Access key 1 last used 120 days ago{note}"


@pytest.mark.parametrize(("value", "settings", "counts", "note"), ROWS)
def test_permissions_rows(value: str, settings: Settings, counts: bool, note: str) -> None:
    role = _role(((KEY, value),))
    finding = evaluate_permissions(role, UNUSED, settings, NOW)
    assert needs_access(role, settings, NOW) is not counts
    if counts:
        expected = (Compliance.COMPLIANT, PermissionsReason.EXEMPT)
        assert (finding.compliance, finding.reason) == expected
    else:
        assert finding.compliance is Compliance.NON_COMPLIANT
        assert finding.annotation.endswith(note)


def test_the_annotation_quotes_the_until_day_and_fits() -> None:
    value = "until=2026-07-01 " + "x" * 240
    finding = evaluate_role(_role(((KEY, value),)), CEILING, NOW)
    assert finding.compliance is Compliance.NON_COMPLIANT
    assert len(finding.annotation) <= 256


DAYS = st.integers(min_value=1, max_value=3650)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)


@given(ceiling=DAYS, now=MOMENTS, extra=st.integers(min_value=-3, max_value=3))
def test_exactly_n_days_away_counts_n_plus_one_does_not(
    ceiling: int, now: datetime, extra: int
) -> None:
    until = now.date() + timedelta(days=ceiling + extra)
    check = check_exemption(((KEY, f"until={until.isoformat()}"),), KEY, now, ceiling)
    assert check is not None
    if ceiling + extra < 0:
        expected = ExemptionState.EXPIRED
    else:
        expected = ExemptionState.ACTIVE if extra <= 0 else ExemptionState.BEYOND
    assert check.state is expected


@given(ceiling=DAYS, day=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_whole_utc_days_from_any_moment_of_now(ceiling: int, day: date) -> None:
    until = day + timedelta(days=ceiling)
    for moment in (time(0, 0), time(23, 59, 59)):
        now = datetime.combine(day, moment, tzinfo=UTC)
        check = check_exemption(((KEY, f"until={until.isoformat()}"),), KEY, now, ceiling)
        assert check is not None
        assert check.state is ExemptionState.ACTIVE


@given(ceiling=DAYS, now=MOMENTS)
def test_no_until_never_counts_under_a_ceiling(ceiling: int, now: datetime) -> None:
    check = check_exemption(((KEY, "forever"),), KEY, now, ceiling)
    assert check is not None
    assert check.state is ExemptionState.UNBOUNDED


def test_the_rule_parameter_for_every_kind() -> None:
    assert settings_from_parameters({"max_exemption_days": "90"}).max_exemption_days == 90
    assert settings_from_parameters({}).max_exemption_days is None
    env = {"MAX_EXEMPTION_DAYS": "30"}
    assert settings_from_parameters({}, env).max_exemption_days == 30
    assert settings_from_parameters({"max_exemption_days": ""}, {}).max_exemption_days is None
    assert user_settings_from_parameters({"max_exemption_days": 7}).max_exemption_days == 7
    assert user_settings_from_parameters({}, env).max_exemption_days == 30
    for kind in ("AWS::IAM::Role", "AWS::IAM::User"):
        params = {"resource_type": kind, "max_exemption_days": "90"}
        assert rule_resource_type(params) == kind


@pytest.mark.parametrize("value", ["0", "3651", "-1", "1.5", "ninety", True, 0])
def test_a_bad_ceiling_names_the_parameter(value: object) -> None:
    with pytest.raises(InvalidParameter) as caught:
        settings_from_parameters({"max_exemption_days": value})
    message = str(caught.value)
    assert "max_exemption_days" in message
    assert "1 to 3650" in message
    assert "\n" not in message
