"""The permissions decision table, row by row, its boundaries and the proposed deny."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.evaluations import ANNOTATION_MAX_CHARS, evaluation_for
from dormant.core.model import Compliance, Reportable
from dormant.core.settings import Settings
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.model import (
    DEFAULT_PERMISSIONS_MAX_DAYS,
    PermissionsFinding,
    PermissionsReason,
    ServiceAccess,
    TrackedAction,
    proposed_deny,
)
from dormant.roles.model import Role

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = Settings(max_days=DEFAULT_PERMISSIONS_MAX_DAYS)


def role(name: str = "app-role", *, path: str = "/", age: float = 400) -> Role:
    return Role(
        role_id="AROAEXAMPLE" + name.upper().replace("-", "")[:8],
        name=name,
        path=path,
        arn=f"arn:aws:iam::111111111111:role{path}{name}",
        created=NOW - timedelta(days=age),
        last_used=NOW - timedelta(days=1),
        account_id="111111111111",
    )


def service(
    namespace: str, days: float | None, *actions: tuple[str, float | None]
) -> ServiceAccess:
    return ServiceAccess(
        namespace=namespace,
        name=f"AWS {namespace.upper()}",
        last_used=None if days is None else NOW - timedelta(days=days),
        last_used_region=None if days is None else "eu-west-1",
        tracked_actions=tuple(
            TrackedAction(a, None if d is None else NOW - timedelta(days=d)) for a, d in actions
        ),
    )


TWELVE = [
    service("kms", None),
    service("s3", 91),
    service("sqs", 400),
    *(service(ns, 3) for ns in ("ec2", "iam", "sts", "sns", "logs", "lambda", "ssm", "dynamodb")),
    service("cloudwatch", 90),
]

CASES = [
    # (description, role, access, settings, compliance, reason, annotation)
    (
        "the issue's example: 3 of 12 unused",
        role(),
        TWELVE,
        WINDOW,
        Compliance.NON_COMPLIANT,
        PermissionsReason.UNUSED_SERVICES,
        "3 of 12 granted services unused for more than 90 days: kms, s3, sqs",
    ),
    (
        "every service used within the window",
        role(),
        [service("s3", 0), service("kms", 90)],
        WINDOW,
        Compliance.COMPLIANT,
        PermissionsReason.ALL_USED,
        "All 2 granted services used within 90 days",
    ),
    (
        "a role that grants nothing",
        role(),
        [],
        WINDOW,
        Compliance.COMPLIANT,
        PermissionsReason.ALL_USED,
        "Role grants no services",
    ),
    (
        "service-linked roles are not applicable",
        role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"),
        TWELVE,
        WINDOW,
        Compliance.NOT_APPLICABLE,
        PermissionsReason.SERVICE_LINKED,
        "Service-linked role: AWS manages it and users cannot delete or quarantine it",
    ),
    (
        "allow-listed roles are compliant",
        role("breakglass-role"),
        TWELVE,
        Settings(max_days=90, allow_patterns=("/breakglass-*",)),
        Compliance.COMPLIANT,
        PermissionsReason.ALLOW_LISTED,
        "Role matches allow-list pattern /breakglass-*",
    ),
    (
        "a role no older than the window is compliant",
        role(age=90.9),
        TWELVE,
        WINDOW,
        Compliance.COMPLIANT,
        PermissionsReason.YOUNG,
        "Role age is 90 days",
    ),
    (
        "one day older than the window is judged",
        role(age=91),
        [service("s3", None)],
        WINDOW,
        Compliance.NON_COMPLIANT,
        PermissionsReason.UNUSED_SERVICES,
        "1 of 1 granted services unused for more than 90 days: s3",
    ),
    (
        "the window is the setting's",
        role(),
        [service("s3", 31), service("kms", 30)],
        Settings(max_days=30),
        Compliance.NON_COMPLIANT,
        PermissionsReason.UNUSED_SERVICES,
        "1 of 2 granted services unused for more than 30 days: s3",
    ),
    (
        "service-linked roles are judged when included",
        role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"),
        [service("support", None)],
        Settings(max_days=90, include_service_linked=True),
        Compliance.NON_COMPLIANT,
        PermissionsReason.UNUSED_SERVICES,
        "1 of 1 granted services unused for more than 90 days: support",
    ),
]


@pytest.mark.parametrize(
    ("description", "subject", "access", "settings", "compliance", "reason", "annotation"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_decision_table(
    description: str,
    subject: Role,
    access: list[ServiceAccess],
    settings: Settings,
    compliance: Compliance,
    reason: PermissionsReason,
    annotation: str,
) -> None:
    finding = evaluate_permissions(subject, access, settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_services_carry_their_verdicts() -> None:
    finding = evaluate_permissions(role(), TWELVE, WINDOW, NOW)
    by_namespace = {s.namespace: s for s in finding.services}
    assert finding.unused_services == ("kms", "s3", "sqs")
    assert len(finding.granted_services) == 12
    assert by_namespace["kms"].days_unused is None
    assert by_namespace["kms"].unused
    assert by_namespace["s3"].days_unused == 91
    assert by_namespace["cloudwatch"].days_unused == 90
    assert not by_namespace["cloudwatch"].unused
    assert by_namespace["s3"].last_used_region == "eu-west-1"


def test_unused_actions_of_used_services_are_listed_without_changing_compliance() -> None:
    access = [
        service("s3", 2, ("GetObject", 2), ("PutObject", None), ("DeleteBucket", 200)),
        service("kms", 5, ("Decrypt", 5)),
    ]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    assert finding.compliance == Compliance.COMPLIANT
    by_namespace = {s.namespace: s for s in finding.services}
    assert by_namespace["s3"].unused_actions == ("s3:DeleteBucket", "s3:PutObject")
    assert by_namespace["kms"].unused_actions == ()
    assert finding.proposed_deny is None


def test_unused_services_list_no_actions() -> None:
    access = [service("s3", None, ("GetObject", None))]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    assert finding.services[0].unused
    assert finding.services[0].unused_actions == ()


def test_a_namespace_listed_twice_counts_once_with_its_latest_use() -> None:
    access = [service("s3", 200), service("s3", 3), service("kms", None)]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    assert finding.granted_services == ("kms", "s3")
    assert finding.unused_services == ("kms",)


def test_proposed_deny_is_the_issue_document() -> None:
    finding = evaluate_permissions(role(), TWELVE, WINDOW, NOW)
    assert finding.proposed_deny == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DormantUnusedServices",
                "Effect": "Deny",
                "Action": ["kms:*", "s3:*", "sqs:*"],
                "Resource": "*",
            }
        ],
    }


def test_proposed_deny_of_nothing_is_none() -> None:
    assert proposed_deny([]) is None
    assert proposed_deny(["sqs", "kms", "sqs"]) == proposed_deny(["kms", "sqs"])


def test_skipped_roles_propose_nothing() -> None:
    young = evaluate_permissions(role(age=10), TWELVE, WINDOW, NOW)
    assert young.compliance == Compliance.COMPLIANT
    assert young.proposed_deny is None


def test_a_finding_is_reportable_and_makes_a_config_evaluation() -> None:
    finding = evaluate_permissions(role(), TWELVE, WINDOW, NOW)
    reportable: Reportable = finding
    evaluation = evaluation_for(reportable, NOW)
    assert evaluation.resource_type == "AWS::IAM::Role"
    assert evaluation.resource_id == finding.role.role_id
    assert evaluation.compliance == Compliance.NON_COMPLIANT
    assert finding.resource_name == "app-role"
    assert finding.arn == "arn:aws:iam::111111111111:role/app-role"


def test_long_annotations_are_cut_with_an_ellipsis() -> None:
    access = [service(f"service{index:03d}", None) for index in range(80)]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    assert len(finding.annotation) == ANNOTATION_MAX_CHARS
    assert finding.annotation.startswith("80 of 80 granted services unused for more than 90 days:")
    assert finding.annotation.endswith("...")


# --- boundaries -----------------------------------------------------------------------------


@given(
    window=st.integers(min_value=0, max_value=400),
    seconds=st.integers(min_value=0, max_value=500 * 86400),
)
def test_a_service_is_unused_exactly_when_its_whole_days_exceed_the_window(
    window: int, seconds: int
) -> None:
    access = [service("s3", seconds / 86400)]
    finding = evaluate_permissions(role(age=1000), access, Settings(max_days=window), NOW)
    assert finding.services[0].unused == (seconds // 86400 > window)
    assert (finding.compliance == Compliance.NON_COMPLIANT) == finding.services[0].unused


@given(window=st.integers(min_value=0, max_value=400), age_seconds=st.integers(0, 800 * 86400))
def test_a_role_is_judged_only_when_older_than_the_window(window: int, age_seconds: int) -> None:
    finding = evaluate_permissions(
        role(age=age_seconds / 86400), [service("s3", None)], Settings(max_days=window), NOW
    )
    young = age_seconds // 86400 <= window
    assert (finding.reason == PermissionsReason.YOUNG) == young
    assert (finding.compliance == Compliance.NON_COMPLIANT) == (not young)


NAMESPACES = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=30),
    min_size=1,
    max_size=120,
    unique=True,
)


@given(unused=NAMESPACES, used=st.integers(min_value=0, max_value=20))
def test_annotations_fit_config_and_list_sorted_namespaces(unused: list[str], used: int) -> None:
    access = [service(ns, None) for ns in unused]
    access += [service(f"used{index}", 1) for index in range(used)]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    text = finding.annotation
    assert len(text) <= ANNOTATION_MAX_CHARS
    head = f"{len(unused)} of {len(unused) + used} granted services unused for more than 90 days: "
    full = head + ", ".join(sorted(unused))
    if len(full) <= ANNOTATION_MAX_CHARS:
        assert text == full
    else:
        assert text.endswith("...")
        assert full.startswith(text[:-3])
    document = finding.proposed_deny
    assert document is not None
    assert document["Statement"][0]["Action"] == [f"{ns}:*" for ns in sorted(unused)]
    json.dumps(document)


def test_findings_are_values() -> None:
    a = evaluate_permissions(role(), TWELVE, WINDOW, NOW)
    b = evaluate_permissions(role(), list(reversed(TWELVE)), WINDOW, NOW)
    assert isinstance(a, PermissionsFinding)
    assert a == b


def test_exemption_and_owner_tags_work_as_for_roles() -> None:
    from dataclasses import replace

    from dormant.permissions.decide import needs_access

    exempt = replace(role(), tags=(("dormant:exempt", "until=2024-12-31 migration"),))
    finding = evaluate_permissions(exempt, TWELVE, WINDOW, NOW)
    assert (finding.compliance, finding.reason) == (Compliance.COMPLIANT, PermissionsReason.EXEMPT)
    assert finding.annotation == "Exempt by tag dormant:exempt until 2024-12-31: migration"
    assert finding.proposed_deny is None
    # An exempt role costs no IAM job: its decision needs no last-access data.
    assert not needs_access(exempt, WINDOW, NOW)
    lapsed = replace(
        role(), tags=(("dormant:exempt", "until=2024-01-31 migration"), ("team", "data"))
    )
    finding = evaluate_permissions(lapsed, TWELVE, WINDOW, NOW)
    assert finding.compliance is Compliance.NON_COMPLIANT
    assert finding.annotation.endswith(" (exemption expired 2024-01-31). Owner: data.")
    assert needs_access(lapsed, WINDOW, NOW)
