"""Boundaries of the assignments' decision, by hypothesis: the window's day edge, and any
number of principals always fitting Config's 256 characters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dormant.assignments.decide import evaluate_assignment
from dormant.assignments.model import (
    AccountPermissionSet,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
)
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.core.time import whole_days

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SET = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa"


def _subject(
    created: datetime, last_used: datetime | None, principals: tuple[Principal, ...]
) -> AccountPermissionSet:
    role = ReservedRole(
        "AWSReservedSSO_Admin_0123456789abcdef",
        "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
        "AROAEXAMPLE",
        "/aws-reserved/sso.amazonaws.com/",
        created,
        last_used,
    )
    return AccountPermissionSet(
        "111111111111",
        "arn:aws:sso:::instance/ssoins-1111111111111111",
        "Admin",
        PermissionSet(SET, "Admin", tags=(("owner", "x" * 100),)),
        principals,
        role,
    )


@settings(max_examples=200, deadline=None)
@given(
    created_s=st.integers(min_value=0, max_value=800 * 86400),
    used_s=st.one_of(st.none(), st.integers(min_value=0, max_value=800 * 86400)),
    window=st.integers(min_value=1, max_value=400),
)
def test_non_compliant_exactly_when_unused_and_older_than_the_window(
    created_s: int, used_s: int | None, window: int
) -> None:
    created = NOW - timedelta(seconds=created_s)
    used = None if used_s is None else NOW - timedelta(seconds=min(used_s, created_s))
    finding = evaluate_assignment(
        _subject(created, used, (Principal(PrincipalType.USER, "u-1", "jdoe"),)),
        Settings(max_days=window),
        NOW,
    )
    idle = whole_days(used if used is not None else created, NOW)
    expected = idle > window and whole_days(created, NOW) > window
    assert (finding.compliance is Compliance.NON_COMPLIANT) == expected


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64),
        min_size=1,
        max_size=60,
    )
)
def test_the_annotation_always_fits_and_names_someone(names: list[str]) -> None:
    principals = tuple(
        Principal(PrincipalType.GROUP if i % 2 else PrincipalType.USER, f"id-{i}", name, i)
        for i, name in enumerate(names)
    )
    finding = evaluate_assignment(
        _subject(NOW - timedelta(days=500), None, principals), Settings(max_days=90), NOW
    )
    assert finding.compliance is Compliance.NON_COMPLIANT
    assert len(finding.annotation) <= 256
    assert finding.annotation.startswith("Never used in 500 days by ")
