"""The assignments' decision table, one row per case, with an injected ``now``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dormant.assignments.decide import evaluate_assignment, principals_text
from dormant.assignments.model import (
    AccountPermissionSet,
    AssignmentReason,
    PermissionSet,
    Principal,
    PrincipalType,
    ReservedRole,
    permission_set_name_of,
)
from dormant.core.model import Compliance
from dormant.core.settings import Settings

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ACCOUNT = "111111111111"
INSTANCE = "arn:aws:sso:::instance/ssoins-1111111111111111"
SET_ARN = f"{INSTANCE.replace(':instance/', ':permissionSet/')}/ps-aaaaaaaaaaaaaaaa"
GROUP = Principal(PrincipalType.GROUP, "g-1", "Platform-Admins", 12)
USER = Principal(PrincipalType.USER, "u-1", "jdoe")


def _role(*, created_days: int = 300, used_days: int | None = None) -> ReservedRole:
    return ReservedRole(
        name="AWSReservedSSO_Admin_0123456789abcdef",
        arn=f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
        role_id="AROAEXAMPLE",
        path="/aws-reserved/sso.amazonaws.com/",
        created=NOW - timedelta(days=created_days),
        last_used=None if used_days is None else NOW - timedelta(days=used_days),
        last_used_region=None if used_days is None else "eu-west-1",
    )


def _subject(
    *,
    tags: tuple[tuple[str, str], ...] = (),
    principals: tuple[Principal, ...] = (GROUP, USER),
    role: ReservedRole | None = None,
    role_matches: int = 1,
    known: bool = True,
) -> AccountPermissionSet:
    return AccountPermissionSet(
        account_id=ACCOUNT,
        instance_arn=INSTANCE,
        permission_set_name="Admin",
        permission_set=PermissionSet(SET_ARN, "Admin", tags=tags) if known else None,
        principals=principals,
        role=role if role is not None or role_matches != 1 else _role(),
        role_matches=role_matches,
    )


SETTINGS = Settings(max_days=90)


@pytest.mark.parametrize(
    ("subject", "settings", "compliance", "reason", "annotation"),
    [
        (
            _subject(known=False),
            SETTINGS,
            Compliance.NOT_APPLICABLE,
            AssignmentReason.NO_PERMISSION_SET,
            "Reserved role AWSReservedSSO_Admin_0123456789abcdef matches no permission set "
            "provisioned to the account",
        ),
        (
            _subject(tags=(("dormant:exempt", "until=2026-07-01 audit"),)),
            SETTINGS,
            Compliance.COMPLIANT,
            AssignmentReason.EXEMPT,
            "Exempt by tag dormant:exempt until 2026-07-01: audit",
        ),
        (
            _subject(),
            Settings(max_days=90, allow_patterns=("Adm*",)),
            Compliance.COMPLIANT,
            AssignmentReason.ALLOW_LISTED,
            "Permission set matches allow-list pattern Adm*",
        ),
        (
            _subject(principals=()),
            SETTINGS,
            Compliance.NOT_APPLICABLE,
            AssignmentReason.NO_ASSIGNMENT,
            "Provisioned to the account with no assignment",
        ),
        (
            _subject(role_matches=2),
            SETTINGS,
            Compliance.NOT_APPLICABLE,
            AssignmentReason.AMBIGUOUS_ROLE,
            "2 reserved roles match AWSReservedSSO_Admin_*: not guessed",
        ),
        (
            _subject(role_matches=0),
            SETTINGS,
            Compliance.NOT_APPLICABLE,
            AssignmentReason.NO_ROLE,
            "Assigned, but the account has no reserved role AWSReservedSSO_Admin_*",
        ),
        (
            _subject(role=_role(used_days=90)),
            SETTINGS,
            Compliance.COMPLIANT,
            AssignmentReason.RECENTLY_USED,
            "Last used in eu-west-1 on 2026-03-03 (90 days ago)",
        ),
        (
            _subject(role=_role(created_days=90)),
            SETTINGS,
            Compliance.COMPLIANT,
            AssignmentReason.NEW,
            "Created on 2026-03-03, within the 90-day window",
        ),
        (
            _subject(role=_role(used_days=142)),
            SETTINGS,
            Compliance.NON_COMPLIANT,
            AssignmentReason.STALE,
            "Unused for 142 days by group Platform-Admins (12 members) and user jdoe",
        ),
        (
            _subject(role=_role(created_days=91)),
            SETTINGS,
            Compliance.NON_COMPLIANT,
            AssignmentReason.STALE,
            "Never used in 91 days by group Platform-Admins (12 members) and user jdoe",
        ),
        (
            _subject(tags=(("owner", "platform-team"),), role=_role(used_days=142)),
            SETTINGS,
            Compliance.NON_COMPLIANT,
            AssignmentReason.STALE,
            "Unused for 142 days by group Platform-Admins (12 members) and user jdoe. "
            "Owner: platform-team.",
        ),
        (
            # An exemption beyond --max-exemption-days does not count, and says so.
            _subject(tags=(("dormant:exempt", "until=2027-06-01"),), role=_role(used_days=142)),
            Settings(max_days=90, max_exemption_days=180),
            Compliance.NON_COMPLIANT,
            AssignmentReason.STALE,
            "Unused for 142 days by group Platform-Admins (12 members) and user jdoe "
            "(exemption ignored: until=2027-06-01 beyond the 180-day limit)",
        ),
        (
            _subject(tags=(("dormant:exempt", "until=2026-05-31"),), role=_role(used_days=142)),
            SETTINGS,
            Compliance.NON_COMPLIANT,
            AssignmentReason.STALE,
            "Unused for 142 days by group Platform-Admins (12 members) and user jdoe "
            "(exemption expired 2026-05-31)",
        ),
    ],
)
def test_each_row_of_the_table(
    subject: AccountPermissionSet,
    settings: Settings,
    compliance: Compliance,
    reason: AssignmentReason,
    annotation: str,
) -> None:
    finding = evaluate_assignment(subject, settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_the_window_edge_is_whole_days() -> None:
    almost_91 = NOW - timedelta(days=91) + timedelta(seconds=1)
    just_inside = _subject(role=replace(_role(), last_used=almost_91))
    assert evaluate_assignment(just_inside, SETTINGS, NOW).compliance is Compliance.COMPLIANT
    outside = _subject(role=replace(_role(), last_used=NOW - timedelta(days=91)))
    assert evaluate_assignment(outside, SETTINGS, NOW).compliance is Compliance.NON_COMPLIANT


def test_many_principals_are_counted_so_the_annotation_fits() -> None:
    many = tuple(
        Principal(PrincipalType.USER, f"u-{i}", f"person-number-{i:03d}") for i in range(40)
    )
    finding = evaluate_assignment(
        _subject(principals=many, role=_role(used_days=200), tags=(("owner", "sec"),)),
        SETTINGS,
        NOW,
    )
    assert len(finding.annotation) <= 256
    assert finding.annotation.endswith("more. Owner: sec.")
    assert "user person-number-000" in finding.annotation


def test_principal_labels() -> None:
    assert principals_text([USER, GROUP]) == "group Platform-Admins (12 members) and user jdoe"
    assert Principal(PrincipalType.GROUP, "g-2", "Solo", 1).label == "group Solo (1 member)"
    assert Principal(PrincipalType.USER, "9067-abc").label == "user 9067-abc"


@pytest.mark.parametrize(
    ("name", "path", "expected"),
    [
        ("AWSReservedSSO_Admin_0123456789abcdef", "/aws-reserved/sso.amazonaws.com/", "Admin"),
        (
            "AWSReservedSSO_Read_Only_Access_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/eu-west-1/",
            "Read_Only_Access",
        ),
        (
            "AWSReservedSSO_" + "x" * 32 + "_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/",
            "x" * 32,
        ),
        (
            "AWSReservedSSO_" + "x" * 33 + "_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/",
            None,
        ),
        ("AWSReservedSSO_Admin_0123456789abcdef", "/", None),
        ("AWSReservedSSO_Admin_0123456789ABCDEF", "/aws-reserved/sso.amazonaws.com/", None),
        ("AWSReservedSSO_Admin", "/aws-reserved/sso.amazonaws.com/", None),
    ],
)
def test_reserved_role_names(name: str, path: str, expected: str | None) -> None:
    assert permission_set_name_of(name, path) == expected
