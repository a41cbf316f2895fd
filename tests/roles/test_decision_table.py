"""The decision table, row by row, and its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.model import Compliance
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.time import whole_days
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Reason, Role

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def role(
    name: str = "app-role",
    *,
    path: str = "/",
    age: float = 400,
    unused: float | None = None,
    region: str | None = "us-west-2",
) -> Role:
    return Role(
        role_id="AROAEXAMPLE" + name.upper().replace("-", "")[:8],
        name=name,
        path=path,
        arn=f"arn:aws:iam::111111111111:role{path}{name}",
        created=NOW - timedelta(days=age),
        last_used=None if unused is None else NOW - timedelta(days=unused),
        last_used_region=None if unused is None else region,
        account_id="111111111111",
    )


CASES = [
    # (description, role, settings, compliance, reason, annotation)
    (
        "used 46 days ago: the blog's example line",
        role(unused=46),
        Settings(),
        Compliance.COMPLIANT,
        Reason.RECENTLY_USED,
        "Was last used in us-west-2 46 days ago",
    ),
    (
        "never used and old",
        role(unused=None),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.NEVER_USED,
        "No record of usage",
    ),
    (
        "used 61 days ago",
        role(unused=61),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 61 days ago",
    ),
    (
        "used exactly 60 days ago is still within the window",
        role(unused=60),
        Settings(),
        Compliance.COMPLIANT,
        Reason.RECENTLY_USED,
        "Was last used in us-west-2 60 days ago",
    ),
    (
        "young and never used",
        role(age=10),
        Settings(),
        Compliance.COMPLIANT,
        Reason.YOUNG,
        "Role age is 10 days",
    ),
    (
        "exactly as old as the window is young",
        role(age=60),
        Settings(),
        Compliance.COMPLIANT,
        Reason.YOUNG,
        "Role age is 60 days",
    ),
    (
        "allow-listed beats never used",
        role("breakglass-role"),
        Settings(allow_patterns=("/breakglass-role", "/security-*")),
        Compliance.COMPLIANT,
        Reason.ALLOW_LISTED,
        "Role matches allow-list pattern /breakglass-role",
    ),
    (
        "allow-list wildcard",
        role("security-audit-role", unused=500),
        Settings(allow_patterns=("/breakglass-role", "/security-*")),
        Compliance.COMPLIANT,
        Reason.ALLOW_LISTED,
        "Role matches allow-list pattern /security-*",
    ),
    (
        "allow-list is case-sensitive",
        role("Security-audit-role", unused=500),
        Settings(allow_patterns=("/security-*",)),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 500 days ago",
    ),
    (
        "service-linked is not applicable by default",
        role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"),
        Settings(),
        Compliance.NOT_APPLICABLE,
        Reason.SERVICE_LINKED,
        "Service-linked role: AWS manages it and users cannot delete or quarantine it",
    ),
    (
        "service-linked evaluated when included",
        role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"),
        Settings(include_service_linked=True),
        Compliance.NON_COMPLIANT,
        Reason.NEVER_USED,
        "No record of usage",
    ),
    (
        "window of zero: used today is compliant",
        role(unused=0.5),
        Settings(max_days=0),
        Compliance.COMPLIANT,
        Reason.RECENTLY_USED,
        "Was last used in us-west-2 0 days ago",
    ),
    (
        "window of zero: used yesterday is not",
        role(unused=1),
        Settings(max_days=0),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 1 days ago",
    ),
    (
        "last use without a region",
        role(unused=100, region=None),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in an unknown region 100 days ago",
    ),
]


@pytest.mark.parametrize(
    ("the_role", "settings", "compliance", "reason", "annotation"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_table(
    the_role: Role, settings: Settings, compliance: Compliance, reason: Reason, annotation: str
) -> None:
    finding = evaluate_role(the_role, settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_days_unused_is_none_when_never_used_and_whole_days_otherwise() -> None:
    assert evaluate_role(role(unused=None), Settings(), NOW).days_unused is None
    assert evaluate_role(role(unused=46.9), Settings(), NOW).days_unused == 46


@given(
    window=st.integers(min_value=0, max_value=3000),
    seconds_unused=st.integers(min_value=0, max_value=4000 * 86400),
)
def test_unused_boundary_follows_whole_days(window: int, seconds_unused: int) -> None:
    last_used = NOW - timedelta(seconds=seconds_unused)
    r = Role(
        role_id="AROAX",
        name="r",
        path="/",
        arn="arn:aws:iam::111111111111:role/r",
        created=NOW - timedelta(days=window + 5000),
        last_used=last_used,
        last_used_region="eu-west-1",
    )
    finding = evaluate_role(r, Settings(max_days=window), NOW)
    days = seconds_unused // 86400
    assert finding.days_unused == days
    expected = Compliance.NON_COMPLIANT if days > window else Compliance.COMPLIANT
    assert finding.compliance is expected


@given(window=st.integers(min_value=0, max_value=3000), age_seconds=st.integers(0, 6000 * 86400))
def test_young_roles_are_spared_up_to_and_including_the_window(
    window: int, age_seconds: int
) -> None:
    r = Role(
        role_id="AROAX",
        name="r",
        path="/",
        arn="arn:aws:iam::111111111111:role/r",
        created=NOW - timedelta(seconds=age_seconds),
    )
    finding = evaluate_role(r, Settings(max_days=window), NOW)
    if age_seconds // 86400 <= window:
        assert finding.reason is Reason.YOUNG
        assert finding.compliance is Compliance.COMPLIANT
    else:
        assert finding.reason is Reason.NEVER_USED
        assert finding.compliance is Compliance.NON_COMPLIANT


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_whole_days_is_floor_and_never_negative(a: datetime, b: datetime) -> None:
    days = whole_days(a, b)
    assert days >= 0
    if b > a:
        assert timedelta(days=days) <= b - a < timedelta(days=days + 1)
    else:
        assert days == 0


def test_whole_days_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        whole_days(datetime(2024, 1, 1), NOW)


def test_dates_in_the_future_count_as_zero_days() -> None:
    future = role(age=-3, unused=None)
    finding = evaluate_role(future, Settings(), NOW)
    assert finding.age_days == 0
    assert finding.reason is Reason.YOUNG


NAME_CHARS = st.sampled_from("abcXYZ019_+=,.@-")


@given(
    path=st.lists(st.text(NAME_CHARS, min_size=1, max_size=5), max_size=3).map(
        lambda parts: "/" + "".join(p + "/" for p in parts)
    ),
    name=st.text(NAME_CHARS, min_size=1, max_size=20),
)
def test_literal_pattern_matches_exactly_its_own_role(path: str, name: str) -> None:
    full = path + name
    assert matching_pattern(full, [full]) == full
    assert matching_pattern(full + "x", [full]) is None
    assert matching_pattern(full, ["*"]) == "*"
    assert matching_pattern(full, [path + "*"]) == path + "*"


def test_first_matching_pattern_wins() -> None:
    assert matching_pattern("/security-x", ["/nope", "/security-*", "*"]) == "/security-*"
    assert matching_pattern("/team/a/role", ["/team/*"]) == "/team/*"
    assert matching_pattern("/team/a/role", ["/team/?/role"]) == "/team/?/role"
    assert matching_pattern("/team/a/role", ["/team/[!a]/role"]) is None
