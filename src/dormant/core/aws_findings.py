"""AWS's own unused-access findings as dormant reads them, and whether dormant agrees.

`AwsFinding` is one finding of IAM Access Analyzer (ListFindingsV2) or Security Hub
(GetFindingsV2), translated once from AWS's fields by the adapters (`dormant.aws.access_analyzer`,
`dormant.aws.securityhub_findings`); `Agreement` is what the join of a
kind (`dormant.roles.agreement`) says about it: true when dormant's own rules also find the
resource unused and nothing forbids acting on it, else false with why. `Source` names where
findings come from (`--source`). Pure values: never import boto3 or read the clock here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Agreement", "AwsFinding", "FindingSource", "UnusedAccessAnalyzer"]


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


@dataclass(frozen=True, slots=True)
class Agreement:
    """Whether dormant agrees with AWS's finding; `why` says why not (None when it does)."""

    agrees: bool
    why: str | None = None

    @property
    def text(self) -> str:
        return "yes" if self.agrees else f"no: {self.why}"
