"""The ``iam`` source: instance profiles, trust policies and narrow ``iam:PassRole`` grants.

The pure matching is table-driven; the whole source runs over the simulated IAM, read by the
role reader's own paged GetAccountAuthorizationDetails call, no call more.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime
from typing import Any

import pytest

from dormant.core.errors import RoleDataError
from dormant.roles.aws import IamRoleSource
from dormant.roles.records import role_from_detail
from dormant.roles.references.iam import IamReferenceIndex
from dormant.roles.references.passrole import allows_pass_role, names_role
from dormant_sim import seed
from dormant_sim.server import Simulation

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
APP = f"arn:aws:iam::{ACCOUNT}:role/service/app"


def _allow(resource: Any, action: Any = "iam:PassRole", **extra: Any) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        (APP, True),
        (f"arn:aws:iam::{ACCOUNT}:role/service/*", True),  # a path: narrower than every role
        (f"arn:aws:iam::{ACCOUNT}:role/*/app", True),
        (f"arn:aws:iam::{ACCOUNT}:role/service/ap?", True),
        ("arn:aws:iam::*:role/service/app", True),
        ("*", False),
        (f"arn:aws:iam::{ACCOUNT}:role/*", False),
        ("arn:aws:iam::*:role/*", False),
        (f"arn:aws:iam::{ACCOUNT}:role*", False),
        ("arn:aws:iam::*:*", False),
        ("arn:*", False),
        (f"arn:aws:iam::{ACCOUNT}:role/other", False),
        (f"arn:aws:iam::{ACCOUNT}:role/Service/app", False),  # resources match case-sensitively
        ("arn:aws:iam::222222222222:role/service/app", False),
    ],
)
def test_a_grant_names_the_role_only_when_narrower_than_every_role(
    pattern: str, named: bool
) -> None:
    assert names_role(pattern, APP) is named


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        (_allow(APP), True),
        (_allow(APP, "iam:Pass*"), True),
        (_allow(APP, "IAM:passrole"), True),  # actions match case-insensitively
        (_allow(APP, "*"), True),
        (_allow(APP, ["s3:GetObject", "iam:*"]), True),
        (_allow([APP, "*"]), True),
        (_allow(APP, "iam:GetRole"), False),
        ({"Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": APP}]}, False),
        ({"Statement": [{"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": APP}]}, False),
        ({"Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": APP}]}, True),
        (
            {"Statement": [{"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": APP}]},
            False,
        ),
        ({"Statement": [{"Effect": "Allow", "NotAction": ["s3:*"], "Resource": APP}]}, True),
        (_allow(APP, []), False),
        (_allow(APP, [7, "iam:PassRole"]), True),
        (
            {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": APP}]},
            False,
        ),
        (
            _allow(
                APP, Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
            ),
            True,
        ),
        ({"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": APP}}, True),
        ({}, False),
    ],
)
def test_which_statements_allow_passing_the_role(document: dict[str, Any], allowed: bool) -> None:
    assert allows_pass_role(document, APP) is allowed


def _detail(name: str, trust: Any, inline: list[Any], profiles: list[Any]) -> dict[str, Any]:
    return {
        "RoleName": name,
        "RoleId": f"AROA{name.upper():0>17}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/service/{name}",
        "Path": "/service/",
        "CreateDate": "2026-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [
            {"PolicyName": f"p{i}", "PolicyDocument": d} for i, d in enumerate(inline)
        ],
        "InstanceProfileList": profiles,
    }


def test_a_role_read_once_feeds_the_index_as_its_raw_detail_does() -> None:
    # A snapshot's pass gives the index the role the decision read (documents parsed once);
    # the answers are the ones the raw detail gives, URL-encoded documents included.
    chain = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [APP]}, "Action": "sts:AssumeRole"}]
    }
    encoded = urllib.parse.quote(json.dumps(_allow(APP, "iam:Pass*")))
    profile = {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/app-profile"}
    details = [
        _detail("app", None, [], [profile]),
        _detail("chained", urllib.parse.quote(json.dumps(chain)), [encoded], []),
        _detail("deployer", chain, [_allow(APP), _allow(APP, "s3:GetObject")], []),
    ]
    raw, read = IamReferenceIndex(), IamReferenceIndex()
    for detail in details:
        raw.add_entry("RoleDetailList", detail)
        read.add_role(role_from_detail(detail), detail.get("InstanceProfileList"))
    app = role_from_detail(details[0])
    assert read.references_of(app) == raw.references_of(app)
    assert sorted((r.via, r.name) for r in read.references_of(app)) == [
        ("iam:PassRole", "chained"),
        ("iam:PassRole", "deployer"),
        ("instance-profile", "app-profile"),
        ("trust-policy", "chained"),
        ("trust-policy", "deployer"),
    ]


def test_a_bad_instance_profile_of_a_role_read_once_names_the_file() -> None:
    detail = _detail("app", None, [], [{"InstanceProfileName": None}])
    with pytest.raises(RoleDataError, match=r"in roles\.json have a bad entry"):
        IamReferenceIndex().add_role(role_from_detail(detail), [{}], where="roles.json")


def _iam(sim: Simulation) -> Any:
    return seed.internal_client("iam", ACCOUNT)


@pytest.fixture
def account(sim: Simulation, now: datetime) -> dict[str, str]:
    """A role referenced every way IAM can, and one that nothing names."""
    app = sim.put_role(
        ACCOUNT, "app", path="/service/", created=now, instance_profiles=["app-profile"]
    )
    lonely = sim.put_role(ACCOUNT, "lonely", created=now)
    chained = sim.put_role(
        ACCOUNT,
        "chained",
        created=now,
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": app.arn}, "Action": "sts:AssumeRole"}
            ],
        },
        inline_policies={"pass-every-role": _allow(f"arn:aws:iam::{ACCOUNT}:role/*")},
    )
    iam = _iam(sim)
    iam.create_user(UserName="deployer")
    iam.put_user_policy(
        UserName="deployer", PolicyName="pass", PolicyDocument=json.dumps(_allow(app.arn))
    )
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin", PolicyName="all", PolicyDocument=json.dumps(_allow("*", "*"))
    )
    iam.create_group(GroupName="builders")
    iam.put_group_policy(
        GroupName="builders",
        PolicyName="pass-service",
        PolicyDocument=json.dumps(_allow(f"arn:aws:iam::{ACCOUNT}:role/service/*")),
    )
    policy = iam.create_policy(
        PolicyName="pass-app", PolicyDocument=json.dumps(_allow(app.arn, "iam:Pass*"))
    )["Policy"]
    return {
        "app": app.arn,
        "lonely": lonely.arn,
        "chained": chained.arn,
        "policy": policy["Arn"],
    }


def test_the_iam_source_finds_profiles_trusts_and_pass_role_grants(
    sim: Simulation, now: datetime, account: dict[str, str]
) -> None:
    source = IamRoleSource(sim.client("iam"), account_id=ACCOUNT, references=True)
    roles = list(source.roles())

    found = source.iam_references().references(roles)

    app = found[account["app"]]
    assert app.sources == ("iam",)
    assert app.not_covered == ()
    named = {(r.type, r.name, r.via) for r in app.references}
    assert named == {
        ("AWS::IAM::InstanceProfile", "app-profile", "instance-profile"),
        ("AWS::IAM::Role", "chained", "trust-policy"),
        ("AWS::IAM::User", "deployer", "iam:PassRole"),
        ("AWS::IAM::Group", "builders", "iam:PassRole"),
        ("AWS::IAM::Policy", "pass-app", "iam:PassRole"),
    }
    assert all(r.source == "iam" and r.account_id == ACCOUNT for r in app.references)
    assert {r.arn for r in app.references if r.type == "AWS::IAM::Policy"} == {account["policy"]}
    # A grant on role/* or on *, and the role's own trust, name no one.
    assert found[account["lonely"]].references == ()
    assert found[account["chained"]].references == ()
    assert sim.recorder.counts() == {"iam:GetAccountAuthorizationDetails": 1}


def test_the_roles_read_with_references_are_the_roles_read_without(
    sim: Simulation, account: dict[str, str]
) -> None:
    plain = list(IamRoleSource(sim.client("iam"), account_id=ACCOUNT).roles())
    wide = list(IamRoleSource(sim.client("iam"), account_id=ACCOUNT, references=True).roles())
    assert wide == plain
    assert {r.name: r.instance_profile_arns for r in plain}["app"] == (
        f"arn:aws:iam::{ACCOUNT}:instance-profile/app-profile",
    )


def test_users_groups_and_policies_page_with_the_roles(
    sim: Simulation, account: dict[str, str]
) -> None:
    source = IamRoleSource(sim.client("iam"), account_id=ACCOUNT, page_size=2, references=True)
    roles = list(source.roles())

    found = source.iam_references().references(roles)

    assert len(found[account["app"]].references) == 5
    # 3 roles, 2 users, 1 group, 1 policy at 2 a page.
    assert sim.recorder.counts() == {"iam:GetAccountAuthorizationDetails": 4}


# Documents an index reads after it has seen their action names rule out iam:PassRole
# elsewhere: a name remembered as "not iam:PassRole" must never hide a NotAction, a
# wildcard beside it or an entry that is no name at all.
_SEEN_FIRST = _allow(APP, ["s3:GetObject", "sqs:SendMessage"])


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        (_allow(APP, ["s3:GetObject", "sqs:SendMessage"]), False),
        (_allow(APP, "s3:GetObject"), False),
        (_allow(APP, ["s3:GetObject", "iam:Pass*"]), True),
        (_allow(APP, ["s3:GetObject", {"not": "a name"}, "iam:PassRole"]), True),
        (_allow(APP, ["s3:GetObject", ["iam:PassRole"]]), False),
        (_allow(APP, ["s3:GetObject"], NotAction="s3:GetObject"), True),
        (_allow(APP, "s3:GetObject", NotAction=["s3:GetObject"]), True),
        (_allow(APP, ["s3:GetObject"], NotAction=["iam:*"]), False),
    ],
)
def test_action_names_seen_before_leave_the_answer_as_a_fresh_reading_gives(
    document: dict[str, Any], allowed: bool
) -> None:
    warm = IamReferenceIndex()
    warm.add_entry("Policies", _managed("warm", _SEEN_FIRST))
    warm.add_entry("Policies", _managed("tested", document))
    cold = IamReferenceIndex()
    cold.add_entry("Policies", _managed("tested", document))
    app = role_from_detail(_detail("app", None, [], []))
    assert warm.references_of(app) == cold.references_of(app)
    assert [r.name for r in warm.references_of(app)] == (["tested"] if allowed else [])


def _managed(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": document}],
    }
