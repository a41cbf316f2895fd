"""Users share the roles' tag rows and wording switch: exemption, owner, changes mode."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.model import Compliance
from dormant.core.settings import EvaluationMode, Settings
from dormant.users.decide import DEFAULT_USER_MAX_DAYS, evaluate_user
from dormant.users.model import Credential, CredentialKind, User, UserReason
from dormant.users.parameters import user_settings_from_parameters

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = Settings(max_days=DEFAULT_USER_MAX_DAYS)
STABLE = dataclasses.replace(WINDOW, evaluation_mode=EvaluationMode.CHANGES)


def key(*, age: float = 400, unused: float | None = None) -> Credential:
    return Credential(
        kind=CredentialKind.ACCESS_KEY_1,
        active=True,
        created=NOW - timedelta(days=age),
        last_used=None if unused is None else NOW - timedelta(days=unused),
    )


def user(*credentials: Credential, tags: dict[str, str] | None = None) -> User:
    return User(
        name="ci-deployer",
        arn="arn:aws:iam::111111111111:user/ci-deployer",
        created=NOW - timedelta(days=500),
        credentials=credentials,
        user_id="AIDAEXAMPLECI",
        path="/",
        account_id="111111111111",
        tags=tuple((tags or {}).items()),
    )


@pytest.mark.parametrize(
    ("tags", "settings", "compliance", "reason", "annotation"),
    [
        (
            {"dormant:exempt": "until=2024-06-30 vendor integration"},
            WINDOW,
            Compliance.COMPLIANT,
            UserReason.EXEMPT,
            "Exempt by tag dormant:exempt until 2024-06-30: vendor integration",
        ),
        (
            {"dormant:exempt": "until=2024-05-01 vendor integration", "team": "platform"},
            WINDOW,
            Compliance.NON_COMPLIANT,
            UserReason.STALE,
            "Access key 1 last used 120 days ago (exemption expired 2024-05-01). Owner: platform.",
        ),
        (
            {"dormant:exempt": "until=2024-13-45 typo"},
            WINDOW,
            Compliance.NON_COMPLIANT,
            UserReason.STALE,
            "Access key 1 last used 120 days ago (exemption date invalid: until=2024-13-45)",
        ),
        (
            {"skip-me": "yes"},
            dataclasses.replace(WINDOW, exempt_tag_key="skip-me"),
            Compliance.COMPLIANT,
            UserReason.EXEMPT,
            "Exempt by tag skip-me: yes",
        ),
        (
            {"owner": "alice@example.com"},
            STABLE,
            Compliance.NON_COMPLIANT,
            UserReason.STALE,
            "Access key 1 last used on 2024-02-02. Owner: alice@example.com.",
        ),
    ],
)
def test_tag_rows_and_notes_as_for_roles(
    tags: dict[str, str],
    settings: Settings,
    compliance: Compliance,
    reason: UserReason,
    annotation: str,
) -> None:
    finding = evaluate_user(user(key(unused=120), tags=tags), settings, NOW)
    assert (finding.compliance, finding.reason, finding.annotation) == (
        compliance,
        reason,
        annotation,
    )


def test_the_owner_is_on_the_finding_but_only_non_compliant_annotations_name_it() -> None:
    finding = evaluate_user(user(key(unused=1), tags={"Owner": "data"}), WINDOW, NOW)
    assert finding.owner == "data"
    assert finding.compliance is Compliance.COMPLIANT
    assert "Owner" not in finding.annotation


def test_changes_wording_does_not_move_from_one_day_to_the_next() -> None:
    for subject in (user(key(unused=120)), user(key(age=100)), user(key(unused=3))):
        today = evaluate_user(subject, STABLE, NOW)
        tomorrow = evaluate_user(subject, STABLE, NOW + timedelta(days=1))
        assert (today.compliance, today.annotation) == (tomorrow.compliance, tomorrow.annotation)
    never = evaluate_user(user(key(age=100)), STABLE, NOW)
    assert never.annotation == "Access key 1 never used since 2024-02-22"
    recent = evaluate_user(user(key(unused=3)), STABLE, NOW)
    assert recent.annotation == "Credentials used within the last 45 days"


def test_the_users_rule_reads_the_mode_and_tag_keys_like_the_roles_rule() -> None:
    settings = user_settings_from_parameters(
        {
            "resource_type": "AWS::IAM::User",
            "evaluation_mode": "changes",
            "exempt_tag_key": "skip",
            "owner_tag_keys": "squad",
        }
    )
    assert settings.evaluation_mode is EvaluationMode.CHANGES
    assert (settings.exempt_tag_key, settings.owner_tag_keys) == ("skip", ("squad",))
    assert settings.max_days == DEFAULT_USER_MAX_DAYS


def test_the_users_rule_takes_the_functions_defaults_for_the_mode_and_tag_keys() -> None:
    # The template sets these once on the function, for both rules.
    env = {"EVALUATION_MODE": "changes", "EXEMPT_TAG_KEY": "skip", "OWNER_TAG_KEYS": "squad"}
    settings = user_settings_from_parameters({"resource_type": "AWS::IAM::User"}, env)
    assert settings.evaluation_mode is EvaluationMode.CHANGES
    assert (settings.exempt_tag_key, settings.owner_tag_keys) == ("skip", ("squad",))
