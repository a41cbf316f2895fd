"""The users' and permissions' joins over Security Hub's findings, which name the user or role
and nothing more (no access key id, no services, no last access). Table-driven over plain
values: the commands' own decisions (`evaluate_user`, `evaluate_permissions`) decide, the
joins compare."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.access_analyzer.test_agreement_permissions import access, role
from tests.access_analyzer.test_agreement_users import (
    ACCOUNT,
    ANALYZED,
    KEY1,
    KEY2,
    NOW,
    OLD,
    PASSWORD,
    cred,
    user,
)

from dormant.core.aws_findings import AwsFinding
from dormant.core.settings import DEFAULT_EXEMPT_TAG_KEY, Settings
from dormant.permissions.agreement import join_permission_findings, needs_details
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.model import ServiceAccess
from dormant.roles.model import Role
from dormant.users.agreement import join_user_findings, needs_key_id
from dormant.users.decide import evaluate_user
from dormant.users.model import CredentialKind, User

SETTINGS = Settings(max_days=90)
PW, AK = "UnusedIAMUserPassword", "UnusedIAMUserAccessKey"
AMBIGUOUS = "Security Hub's finding names no key; the user has two"


def hub(arn: str, kind: str, *, window: int = 90) -> AwsFinding:
    """A finding as `dormant.aws.securityhub_findings` reads it: whole, naming only the ARN."""
    return AwsFinding(
        source="securityhub",
        id=f"arn:aws:securityhub:us-east-1:{ACCOUNT}:finding/{arn.rsplit('/', 1)[-1]}-{kind}",
        type=kind,
        status="New",
        analyzed_at=ANALYZED,
        resource_arn=arn,
        account_id=ACCOUNT,
        window_days=window,
        analyzer_arn="arn:aws:securityhub:us-east-1::productv2/aws/access-analyzer",
        detailed=True,
    )


USER_CASES = [
    # (label, user, finding type, settings, credential matched, agrees, why)
    ("one key, unused", user("a", cred(KEY1)), AK, SETTINGS, KEY1, True, None),
    ("password, unused", user("b", cred(PASSWORD, 120)), PW, SETTINGS, PASSWORD, True, None),
    (
        "two keys, both unused: still ambiguous",
        user("c", cred(KEY1), cred(KEY2, created=OLD + timedelta(days=1))),
        AK,
        SETTINGS,
        None,
        False,
        AMBIGUOUS,
    ),
    (
        "two keys, one used",
        user("d", cred(KEY1), cred(KEY2, 5, created=OLD + timedelta(days=1))),
        AK,
        SETTINGS,
        None,
        False,
        AMBIGUOUS,
    ),
    (
        "two keys and a password: the password finding is not ambiguous",
        user("e", cred(PASSWORD, 200), cred(KEY1, 1), cred(KEY2, 1)),
        PW,
        SETTINGS,
        PASSWORD,
        True,
        None,
    ),
    (
        "exemption comes before the ambiguity",
        user(
            "f",
            cred(KEY1),
            cred(KEY2),
            tags={DEFAULT_EXEMPT_TAG_KEY: "until=2027-01-31 audit"},
        ),
        AK,
        SETTINGS,
        None,
        False,
        "exempt by tag until 2027-01-31",
    ),
    (
        "one key, used after the analysis",
        user("g", cred(KEY1, 1)),
        AK,
        SETTINGS,
        KEY1,
        False,
        "access key 1 used 1 day ago, after AWS's last analysis",
    ),
    (
        "one key, another window",
        user("h", cred(KEY1, 100)),
        AK,
        Settings(max_days=120),
        KEY1,
        False,
        "AWS window 90 days, dormant's 120",
    ),
    (
        "the user's only key is gone",
        user("i", cred(PASSWORD, 1)),
        AK,
        SETTINGS,
        None,
        False,
        "no access key now (gone after AWS's last analysis)",
    ),
]


@pytest.mark.parametrize(
    ("target", "kind", "settings", "matched", "agrees", "why"),
    [case[1:] for case in USER_CASES],
    ids=[case[0] for case in USER_CASES],
)
def test_users_each_kind_of_agreement(
    target: User,
    kind: str,
    settings: Settings,
    matched: CredentialKind | None,
    agrees: bool,
    why: str | None,
) -> None:
    finding = evaluate_user(target, settings, NOW)
    aws = hub(target.arn, kind)
    assert not needs_key_id(aws, finding)  # read whole: nothing more to ask for
    (joined,), failures = join_user_findings(
        [aws], [finding], settings=settings, now=NOW, reachable_accounts={ACCOUNT}
    )
    assert failures == []
    assert joined.aws_credential is matched
    assert joined.agreement is not None
    assert (joined.agreement.agrees, joined.agreement.why) == (agrees, why)
    # dormant's own decision on the user stands beside the agreement.
    assert (joined.compliance, joined.annotation) == (finding.compliance, finding.annotation)


def test_an_access_analyzer_summary_about_two_keys_is_never_joined_unread() -> None:
    """Access Analyzer's summaries need GetFindingV2 for the key; only a finding read whole
    and still naming no key is the ambiguous one."""
    target = evaluate_user(user("j", cred(KEY1), cred(KEY2)), SETTINGS, NOW)
    summary = replace(hub(target.user.arn, AK), source="access-analyzer", detailed=False)
    assert needs_key_id(summary, target)
    assert not needs_key_id(hub(target.user.arn, AK), target)


PERMISSION_CASES: list[tuple[str, Role, list[ServiceAccess], Settings, bool, str | None]] = [
    ("a service unused", role("a"), [access("kms", None), access("s3", 3)], SETTINGS, True, None),
    (
        "every service used, after the analysis",
        role("b"),
        [access("kms", 1), access("s3", 30)],
        SETTINGS,
        False,
        "used after AWS's last analysis: kms (Security Hub names no services)",
    ),
    (
        "another window",
        role("c"),
        [access("kms", 100)],
        Settings(max_days=120),
        False,
        "AWS window 90 days, dormant's 120",
    ),
    (
        "every service used within the window",
        role("d"),
        [access("s3", 10)],
        SETTINGS,
        False,
        "Security Hub names no services; dormant finds none unused in its 90 days "
        "(AWS may flag unused actions only)",
    ),
    (
        "young",
        role("e", age=10),
        [access("kms", None)],
        SETTINGS,
        False,
        "role is 10 days old, within dormant's 90",
    ),
    (
        "exempt",
        role("f", tags={DEFAULT_EXEMPT_TAG_KEY: "until=2027-01-31 audit"}),
        [access("kms", None)],
        SETTINGS,
        False,
        "exempt by tag until 2027-01-31",
    ),
    (
        "service-linked",
        role("AWSServiceRoleForX", path="/aws-service-role/x.amazonaws.com/"),
        [access("kms", None)],
        SETTINGS,
        False,
        "service-linked: AWS manages it",
    ),
]


@pytest.mark.parametrize(
    ("target", "records", "settings", "agrees", "why"),
    [case[1:] for case in PERMISSION_CASES],
    ids=[case[0] for case in PERMISSION_CASES],
)
def test_permissions_each_kind_of_agreement(
    target: Role,
    records: list[ServiceAccess],
    settings: Settings,
    agrees: bool,
    why: str | None,
) -> None:
    finding = evaluate_permissions(target, records, settings, NOW)
    aws = hub(target.arn, "UnusedPermission")
    assert not needs_details(aws, finding)  # no GetFindingV2 for Security Hub
    (joined,), failures = join_permission_findings(
        [aws], [finding], settings=settings, now=NOW, reachable_accounts={ACCOUNT}
    )
    assert failures == []
    assert joined.agreement is not None
    assert (joined.agreement.agrees, joined.agreement.why) == (agrees, why)
    assert joined.unused_services == finding.unused_services  # dormant's, never AWS's
    assert joined.aws_finding is not None
    assert joined.aws_finding.services == ()
