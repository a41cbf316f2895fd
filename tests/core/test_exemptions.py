"""The exemption row, owners and managed-by: row by row, and the tag grammar's properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.errors import InvalidParameter
from dormant.core.managed import MANAGED_ELSEWHERE, ManagedBy, management_of
from dormant.core.model import Compliance
from dormant.core.settings import Settings, settings_from_parameters
from dormant.core.tags import (
    ExemptionState,
    check_exemption,
    owner_of,
    parse_exemption,
    with_suffix,
)
from dormant.roles.decide import evaluate_role
from dormant.roles.model import Reason, Role

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KEY = "dormant:exempt"


def role(
    name: str = "app-role",
    *,
    path: str = "/",
    age: float = 400,
    unused: float | None = 200,
    tags: tuple[tuple[str, str], ...] = (),
) -> Role:
    return Role(
        role_id="AROAEXAMPLE" + name.upper().replace("-", "")[:8],
        name=name,
        path=path,
        arn=f"arn:aws:iam::111111111111:role{path}{name}",
        created=NOW - timedelta(days=age),
        last_used=None if unused is None else NOW - timedelta(days=unused),
        last_used_region=None if unused is None else "us-west-2",
        tags=tags,
        account_id="111111111111",
    )


CASES = [
    # (description, role, settings, compliance, reason, annotation)
    (
        "exemption with a date and a reason",
        role(tags=((KEY, "until=2027-01-31 break-glass for incident response"),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        f"Exempt by tag {KEY} until 2027-01-31: break-glass for incident response",
    ),
    (
        "exemption without a date",
        role(tags=((KEY, "vendor audit role"),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        f"Exempt by tag {KEY}: vendor audit role",
    ),
    (
        "empty exemption value still exempts",
        role(tags=((KEY, ""),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        f"Exempt by tag {KEY}",
    ),
    (
        "exemption counts through its whole last day",
        role(tags=((KEY, "until=2026-11-30"),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        f"Exempt by tag {KEY} until 2026-11-30",
    ),
    (
        "expired exemption: the other rows decide, with a note",
        role(unused=None, tags=((KEY, "until=2026-10-01 migration"),)),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.NEVER_USED,
        "No record of usage (exemption expired 2026-10-01)",
    ),
    (
        "expired yesterday",
        role(unused=61, tags=((KEY, "until=2026-11-29"),)),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 61 days ago (exemption expired 2026-11-29)",
    ),
    (
        "expired exemption on a recently used role",
        role(unused=3, tags=((KEY, "until=2026-01-01"),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.RECENTLY_USED,
        "Was last used in us-west-2 3 days ago (exemption expired 2026-01-01)",
    ),
    (
        "an unreadable date never exempts",
        role(tags=((KEY, "until=2027-13-45 forever"),)),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 200 days ago (exemption date invalid: until=2027-13-45)",
    ),
    (
        "a date that is not a date at all",
        role(tags=((KEY, "until=tomorrow"),)),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 200 days ago (exemption date invalid: until=tomorrow)",
    ),
    (
        "the exemption row comes after service-linked",
        role(path="/aws-service-role/x.amazonaws.com/", tags=((KEY, "x"),)),
        Settings(),
        Compliance.NOT_APPLICABLE,
        Reason.SERVICE_LINKED,
        "Service-linked role: AWS manages it and users cannot delete or quarantine it",
    ),
    (
        "the exemption row comes before the allow-list",
        role(name="breakglass-role", tags=((KEY, "drill"),)),
        Settings(allow_patterns=("/breakglass-role",)),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        f"Exempt by tag {KEY}: drill",
    ),
    (
        "another tag key is configured: the default key means nothing",
        role(tags=((KEY, "drill"),)),
        Settings(exempt_tag_key="Exempt"),
        Compliance.NON_COMPLIANT,
        Reason.UNUSED,
        "Was last used in us-west-2 200 days ago",
    ),
    (
        "the configured key",
        role(tags=(("Exempt", "until=2030-01-01 drill"),)),
        Settings(exempt_tag_key="Exempt"),
        Compliance.COMPLIANT,
        Reason.EXEMPT,
        "Exempt by tag Exempt until 2030-01-01: drill",
    ),
    (
        "owner named on a non-compliant annotation",
        role(unused=None, tags=(("team", "payments"), ("owner", "alice@example.com"))),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.NEVER_USED,
        "No record of usage. Owner: alice@example.com.",
    ),
    (
        "owner not named on a compliant annotation",
        role(unused=3, tags=(("owner", "alice"),)),
        Settings(),
        Compliance.COMPLIANT,
        Reason.RECENTLY_USED,
        "Was last used in us-west-2 3 days ago",
    ),
    (
        "expired note, then owner",
        role(unused=None, tags=(("Team", "data"), (KEY, "until=2026-10-01"))),
        Settings(),
        Compliance.NON_COMPLIANT,
        Reason.NEVER_USED,
        "No record of usage (exemption expired 2026-10-01). Owner: data.",
    ),
]


@pytest.mark.parametrize(
    ("description", "subject", "settings", "compliance", "reason", "annotation"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_exemption_and_owner_rows(
    description: str,
    subject: Role,
    settings: Settings,
    compliance: Compliance,
    reason: Reason,
    annotation: str,
) -> None:
    finding = evaluate_role(subject, settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_notes_are_left_off_when_they_would_not_fit() -> None:
    long_owner = "o" * 240
    finding = evaluate_role(role(unused=None, tags=(("owner", long_owner),)), Settings(), NOW)
    assert finding.annotation == "No record of usage"
    assert finding.owner == long_owner
    region = "r" * 230
    stale = Role(
        role_id="AROAX",
        name="x",
        path="/",
        arn="arn:aws:iam::111111111111:role/x",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=100),
        last_used_region=region,
        tags=((KEY, "until=2026-01-01"),),
    )
    finding = evaluate_role(stale, Settings(), NOW)
    assert finding.annotation == f"Was last used in {region} 100 days ago"


@pytest.mark.parametrize(
    ("tags", "keys", "owner"),
    [
        ((("owner", "a"), ("team", "b")), ("owner", "Owner", "team", "Team"), "a"),
        ((("team", "b"), ("Owner", "c")), ("owner", "Owner", "team", "Team"), "c"),
        ((("Team", "d"),), ("owner", "Owner", "team", "Team"), "d"),
        ((("owner", "  "), ("team", "b")), ("owner", "Owner", "team", "Team"), "b"),
        ((("cost-center", "42"),), ("owner", "Owner", "team", "Team"), None),
        ((("squad", "x"), ("owner", "a")), ("squad",), "x"),
    ],
)
def test_owner_is_the_first_present_key(
    tags: tuple[tuple[str, str], ...], keys: tuple[str, ...], owner: str | None
) -> None:
    assert owner_of(tags, keys) == owner
    assert evaluate_role(role(tags=tags), Settings(owner_tag_keys=keys), NOW).owner == owner


MANAGED = [
    # (name, path, tags, managed_by, hint)
    (
        "app-role",
        "/",
        (("aws:cloudformation:stack-name", "payments-prod"),),
        ManagedBy.CLOUDFORMATION,
        "created by CloudFormation stack payments-prod (by its aws:cloudformation:stack-name "
        "tag, not from a stack): remove it from the stack",
    ),
    (
        "AWSReservedSSO_ReadOnly_0123456789abcdef",
        "/aws-reserved/sso.amazonaws.com/eu-west-1/",
        (),
        ManagedBy.IDENTITY_CENTER,
        "IAM Identity Center permission set ReadOnly: remove its assignment to this account "
        "with dormant unassign ACCOUNT ReadOnly",
    ),
    (
        # Not a name Identity Center makes: the permission set is not guessed.
        "AWSReservedSSO_ReadOnly",
        "/aws-reserved/sso.amazonaws.com/",
        (),
        ManagedBy.IDENTITY_CENTER,
        "an IAM Identity Center permission set: remove its assignment to this account",
    ),
    (
        "AWSCloudFormationStackSetExecutionRole",
        "/",
        (),
        ManagedBy.STACKSETS,
        "a StackSets execution role: retire it with the StackSet",
    ),
    (
        "stacksets-exec-0123456789abcdef",
        "/",
        (),
        ManagedBy.STACKSETS,
        "a StackSets execution role: retire it with the StackSet",
    ),
    (
        "AWSControlTowerExecution",
        "/",
        (),
        ManagedBy.CONTROL_TOWER,
        "managed by AWS Control Tower: change it through Control Tower",
    ),
    (
        "aws-controltower-AdministratorExecutionRole",
        "/aws-controltower/",
        (),
        ManagedBy.CONTROL_TOWER,
        "managed by AWS Control Tower: change it through Control Tower",
    ),
    (
        "OrganizationAccountAccessRole",
        "/",
        (),
        ManagedBy.ORGANIZATIONS,
        "the organization's access role: keep it or allow-list it deliberately",
    ),
    (
        "AWSAFTService",
        "/",
        (),
        ManagedBy.AFT,
        "an Account Factory for Terraform role: AFT provisions and customizes accounts "
        "through it; change it through AFT",
    ),
    (
        "AWSServiceRoleForSupport",
        "/aws-service-role/support.amazonaws.com/",
        (),
        ManagedBy.SERVICE_LINKED,
        "AWS manages it",
    ),
]


@pytest.mark.parametrize(("name", "path", "tags", "managed_by", "hint"), MANAGED)
def test_managed_by_rows(
    name: str, path: str, tags: tuple[tuple[str, str], ...], managed_by: ManagedBy, hint: str
) -> None:
    management = management_of(name, path, tags)
    assert management is not None
    assert (management.managed_by, management.hint) == (managed_by, hint)
    finding = evaluate_role(role(name, path=path, tags=tags), Settings(), NOW)
    # The finding knows the role's account: the unassign command names it.
    placed = hint.replace("unassign ACCOUNT", f"unassign {finding.role.account_id}")
    assert (finding.managed_by, finding.hint) == (str(managed_by), placed)


def test_managed_by_otherwise_null() -> None:
    assert management_of("app-role", "/app/", (("owner", "a"),)) is None
    finding = evaluate_role(role(), Settings(), NOW)
    assert (finding.managed_by, finding.hint) == (None, None)


def test_managed_elsewhere_is_the_refused_set() -> None:
    assert {str(m) for m in MANAGED_ELSEWHERE} == {
        "cloudformation",
        "identity-center",
        "stacksets",
        "control-tower",
        "account-factory-for-terraform",
        "organizations",
    }


def test_rule_parameters_configure_the_keys() -> None:
    settings = settings_from_parameters(
        {"exempt_tag_key": "Exempt", "owner_tag_keys": " squad , owner "}
    )
    assert settings.exempt_tag_key == "Exempt"
    assert settings.owner_tag_keys == ("squad", "owner")
    defaults = settings_from_parameters({"exempt_tag_key": "", "owner_tag_keys": " "})
    assert defaults.exempt_tag_key == "dormant:exempt"
    assert defaults.owner_tag_keys == ("owner", "Owner", "team", "Team")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"exempt_tag_key": "bad,key"}, "exempt_tag_key"),
        ({"exempt_tag_key": "x" * 129}, "exempt_tag_key"),
        ({"exempt_tag_key": 5}, "exempt_tag_key"),
        ({"owner_tag_keys": "owner,bad*key"}, "owner_tag_keys"),
        ({"owner_tag_keys": ","}, "owner_tag_keys"),
    ],
)
def test_bad_tag_parameters_name_the_parameter(params: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidParameter, match=name):
        settings_from_parameters(params)


# --- the tag grammar, as properties --------------------------------------------------

# IAM tag values: letters, digits, spaces and _.:/=+-@.
TAG_CHARS = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@"
)
REASONS = st.text(TAG_CHARS, max_size=60).filter(lambda r: not r.lstrip().startswith("until="))
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(until=DATES, reason=REASONS)
def test_dated_values_round_trip(until: date, reason: str) -> None:
    parsed = parse_exemption(f"until={until.isoformat()} {reason}")
    assert parsed.until == until
    assert parsed.reason == " ".join(reason.split())
    assert not parsed.invalid


@given(reason=REASONS)
def test_undated_values_are_all_reason(reason: str) -> None:
    parsed = parse_exemption(reason)
    assert parsed.until is None
    assert not parsed.invalid
    assert parsed.reason == " ".join(reason.split())


@given(until=DATES, now=MOMENTS)
def test_expiry_is_by_whole_utc_days(until: date, now: datetime) -> None:
    check = check_exemption(((KEY, f"until={until.isoformat()}"),), KEY, now)
    assert check is not None
    expected = ExemptionState.ACTIVE if now.date() <= until else ExemptionState.EXPIRED
    assert check.state is expected


@given(value=st.text(TAG_CHARS, max_size=80), now=MOMENTS)
def test_any_value_parses_and_only_readable_dates_exempt(value: str, now: datetime) -> None:
    check = check_exemption(((KEY, value),), KEY, now)
    assert check is not None
    if check.exemption.invalid:
        assert check.state is ExemptionState.INVALID
    if check.state is ExemptionState.ACTIVE:
        assert check.exemption.until is None or check.exemption.until >= now.date()


@given(
    text=st.text(TAG_CHARS, min_size=1, max_size=2),
    raw=st.text(TAG_CHARS, max_size=20),
    now=MOMENTS,
)
def test_unreadable_dates_never_exempt(text: str, raw: str, now: datetime) -> None:
    value = f"until={raw.replace(' ', '')}x{text.strip()} reason"
    check = check_exemption(((KEY, value),), KEY, now)
    assert check is not None
    assert check.state is ExemptionState.INVALID
    finding = evaluate_role(role(tags=((KEY, value),)), Settings(), now)
    assert finding.reason is not Reason.EXEMPT


@given(annotation=st.text(max_size=300), suffix=st.text(max_size=60))
def test_suffixes_never_push_past_256(annotation: str, suffix: str) -> None:
    combined = with_suffix(annotation, suffix)
    assert combined in (annotation, annotation + suffix)
    if len(annotation) <= 256:
        assert len(combined) <= 256


def test_an_identity_center_role_names_its_account_and_permission_set() -> None:
    name = "AWSReservedSSO_DataPlatformEngineeringReadWrite_0123456789abcdef"
    assert len(name) == 64
    management = management_of(
        name, "/aws-reserved/sso.amazonaws.com/", (), account_id="111111111111"
    )
    assert management is not None
    assert management.hint.endswith(
        "dormant unassign 111111111111 DataPlatformEngineeringReadWrite"
    )
