"""The simulation's policy evaluator on its own, class by class of what IAM documents.

Each test names the IAM User Guide page its expectation comes from: policy variables (with
defaults, escapes and missing keys), the operators that take no variables, malformed values
that the simulation cannot judge (never a crash), and a trust or resource policy's Principal.
"""

from __future__ import annotations

from typing import Any

import pytest

from dormant_sim import policy
from dormant_sim.request_context import KNOWN_KEYS

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


def request(resource: str = USER, action: str = "iam:GetUser", **context: Any) -> policy.Request:
    return policy.Request(action, resource, context=context, known_keys=KNOWN_KEYS)


def document(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    found: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        found["Version"] = version
    return found


def allow(resource: Any = "*", action: Any = "iam:GetUser", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def verdict(statement: dict[str, Any], req: policy.Request, **doc: Any) -> policy.Verdict:
    return policy.evaluate([document(statement, **doc)], req)


ALLOW, IMPLICIT, EXPLICIT = (
    policy.Verdict.ALLOW,
    policy.Verdict.IMPLICIT_DENY,
    policy.Verdict.EXPLICIT_DENY,
)

# --- policy variables (IAM User Guide, "IAM policy elements: Variables and tags") ----------------


def test_a_variable_in_the_resource_is_the_callers_value() -> None:
    statement = allow(f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")
    assert verdict(statement, request(**{"aws:username": "alice"})) is ALLOW
    assert verdict(statement, request(**{"aws:username": "bob"})) is IMPLICIT


def test_a_missing_key_makes_that_resource_entry_name_nothing() -> None:
    statement = allow([f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", USER])
    # The other entry still matches; alone, the unresolved one matches nothing.
    assert verdict(statement, request()) is ALLOW
    assert verdict(allow(f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"), request()) is IMPLICIT


def test_a_missing_key_under_not_resource_cannot_be_evaluated() -> None:
    # Skipping the entry would widen NotResource to everything; IAM says only that the
    # statement may be invalid.
    deny = {
        "Effect": "Deny",
        "Action": "iam:GetUser",
        "NotResource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
    }
    with pytest.raises(policy.CannotEvaluate, match="aws:username"):
        policy.evaluate([document(allow(), deny)], request())
    bob = request(**{"aws:username": "bob"})
    assert policy.evaluate([document(allow(), deny)], bob) is EXPLICIT


def test_a_variable_in_a_condition_and_its_missing_key() -> None:
    statement = allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}})
    both = {"aws:username": "alice", "aws:PrincipalTag/team": "alice"}
    assert verdict(statement, request(**both)) is ALLOW
    # Without aws:username the value matches nothing (IAM: matching it fails) ...
    assert verdict(statement, request(**{"aws:PrincipalTag/team": "alice"})) is IMPLICIT
    listed = allow(
        Condition={"StringEquals": {"aws:PrincipalTag/team": ["${aws:username}", "alice"]}}
    )
    assert verdict(listed, request(**{"aws:PrincipalTag/team": "alice"})) is ALLOW
    # ... and under a negated operator, where the statement may be invalid, it cannot be told.
    negated = allow(Condition={"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}})
    with pytest.raises(policy.CannotEvaluate, match="aws:username"):
        verdict(negated, request(**{"aws:PrincipalTag/team": "alice"}))


def test_a_variable_before_the_resource_part_of_an_arn_cannot_be_evaluated() -> None:
    context = {"aws:PrincipalAccount": ACCOUNT, "aws:username": "alice"}
    in_account = allow("arn:aws:iam::${aws:PrincipalAccount}:user/alice")
    with pytest.raises(policy.CannotEvaluate, match="before the resource part"):
        verdict(in_account, request(**context))
    arn_condition = allow(
        Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}
    )
    with pytest.raises(policy.CannotEvaluate, match="before the resource part"):
        verdict(arn_condition, request(**context, **{"aws:PrincipalArn": USER}))
    # After the fifth colon it is substituted.
    assert (
        verdict(allow(f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"), request(**context))
        is ALLOW
    )


def test_a_default_value_stands_in_for_a_missing_key() -> None:
    statement = allow(
        Condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:username, 'it''s'}"}}
    )
    assert verdict(statement, request(**{"aws:PrincipalTag/team": "it's"})) is ALLOW
    assert (
        verdict(statement, request(**{"aws:PrincipalTag/team": "x", "aws:username": "x"})) is ALLOW
    )


def test_escapes_are_literal_characters_not_wildcards() -> None:
    statement = allow(f"arn:aws:iam::{ACCOUNT}:user/a${{*}}")
    assert verdict(statement, request(f"arn:aws:iam::{ACCOUNT}:user/a*")) is ALLOW
    assert verdict(statement, request(f"arn:aws:iam::{ACCOUNT}:user/abc")) is IMPLICIT
    dollar = allow(Condition={"StringLike": {"aws:PrincipalTag/cost": "${$}1${?}"}})
    assert verdict(dollar, request(**{"aws:PrincipalTag/cost": "$1?"})) is ALLOW
    assert verdict(dollar, request(**{"aws:PrincipalTag/cost": "$12"})) is IMPLICIT


def test_principal_tags_and_the_principal_account_as_variables() -> None:
    statement = allow(
        f"arn:aws:iam::{ACCOUNT}:user/${{aws:PrincipalTag/owner}}",
    )
    assert verdict(statement, request(**{"aws:PrincipalTag/owner": "alice"})) is ALLOW
    account = allow(Condition={"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}})
    same = {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT}
    assert verdict(account, request(**same)) is ALLOW
    other = {"aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": "111111111111"}
    assert verdict(account, request(**other)) is IMPLICIT


def test_without_version_2012_variables_are_literal_text() -> None:
    statement = allow(f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")
    context = {"aws:username": "alice"}
    assert verdict(statement, request(**context), version=None) is IMPLICIT
    literal = request(f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", **context)
    assert verdict(statement, literal, version="2008-10-17") is ALLOW


@pytest.mark.parametrize(
    "operator",
    ["Bool", "Null", "IpAddress", "NumericEquals", "DateGreaterThan", "NotIpAddress"],
)
def test_a_variable_under_an_operator_iam_does_not_substitute_cannot_be_evaluated(
    operator: str,
) -> None:
    statement = allow(Condition={operator: {"aws:PrincipalTag/x": "${aws:username}"}})
    with pytest.raises(policy.CannotEvaluate, match="only under string and ARN"):
        verdict(statement, request(**{"aws:username": "a", "aws:PrincipalTag/x": "a"}))


def test_a_multi_valued_key_as_a_variable_cannot_be_evaluated() -> None:
    statement = allow(Condition={"StringEquals": {"aws:username": "${aws:TagKeys}"}})
    with pytest.raises(policy.CannotEvaluate, match="multi-valued"):
        verdict(statement, request(**{"aws:TagKeys": ["a", "b"], "aws:username": "a"}))


def test_an_unknown_key_as_a_variable_cannot_be_evaluated() -> None:
    with pytest.raises(policy.CannotEvaluate, match="aws:SourceIp"):
        verdict(allow(f"arn:aws:iam::{ACCOUNT}:user/${{aws:SourceIp}}"), request())


# --- malformed values: cannot authorize, never a crash -------------------------------------------


@pytest.mark.parametrize(
    ("operator", "key", "policy_value", "context"),
    [
        (
            "DateLessThan",
            "aws:CurrentTime",
            "not-a-date",
            {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
        ),
        ("DateLessThan", "aws:CurrentTime", "2026-01-01", {"aws:CurrentTime": "yesterday"}),
        ("NumericLessThan", "aws:EpochTime", "ten", {"aws:EpochTime": "1"}),
        ("NumericLessThan", "aws:EpochTime", "nan", {"aws:EpochTime": "1"}),
        ("Bool", "aws:ViaAWSService", "yes", {"aws:ViaAWSService": "false"}),
        ("Null", "aws:username", "maybe", {}),
        ("IpAddress", "aws:PrincipalTag/ip", "10.0.0.0/33", {"aws:PrincipalTag/ip": "10.0.0.1"}),
        ("IpAddress", "aws:PrincipalTag/ip", "10.0.0.0/8", {"aws:PrincipalTag/ip": "host"}),
        ("DateGreaterThan", "aws:EpochTime", "99999999999999999999", {"aws:EpochTime": "1"}),
    ],
)
def test_malformed_values_cannot_be_evaluated_and_never_crash(
    operator: str, key: str, policy_value: str, context: dict[str, str]
) -> None:
    statement = allow(Condition={operator: {key: policy_value}})
    with pytest.raises(policy.CannotEvaluate, match="malformed"):
        verdict(statement, request(**context))


def test_a_malformed_policy_value_fails_even_when_the_key_is_absent() -> None:
    statement = allow(Condition={"DateLessThanIfExists": {"aws:TokenIssueTime": "soon"}})
    with pytest.raises(policy.CannotEvaluate, match="malformed"):
        verdict(statement, request())


def test_dates_in_epoch_seconds_and_iso_compare_alike() -> None:
    statement = allow(Condition={"DateLessThan": {"aws:CurrentTime": "1767225600"}})
    assert verdict(statement, request(**{"aws:CurrentTime": "2025-12-31T23:59:59Z"})) is ALLOW
    assert verdict(statement, request(**{"aws:CurrentTime": "2026-01-01T00:00:00Z"})) is IMPLICIT


# --- Principal: how a resource policy names the caller -------------------------------------------

SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"


@pytest.mark.parametrize(
    ("principal", "named"),
    [
        ({"AWS": SESSION}, policy.Named.DIRECT),
        ({"AWS": ROLE}, policy.Named.ROLE),
        ({"AWS": [ROLE, SESSION]}, policy.Named.DIRECT),
        ({"AWS": ACCOUNT}, policy.Named.ACCOUNT),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, policy.Named.ACCOUNT),
        ("*", policy.Named.ACCOUNT),
        ({"AWS": "arn:aws:iam::111111111111:root"}, None),
        ({"Service": "lambda.amazonaws.com"}, None),
    ],
)
def test_how_a_principal_names_a_role_session(principal: Any, named: policy.Named | None) -> None:
    found = policy.named_in(
        principal, kind="AssumedRole", arn=SESSION, principal_arn=ROLE, account=ACCOUNT
    )
    assert found is named


def test_a_users_own_arn_names_it_directly() -> None:
    found = policy.named_in(
        {"AWS": USER}, kind="User", arn=USER, principal_arn=USER, account=ACCOUNT
    )
    assert found is policy.Named.DIRECT
