"""AWS's own unused-access findings as dormant reads them, and whether dormant agrees.

`AwsFinding` is one finding of IAM Access Analyzer (ListFindingsV2), translated once from AWS's
camelCase by the adapter (`dormant.aws.access_analyzer`); `Agreement` is what the join of a
kind (`dormant.roles.agreement`) says about it: true when dormant's own rules also find the
resource unused and nothing forbids acting on it, else false with why. `Source` names where
findings come from (`--source`). `UnusedService` and `UnusedAction` are an UnusedPermission
finding's details (what GetFindingV2 adds to a summary). Pure values: never import boto3 or
read the clock here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Agreement",
    "AwsFinding",
    "FindingSource",
    "UnusedAccessAnalyzer",
    "UnusedAction",
    "UnusedService",
]


class FindingSource(enum.StrEnum):
    """Where the findings of a command come from (`--source`)."""

    DORMANT = "dormant"  # dormant's own decision over IAM's data (the default)
    ACCESS_ANALYZER = "access-analyzer"  # IAM Access Analyzer's unused-access findings


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
    it; GetFindingV2's details do) or when AWS saw no access. `window_days` is the analyzer's.
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
    # AWS named none).
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
