"""The per-account split of AWS's findings, and the join loop every kind shares: each finding
goes to the account that owns its resource, in AWS's order there; a finding about an account
dormant did not reach, or about a resource dormant did not see, is a failure naming it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from dormant.core.aws_findings import AwsFinding
from dormant.core.finding_split import join_by_arn, split_by_account

ANALYZED = datetime(2026, 12, 1, tzinfo=UTC)
ADMIN, MEMBER, DENIED = "123456789012", "111111111111", "333333333333"


def aws(account: str, name: str) -> AwsFinding:
    return AwsFinding(
        source="access-analyzer",
        id=f"{account}-{name}",
        type="UnusedIAMRole",
        status="ACTIVE",
        analyzed_at=ANALYZED,
        resource_arn=f"arn:aws:iam::{account}:role/{name}",
        account_id=account,
        window_days=90,
        analyzer_arn=f"arn:aws:access-analyzer:us-east-1:{ADMIN}:analyzer/organization",
    )


@dataclass(frozen=True)
class Seen:
    """Dormant's side, as small as the join needs: an ARN, and what AWS's finding joined."""

    arn: str
    joined: str | None = None


def test_findings_go_to_their_account_in_aws_order_and_unreached_accounts_apart() -> None:
    found = [aws(MEMBER, "a"), aws(DENIED, "x"), aws(ADMIN, "b"), aws(MEMBER, "c")]
    split = split_by_account(found, reached={ADMIN, MEMBER})
    assert list(split.reached) == [MEMBER, ADMIN]  # as AWS first names them
    assert [f.id for f in split.reached[MEMBER]] == [f"{MEMBER}-a", f"{MEMBER}-c"]
    assert [f.id for f in split.findings()] == [f"{MEMBER}-a", f"{MEMBER}-c", f"{ADMIN}-b"]
    assert list(split.unreached) == [DENIED]
    (failure,) = split.unreached_failures("access-analyzer:ListFindingsV2", ("thing", "things"))
    assert failure.account_id == DENIED
    assert failure.operation == "access-analyzer:ListFindingsV2"
    assert f"AWS reports 1 thing in account {DENIED}, which dormant cannot reach" in (
        failure.message
    )


def test_without_reached_accounts_every_account_is_reached() -> None:
    split = split_by_account([aws(MEMBER, "a"), aws(DENIED, "x")])
    assert list(split.reached) == [MEMBER, DENIED]
    assert split.unreached == {}


def test_the_join_keeps_joined_missing_and_unreached_apart() -> None:
    found = [aws(MEMBER, "a"), aws(DENIED, "x"), aws(DENIED, "y"), aws(MEMBER, "gone")]
    seen = [Seen(f"arn:aws:iam::{MEMBER}:role/a"), Seen(f"arn:aws:iam::{ADMIN}:role/b")]
    joined, failures = join_by_arn(
        found,
        seen,
        lambda finding, finding_aws: replace(finding, joined=finding_aws.id),
        reached={ADMIN, MEMBER},
        operation="op",
        noun=("role", "roles"),
        missing=lambda finding_aws: f"{finding_aws.resource_arn} is gone",
    )
    assert joined == [Seen(f"arn:aws:iam::{MEMBER}:role/a", f"{MEMBER}-a")]
    assert [(f.account_id, f.message) for f in failures] == [
        (MEMBER, f"arn:aws:iam::{MEMBER}:role/gone is gone"),
        (
            DENIED,
            f"AWS reports 2 roles in account {DENIED}, which dormant cannot reach "
            f"(e.g. arn:aws:iam::{DENIED}:role/x)",
        ),
    ]


accounts = st.sampled_from([ADMIN, MEMBER, DENIED])


@given(
    st.lists(st.tuples(accounts, st.sampled_from("abcd")), max_size=20),
    st.frozensets(accounts),
)
def test_every_finding_lands_once_in_its_own_account(
    pairs: list[tuple[str, str]], reached: frozenset[str]
) -> None:
    found = [aws(account, name) for account, name in pairs]
    split = split_by_account(found, reached)
    sides = [*split.reached.items(), *split.unreached.items()]
    assert sorted(f.id for _, group in sides for f in group) == sorted(f.id for f in found)
    for account, group in sides:
        assert all(f.account_id == account for f in group)
        # AWS's order within the account.
        assert list(group) == [f for f in found if f.account_id == account]
    assert set(split.reached) == {a for a, _ in pairs} & reached
