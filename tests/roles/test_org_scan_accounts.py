"""Scanning a simulated organization: members reached by AssumeRole, one of them refusing.

The simulation (moto, made strict) gives every account id its own IAM; credentials from
sts:AssumeRole of ``arn:aws:iam::<id>:role/...`` act in account <id>. moto does not check the
role's trust policy, so the refusing account is made by the simulation's AssumeRole denial.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import boto3
import botocore.config
import pytest

from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, CallerIdentity, caller_identity, organization_targets
from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.core.model import AccountFailure, Compliance
from dormant.core.settings import Settings
from dormant.engine.accounts import AccountTarget, MultiAccountResult
from dormant.roles.aws_accounts import scan_accounts
from dormant_sim.server import SimulatedAws, Simulation

MANAGEMENT = "123456789012"  # the account of the simulation's default credentials
MEMBER_A = "111111111111"
MEMBER_B = "222222222222"
DENIED = "333333333333"
MEMBERS = (MEMBER_A, MEMBER_B, DENIED)
ROLE_NAME = "dormant-audit"
GAAD = "iam:GetAccountAuthorizationDetails"

Expected = dict[str, set[tuple[str, Compliance]]]


def seed_account(sim: Simulation, account_id: str, now: datetime) -> set[tuple[str, Compliance]]:
    """A stale, a recent and a never-used role; one name is unique to the account."""
    day = timedelta(days=1)
    sim.put_role(
        account_id,
        f"stale-{account_id}",
        created=now - 400 * day,
        last_used=now - 100 * day,
        last_used_region="eu-west-1",
    )
    sim.put_role(account_id, "recent", created=now - 300 * day, last_used=now - 2 * day)
    sim.put_role(account_id, "never-used", created=now - 200 * day)
    return {
        (f"stale-{account_id}", Compliance.NON_COMPLIANT),
        ("recent", Compliance.COMPLIANT),
        ("never-used", Compliance.NON_COMPLIANT),
    }


def build_org(sim: Simulation, now: datetime, members: tuple[str, ...] = MEMBERS) -> Expected:
    sim.create_organization(members)
    return {account: seed_account(sim, account, now) for account in (MANAGEMENT, *members)}


def by_account(result: MultiAccountResult) -> Expected:
    found: Expected = {}
    for finding in result.findings:
        assert finding.role.arn.split(":")[4] == finding.account_id
        found.setdefault(finding.account_id, set()).add((finding.role.name, finding.compliance))
    return found


def spy_assume_role(sim: Simulation) -> list[dict[str, Any]]:
    """The parameters of every AssumeRole request (an injection that never fires)."""
    seen: list[dict[str, Any]] = []

    def record(params: Mapping[str, Any]) -> bool:
        seen.append(dict(params))
        return False

    sim.inject_error("sts", "AssumeRole", "Unused", times=None, when=record)
    return seen


def test_org_scan_merges_members_and_reports_the_refusing_one(
    sim: Simulation, now: datetime
) -> None:
    expected = build_org(sim, now)
    assumed = spy_assume_role(sim)  # first, so that it sees the denied request too
    sim.deny_assume_role(DENIED, ROLE_NAME)
    session = boto3.session.Session()
    counter = CallCounter()
    targets = organization_targets(session, counter=counter)
    done: list[tuple[str, AccountFailure | None]] = []

    result = scan_accounts(
        session,
        targets,
        role_name=ROLE_NAME,
        settings=Settings(max_days=60),
        now=now,
        workers=4,
        on_account_done=lambda account, failure: done.append((account, failure)),
        counter=counter,
    )

    assert [t.account_id for t in result.accounts] == sorted((MANAGEMENT, *MEMBERS))
    del expected[DENIED]
    assert by_account(result) == expected
    assert [(f.account_id, f.role.name) for f in result.findings] == sorted(
        (f.account_id, f.role.name) for f in result.findings
    )
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert (failure.account_id, failure.operation) == (DENIED, "sts:AssumeRole")
    assert f"arn:aws:iam::{DENIED}:role/{ROLE_NAME}" in failure.message
    assert "AccessDenied" in failure.message
    assert sorted(account for account, _ in done) == sorted((MANAGEMENT, *MEMBERS))
    assert dict(done)[DENIED] == failure
    # Cost: one identity call, one AssumeRole per member (none for the caller's own account),
    # ceil(roles/1000) = 1 GAAD per account that could be reached.
    assert counter.snapshot() == {
        "organizations:ListAccounts": 1,
        "sts:AssumeRole": 3,
        "sts:GetCallerIdentity": 1,
        GAAD: 3,
    }
    assert sim.recorder.counts() == counter.snapshot()
    for account in (MANAGEMENT, MEMBER_A, MEMBER_B):
        assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails", account_id=account) == 1
    assert sim.recorder.calls(account_id=DENIED) == 0
    assert sorted(p["RoleArn"] for p in assumed) == [
        f"arn:aws:iam::{account}:role/{ROLE_NAME}" for account in MEMBERS
    ]
    assert all(int(p["DurationSeconds"]) <= 3600 for p in assumed)


def test_caller_account_alone_needs_no_assume_role(sim: Simulation, now: datetime) -> None:
    expected = build_org(sim, now, members=())
    counter = CallCounter()
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(MANAGEMENT)],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
        counter=counter,
    )
    assert by_account(result) == expected
    assert counter.snapshot() == {"sts:GetCallerIdentity": 1, GAAD: 1}
    assert sim.recorder.counts() == counter.snapshot()


def test_iam_calls_per_account_are_ceil_roles_over_1000(sim: Simulation, now: datetime) -> None:
    sim.create_organization([MEMBER_A, MEMBER_B])
    sizes = {MANAGEMENT: 1000, MEMBER_A: 1001, MEMBER_B: 7}
    for account, count in sizes.items():
        sim.bulk_roles(account, count, now=now)
    counter = CallCounter()
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(account) for account in sizes],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
        workers=3,
        counter=counter,
    )
    assert result.failures == []
    for account, count in sizes.items():
        assert sum(1 for f in result.findings if f.account_id == account) == count
        assert sim.recorder.calls(
            "iam", "GetAccountAuthorizationDetails", account_id=account
        ) == math.ceil(count / 1000)
    assert counter.snapshot()[GAAD] == 1 + 2 + 1
    assert counter.snapshot()["sts:AssumeRole"] == 2


def test_one_worker_and_four_workers_give_identical_results(sim: Simulation, now: datetime) -> None:
    members = tuple(f"{n}" * 12 for n in range(1, 8))  # 111111111111 ... 777777777777
    sim.create_organization(members)
    for n, account in enumerate((MANAGEMENT, *members)):
        # Ages and last use vary with the index: never used, stale and recent roles alike.
        sim.bulk_roles(account, 12, now=now, prefix=f"app{n}-", start=n * 12)
    sim.deny_assume_role(members[2])
    session = boto3.session.Session()
    targets = organization_targets(session)
    counters = {1: CallCounter(), 4: CallCounter()}
    results = [
        scan_accounts(
            session,
            targets,
            role_name=ROLE_NAME,
            settings=Settings(),
            now=now,
            workers=workers,
            counter=counter,
        )
        for workers, counter in counters.items()
    ]
    one, four = results
    assert len(one.findings) == 12 * 7
    assert {f.compliance for f in one.findings} == {Compliance.COMPLIANT, Compliance.NON_COMPLIANT}
    assert one.findings == four.findings
    assert one.failures == four.failures
    assert [f.account_id for f in one.failures] == [members[2]]
    assert one.accounts == four.accounts
    assert (
        counters[1].snapshot()
        == counters[4].snapshot()
        == {
            "sts:AssumeRole": 7,
            "sts:GetCallerIdentity": 1,
            GAAD: 7,
        }
    )


def test_throttling_past_the_retries_fails_only_that_account(
    sim: Simulation, now: datetime
) -> None:
    expected = build_org(sim, now, members=(MEMBER_A, MEMBER_B))
    sim.inject_error(
        "iam",
        "GetAccountAuthorizationDetails",
        "Throttling",
        "Rate exceeded",
        times=None,
        account_id=MEMBER_B,
        status=400,
    )
    counter = CallCounter()
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(a) for a in (MANAGEMENT, MEMBER_A, MEMBER_B)],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
        workers=2,
        counter=counter,
        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 2}),
    )
    del expected[MEMBER_B]
    assert by_account(result) == expected
    assert [(f.account_id, f.operation) for f in result.failures] == [(MEMBER_B, GAAD)]
    assert "Throttling: Rate exceeded" in result.failures[0].message
    assert MEMBER_B in result.failures[0].message
    # max_attempts=2 retries: botocore sent 3 requests; the counter counts one call.
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails", account_id=MEMBER_B) == 3
    assert counter.snapshot()[GAAD] == 3


def test_throttling_within_the_retries_is_absorbed(sim: Simulation, now: datetime) -> None:
    expected = build_org(sim, now, members=(MEMBER_A,))
    sim.inject_error(
        "iam",
        "GetAccountAuthorizationDetails",
        "Throttling",
        "Rate exceeded",
        times=1,
        account_id=MEMBER_A,
        status=400,
    )
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(MANAGEMENT), AccountTarget(MEMBER_A)],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
    )
    assert result.failures == []
    assert by_account(result) == expected


def test_denied_iam_read_in_a_member_names_the_call_and_account(
    sim: Simulation, now: datetime
) -> None:
    build_org(sim, now, members=(MEMBER_A,))
    sim.inject_error(
        "iam", "GetAccountAuthorizationDetails", "AccessDenied", times=None, account_id=MEMBER_A
    )
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(MANAGEMENT), AccountTarget(MEMBER_A)],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
    )
    assert {f.account_id for f in result.findings} == {MANAGEMENT}
    [failure] = result.failures
    assert (failure.account_id, failure.operation) == (MEMBER_A, GAAD)
    assert f"in account {MEMBER_A} denied" in failure.message


def test_list_accounts_pages_and_skips_accounts_that_are_not_active(
    sim: Simulation,
) -> None:
    members = [f"1000000000{n:02d}" for n in range(25)]
    suspended = members[3], members[17]
    sim.create_organization(members, suspended=suspended)
    counter = CallCounter()
    skipped: list[tuple[AccountTarget, str]] = []

    targets = organization_targets(
        boto3.session.Session(),
        counter=counter,
        on_skipped=lambda target, status: skipped.append((target, status)),
    )

    ids = [t.account_id for t in targets]
    assert sorted(ids) == sorted({MANAGEMENT, *members} - set(suspended))
    assert len(ids) == 24
    assert all(t.name for t in targets)
    assert sorted(t.account_id for t, _ in skipped) == sorted(suspended)
    assert counter.snapshot() == {"organizations:ListAccounts": 2}  # 26 accounts, 20 a page
    assert sim.recorder.calls("organizations", "ListAccounts") == 2


def test_list_accounts_outside_an_organization_says_where_to_run(sim: Simulation) -> None:
    # moto lists nothing there; AWS answers with this error.
    sim.inject_error(
        "organizations",
        "ListAccounts",
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
    with pytest.raises(AwsAccessError) as caught:
        organization_targets(boto3.session.Session())
    assert caught.value.operation == "organizations:ListAccounts"
    assert "organizations:ListAccounts denied" in str(caught.value)
    assert "management account" in str(caught.value)
    assert "--accounts" in str(caught.value)


def test_list_accounts_denied_says_where_to_run(sim: Simulation) -> None:
    sim.create_organization([MEMBER_A])
    sim.inject_error("organizations", "ListAccounts", "AccessDeniedException", times=None)
    with pytest.raises(AwsAccessError, match=r"ListAccounts denied: AccessDeniedException.*"):
        organization_targets(boto3.session.Session())


def test_caller_that_cannot_be_identified_stops_the_run(sim: Simulation, now: datetime) -> None:
    sim.inject_error("sts", "GetCallerIdentity", "InvalidClientTokenId", times=None, status=403)
    with pytest.raises(AwsAccessError, match="sts:GetCallerIdentity denied"):
        scan_accounts(
            boto3.session.Session(),
            [AccountTarget(MEMBER_A)],
            role_name=ROLE_NAME,
            settings=Settings(),
            now=now,
        )


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"role_name": "bad role name"}, "--role-name"),
        ({"role_name": ""}, "--role-name"),
        ({"workers": 0}, "--workers"),
        ({"workers": 65}, "--workers"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(
    sim: Simulation, now: datetime, kwargs: dict[str, Any], option: str
) -> None:
    arguments: dict[str, Any] = {"role_name": ROLE_NAME, "workers": 2}
    arguments.update(kwargs)
    with pytest.raises(InvalidParameter, match=option):
        scan_accounts(
            boto3.session.Session(),
            [AccountTarget(MEMBER_A)],
            settings=Settings(),
            now=now,
            **arguments,
        )
    assert sim.recorder.calls() == 0


def test_duplicate_targets_cost_one_assume_role(sim: Simulation, now: datetime) -> None:
    build_org(sim, now, members=(MEMBER_A,))
    counter = CallCounter()
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(MEMBER_A), AccountTarget(MEMBER_A, "again")],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
        counter=counter,
        config=botocore.config.Config(retries={"mode": "adaptive"}),
    )
    assert counter.snapshot()["sts:AssumeRole"] == 1
    assert result.accounts == [AccountTarget(MEMBER_A, "again")]
    assert len(result.findings) == 3


def test_per_account_sessions_follow_aws_endpoint_url(
    sim_server: SimulatedAws, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line reaches a loopback simulation (or a VPC endpoint) this way; every
    # per-account session must keep honouring it.
    assert sim_server.endpoint_url is not None
    monkeypatch.setenv("AWS_ENDPOINT_URL", sim_server.endpoint_url)
    sim_server.create_organization([MEMBER_A])
    sim_server.put_role(MEMBER_A, "stale", created=now - timedelta(days=300))
    session = boto3.session.Session()
    result = scan_accounts(
        session,
        organization_targets(session),
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
        workers=2,
    )
    assert result.failures == []
    assert [(f.account_id, f.role.name) for f in result.findings] == [(MEMBER_A, "stale")]
    assert sim_server.recorder.calls("iam", "GetAccountAuthorizationDetails", MEMBER_A) == 1


def test_role_arn_follows_the_callers_partition(sim: Simulation) -> None:
    caller = CallerIdentity(
        account_id="123456789012",
        partition="aws-cn",
        arn="arn:aws-cn:iam::123456789012:user/auditor",
    )
    sessions = AccountSessions(
        boto3.session.Session(), caller, role_name=ROLE_NAME, counter=CallCounter()
    )
    assert sessions.role_arn(MEMBER_A) == f"arn:aws-cn:iam::{MEMBER_A}:role/{ROLE_NAME}"


def test_caller_identity_reads_account_and_partition(sim: Simulation) -> None:
    counter = CallCounter()
    caller = caller_identity(boto3.session.Session(), counter=counter)
    assert (caller.account_id, caller.partition) == (MANAGEMENT, "aws")
    assert counter.snapshot() == {"sts:GetCallerIdentity": 1}


def test_role_dates_read_exactly_as_iam_returns_them(sim: Simulation, now: datetime) -> None:
    sim.create_organization([MEMBER_A])
    seeded = {
        r.name: r
        for r in (
            sim.put_role(
                MEMBER_A,
                "used",
                created=now - timedelta(days=500, seconds=7),
                last_used=now - timedelta(days=61, hours=5),
                last_used_region="ap-southeast-2",
            ),
            sim.put_role(MEMBER_A, "unused", created=now - timedelta(days=90, minutes=3)),
        )
    }
    result = scan_accounts(
        boto3.session.Session(),
        [AccountTarget(MEMBER_A)],
        role_name=ROLE_NAME,
        settings=Settings(),
        now=now,
    )
    found = {f.role.name: f for f in result.findings}
    assert set(found) == set(seeded)
    for name, role in seeded.items():
        assert found[name].role.created == role.created
        assert found[name].role.created.utcoffset() == timedelta(0)
        assert found[name].role.last_used == role.last_used
        assert found[name].role.last_used_region == role.last_used_region
    assert found["used"].days_unused == 61
    assert found["unused"].days_unused is None
