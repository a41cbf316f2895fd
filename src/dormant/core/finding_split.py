"""Where each of AWS's findings can be joined: the per-account split every kind's join shares.

AWS's findings name the account of each resource: one account's analyzer names its own, an
organization analyzer read from its administrator names every member. `split_by_account`
groups them by account, keeping AWS's order within each, and sets apart the accounts dormant
did not reach. `join_by_arn` is the loop the kinds' joins (`dormant.roles.agreement`,
`dormant.users.agreement`, `dormant.permissions.agreement`) share: each finding of a reached
account is matched by ARN with dormant's own finding about the same resource and handed to the
kind's `join`; a finding whose resource dormant did not see, or that is about an account
dormant did not reach, is an `AccountFailure` naming the account. Nothing AWS reports is
dropped.

Pure: standard library only, nothing kind-specific (the kind passes how one finding is joined,
and what to say of a resource it lacks); never import boto3 or read the clock here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from dormant.core.aws_findings import AwsFinding, unreachable_failures
from dormant.core.model import AccountFailure

__all__ = ["AccountSplit", "HasArn", "join_by_arn", "split_by_account"]


class HasArn(Protocol):
    """Dormant's finding about one resource, known by the resource's ARN."""

    @property
    def arn(self) -> str: ...


F = TypeVar("F", bound=HasArn)


@dataclass(frozen=True, slots=True)
class AccountSplit:
    """AWS's findings by account: `reached` for the accounts dormant read (accounts in the
    order AWS first names them, each account's findings in AWS's order), `unreached` for the
    others (failures, never dropped)."""

    reached: dict[str, tuple[AwsFinding, ...]]
    unreached: dict[str, tuple[AwsFinding, ...]]

    def findings(self) -> list[AwsFinding]:
        """The reached accounts' findings, account after account."""
        return [aws for found in self.reached.values() for aws in found]

    def unreached_failures(self, operation: str, noun: tuple[str, str]) -> list[AccountFailure]:
        """One failure per account dormant did not reach, naming it and what AWS has there
        (`noun`: singular and plural), in account order."""
        return unreachable_failures(self.unreached, operation, noun)


def split_by_account(
    aws_findings: Iterable[AwsFinding], reached: Collection[str] | None = None
) -> AccountSplit:
    """AWS's findings grouped by their account; `reached` (None: every account) says which
    accounts dormant read, and so can join."""
    groups: dict[str, list[AwsFinding]] = {}
    for aws in aws_findings:
        groups.setdefault(aws.account_id, []).append(aws)
    split: tuple[dict[str, tuple[AwsFinding, ...]], dict[str, tuple[AwsFinding, ...]]] = ({}, {})
    for account_id, found in groups.items():
        side = split[0] if reached is None or account_id in reached else split[1]
        side[account_id] = tuple(found)
    return AccountSplit(*split)


def join_by_arn(
    aws_findings: Iterable[AwsFinding],
    findings: Iterable[F],
    join: Callable[[F, AwsFinding], F],
    *,
    reached: Collection[str],
    operation: str,
    noun: tuple[str, str],
    missing: Callable[[AwsFinding], str],
) -> tuple[list[F], list[AccountFailure]]:
    """One joined finding per AWS finding about a resource of a reached account (account
    after account, AWS's order within each), and what could not be joined.

    `findings` are dormant's decisions on the resources of the reached accounts; `join`
    makes the kind's joined finding from dormant's and AWS's; `missing` says why a finding
    whose resource dormant lacks cannot be joined (the failure's message); `operation` is the
    call that read AWS's findings, which failures name.
    """
    split = split_by_account(aws_findings, reached)
    by_arn = {finding.arn: finding for finding in findings}
    joined: list[F] = []
    failures: list[AccountFailure] = []
    for aws in split.findings():
        finding = by_arn.get(aws.resource_arn)
        if finding is None:
            failures.append(AccountFailure(aws.account_id, operation, missing(aws)))
        else:
            joined.append(join(finding, aws))
    return joined, failures + split.unreached_failures(operation, noun)
