"""The join of AWS's unused-credential findings with dormant's own decision on the same users.

Each AWS finding (`AwsFinding` of type UnusedIAMUserPassword or UnusedIAMUserAccessKey, from
any source) is matched by ARN with the `UserFinding` that `dormant.users.decide.evaluate_user`
made on the credential report, and within it with the credential it is about: the password,
or the access key (by its id and creation when AWS names it, the user's only key otherwise;
with two keys and no id, none).
It gets an `Agreement`: true only where dormant also finds that credential stale and nothing
dormant refuses on applies; else false with why, in the first of these that holds:

- the root user (dormant reports it, never retires it);
- exempt by tag (until a date, when the tag names one);
- allow-listed (the matching pattern);
- the key is ambiguous: the source names no key (Security Hub's findings never do) and the
  user has two, so dormant cannot tell which one AWS means and agrees on neither;
- the credential is gone (a password removed, a key deleted or replaced after AWS's analysis),
  or inactive (a key deactivated since: nothing to retire);
- used after AWS's last analysis (its last use is later than `analyzedAt`);
- the windows differ (AWS's analyzer window against dormant's `--max-days`), or it was used
  or created within dormant's window.

A finding about an account dormant cannot reach, or about a user missing from the credential
report, is an `AccountFailure` naming them: nothing AWS reports is dropped. Pure: no boto3,
no clock (`now` is an argument).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from dormant.core.aws_findings import (
    Agreement,
    AwsFinding,
    FindingSource,
    allow_listed,
    exempt_by_tag,
    unreachable_failures,
)
from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.users.model import CredentialKind, CredentialStatus, UserFinding, UserReason

__all__ = [
    "KEY_FINDING",
    "PASSWORD_FINDING",
    "USER_FINDING_TYPES",
    "agreement",
    "ambiguous_key",
    "credential_of",
    "has_two_keys",
    "join_user_findings",
    "needs_key_id",
]

PASSWORD_FINDING = "UnusedIAMUserPassword"
KEY_FINDING = "UnusedIAMUserAccessKey"
# The finding types `dormant users --source ...` reads.
USER_FINDING_TYPES = (KEY_FINDING, PASSWORD_FINDING)
_KEYS = (CredentialKind.ACCESS_KEY_1, CredentialKind.ACCESS_KEY_2)
_SOURCE_NAMES = {
    FindingSource.SECURITYHUB.value: "Security Hub",
    FindingSource.ACCESS_ANALYZER.value: "Access Analyzer",
}


def _keys(finding: UserFinding) -> list[CredentialStatus]:
    return [s for s in finding.credentials if s.kind in _KEYS]


def has_two_keys(finding: UserFinding) -> bool:
    """Whether the credential report lists two access keys (only ids then tell them apart)."""
    return len(_keys(finding)) > 1


def needs_key_id(aws: AwsFinding, finding: UserFinding | None) -> bool:
    """Whether only the finding's details (the access key's id) tell which key it is about:
    an access-key finding about a user with two keys, whose id the source did not give and
    whose details are not read yet."""
    return (
        aws.type == KEY_FINDING
        and aws.access_key_id is None
        and not aws.detailed
        and finding is not None
        and has_two_keys(finding)
    )


def ambiguous_key(aws: AwsFinding, finding: UserFinding) -> bool:
    """Whether an access-key finding cannot be matched to a key: the source named none
    (Security Hub never does) and the user has two."""
    return aws.type == KEY_FINDING and aws.access_key_id is None and has_two_keys(finding)


def _source_name(aws: AwsFinding) -> str:
    return _SOURCE_NAMES.get(aws.source, aws.source)


def credential_of(
    finding: UserFinding, aws: AwsFinding, key_created: Mapping[str, datetime]
) -> CredentialStatus | None:
    """The credential AWS's finding is about, as dormant saw it; None when the user has it no
    more. `key_created` maps access key ids to their creation (ListAccessKeys)."""
    if aws.type == PASSWORD_FINDING:
        return next((s for s in finding.credentials if s.kind is CredentialKind.PASSWORD), None)
    keys = _keys(finding)
    created = None if aws.access_key_id is None else key_created.get(aws.access_key_id)
    if created is not None:
        # The credential report knows keys by position and creation, not by id.
        return next(
            (
                s
                for s in keys
                if s.credential.created is not None
                and abs((s.credential.created - created).total_seconds()) < 1
            ),
            None,
        )
    return keys[0] if len(keys) == 1 else None


def _days(count: int | None) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _label(aws: AwsFinding, status: CredentialStatus | None) -> str:
    if status is not None:
        return status.kind.label.lower()
    if aws.type == PASSWORD_FINDING:
        return "console password"
    return f"access key {aws.access_key_id}" if aws.access_key_id else "access key"


def agreement(
    finding: UserFinding,
    status: CredentialStatus | None,
    aws: AwsFinding,
    settings: Settings,
    now: datetime,
) -> Agreement:
    """Whether dormant's decision on the credential agrees with AWS's finding about it."""
    user = finding.user
    if finding.reason is UserReason.ROOT:
        return Agreement(False, "root user: dormant never retires it")
    if finding.reason is UserReason.EXEMPT:
        return exempt_by_tag(user.tags, settings, now)
    if finding.reason is UserReason.ALLOW_LISTED:
        return allow_listed(user.path_and_name, settings)
    if status is None and ambiguous_key(aws, finding):
        # Which key AWS means is unknown: never agree on one, so dormant acts on neither.
        return Agreement(False, f"{_source_name(aws)}'s finding names no key; the user has two")
    label = _label(aws, status)
    if status is None:
        return Agreement(False, f"no {label} now (gone after AWS's last analysis)")
    credential = status.credential
    if credential.created is not None and credential.created > aws.analyzed_at:
        return Agreement(
            False, f"{label} created after AWS's last analysis (the one AWS flagged is gone)"
        )
    if not credential.active:
        return Agreement(False, f"{label} is inactive: nothing to retire")
    if status.stale:
        return Agreement(True)
    if credential.last_used is not None and credential.last_used > aws.analyzed_at:
        return Agreement(
            False, f"{label} used {_days(status.days_unused)} ago, after AWS's last analysis"
        )
    if aws.window_days != settings.max_days:
        return Agreement(False, f"AWS window {aws.window_days} days, dormant's {settings.max_days}")
    done = "used" if credential.last_used is not None else "created"
    return Agreement(
        False,
        f"{label} {done} {_days(status.days_unused)} ago, within dormant's {settings.max_days}",
    )


def join_user_findings(
    aws_findings: Iterable[AwsFinding],
    findings: Iterable[UserFinding],
    *,
    settings: Settings,
    now: datetime,
    reachable_accounts: Collection[str],
    key_created: Mapping[str, datetime] | None = None,
    operation: str = "access-analyzer:ListFindingsV2",
) -> tuple[list[UserFinding], list[AccountFailure]]:
    """One dormant finding per AWS finding about a user's credential (AWS's order), with
    `aws_finding`, `aws_credential` and `agreement`; and what could not be joined.

    `findings` are dormant's decisions on every user of the reachable accounts; `operation`
    is the source's listing call, which failures name.
    """
    by_arn = {finding.arn: finding for finding in findings}
    joined: list[UserFinding] = []
    unreachable: dict[str, list[AwsFinding]] = {}
    failures: list[AccountFailure] = []
    for aws in aws_findings:
        if aws.account_id not in reachable_accounts:
            unreachable.setdefault(aws.account_id, []).append(aws)
            continue
        finding = by_arn.get(aws.resource_arn)
        if finding is None:
            failures.append(
                AccountFailure(
                    aws.account_id,
                    operation,
                    f"AWS finding {aws.id} ({aws.type}) names {aws.resource_arn}, which is not "
                    f"in the credential report of account {aws.account_id} (deleted after "
                    f"AWS's analysis of {aws.analyzed_at:%Y-%m-%d}?)",
                )
            )
            continue
        status = credential_of(finding, aws, key_created or {})
        joined.append(
            replace(
                finding,
                aws_finding=aws,
                aws_credential=None if status is None else status.kind,
                agreement=agreement(finding, status, aws, settings, now),
            )
        )
    noun = ("unused user credential", "unused user credentials")
    return joined, failures + unreachable_failures(unreachable, operation, noun)
