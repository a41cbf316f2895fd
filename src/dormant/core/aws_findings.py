"""AWS's own unused-access findings as dormant reads them, and whether dormant agrees.

`AwsFinding` is one finding of IAM Access Analyzer (ListFindingsV2) or Security Hub
(GetFindingsV2), translated once from AWS's fields by the adapters (`dormant.aws.access_analyzer`,
`dormant.aws.securityhub_findings`); `Agreement` is what the join of a
kind (`dormant.roles.agreement`) says about it: true when dormant's own rules also find the
resource unused and nothing forbids acting on it, else false with why. `Source` names where
findings come from (`--source`). `UnusedService` and `UnusedAction` are an UnusedPermission
finding's details (what GetFindingV2 adds to a summary). `exempt_by_tag`, `allow_listed` and
`unreachable_failures` are what every kind's join says the same way. Pure: never import
boto3 or read the clock here.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dormant.core.errors import InvalidParameter
from dormant.core.model import AccountFailure
from dormant.core.patterns import matching_pattern
from dormant.core.settings import Settings
from dormant.core.tags import check_exemption

__all__ = [
    "Agreement",
    "AwsFinding",
    "FindingSource",
    "UnusedAccessAnalyzer",
    "UnusedAction",
    "UnusedService",
    "allow_listed",
    "exempt_by_tag",
    "parse_finding_source",
    "unreachable_failures",
]


class FindingSource(enum.StrEnum):
    """Where the findings of a command come from (`--source`)."""

    DORMANT = "dormant"  # dormant's own decision over IAM's data (the default)
    ACCESS_ANALYZER = "access-analyzer"  # IAM Access Analyzer's unused-access findings
    SECURITYHUB = "securityhub"  # the same findings as Security Hub shows them (OCSF)


@dataclass(frozen=True, slots=True)
class UnusedAccessAnalyzer:
    """An active unused-access analyzer: its ARN, type and window (unusedAccessAge)."""

    arn: str
    type: str
    window_days: int


@dataclass(frozen=True, slots=True)
class UnusedAction:
    """One unused action of a service AWS tracks at action level (``s3:PutObject``)."""

    name: str
    last_accessed: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnusedService:
    """One service of an UnusedPermission finding: its namespace, its last access (None: AWS
    saw none), and for services AWS tracks at action level, the unused actions."""

    namespace: str
    last_accessed: datetime | None = None
    actions: tuple[UnusedAction, ...] = ()


@dataclass(frozen=True, slots=True)
class AwsFinding:
    """One unused-access finding as AWS reports it.

    `last_accessed` is None when AWS's summary lacks it (ListFindingsV2 summaries never hold
    it; GetFindingV2's details do) or when AWS saw no access. `window_days` is the analyzer's
    (Security Hub's: 90). `analyzer_arn` is the analyzer's ARN, or for Security Hub the
    finding's product ARN (OCSF's `metadata.product.uid`).
    """

    source: str
    id: str
    type: str
    status: str
    analyzed_at: datetime
    resource_arn: str
    account_id: str
    window_days: int
    analyzer_arn: str
    last_accessed: datetime | None = None
    # What only the finding's details say (GetFindingV2, or a source that holds them):
    # the access key an UnusedIAMUserAccessKey finding is about, and an UnusedPermission
    # finding's services. `detailed` says they were read (an empty `services` then means
    # AWS named none; Security Hub's findings, read whole, never name a key or a service).
    access_key_id: str | None = None
    services: tuple[UnusedService, ...] = ()
    detailed: bool = False


@dataclass(frozen=True, slots=True)
class Agreement:
    """Whether dormant agrees with AWS's finding; `why` says why not (None when it does)."""

    agrees: bool
    why: str | None = None

    @property
    def text(self) -> str:
        return "yes" if self.agrees else f"no: {self.why}"


# What every kind's join says the same way (`dormant.roles.agreement`, `dormant.users.agreement`,
# `dormant.permissions.agreement`).


def exempt_by_tag(
    tags: tuple[tuple[str, str], ...], settings: Settings, now: datetime
) -> Agreement:
    """``exempt by tag until 2027-01-31`` (the date when the tag names one)."""
    check = check_exemption(tags, settings.exempt_tag_key, now, settings.max_exemption_days)
    until = None if check is None else check.exemption.until
    return Agreement(False, "exempt by tag" + (f" until {until}" if until else ""))


def allow_listed(path_and_name: str, settings: Settings) -> Agreement:
    """``allow-listed (/ci/*)``: the pattern that matches."""
    pattern = matching_pattern(path_and_name, settings.allow_patterns)
    return Agreement(False, f"allow-listed ({pattern})" if pattern else "allow-listed")


def unreachable_failures(
    missed: Mapping[str, Sequence[AwsFinding]], operation: str, noun: tuple[str, str]
) -> list[AccountFailure]:
    """One failure per account dormant cannot reach, naming it, how many findings AWS has
    there (`noun`: singular and plural) and one resource, in account order."""
    failures: list[AccountFailure] = []
    for account_id, findings in sorted(missed.items()):
        count = len(findings)
        failures.append(
            AccountFailure(
                account_id,
                operation,
                f"AWS reports {count} {noun[0] if count == 1 else noun[1]} in account "
                f"{account_id}, which dormant cannot reach (e.g. {findings[0].resource_arn})",
            )
        )
    return failures


def parse_finding_source(
    source: str,
    analyzer_arn: str | None,
    chosen: Sequence[str],
    *,
    allowed: Collection[str] = (),
) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (an offline input,
    --org, --accounts): AWS's findings are read live, so an option in `chosen` that is not in
    `allowed` is refused with any source but dormant's."""
    try:
        finding_source = FindingSource(source)
    except ValueError:
        choices = ", ".join(s.value for s in FindingSource)
        raise InvalidParameter("--source", f"{source!r} is not one of {choices}") from None
    refused = [option for option in chosen if option not in allowed]
    if finding_source is not FindingSource.DORMANT and refused:
        where = "AWS's findings are read live" + ("" if allowed else ", in one account")
        raise InvalidParameter(
            refused[0], f"cannot be combined with --source {finding_source.value} ({where})"
        )
    if analyzer_arn is not None and finding_source is not FindingSource.ACCESS_ANALYZER:
        raise InvalidParameter("--analyzer-arn", "needs --source access-analyzer")
    if analyzer_arn is not None and ":analyzer/" not in analyzer_arn:
        raise InvalidParameter("--analyzer-arn", f"{analyzer_arn!r} is not an analyzer's ARN")
    return finding_source
