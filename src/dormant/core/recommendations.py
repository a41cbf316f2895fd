"""AWS's recommended replacement policies for a role's unused permissions, as dormant reads them.

A `Recommendation` is what IAM Access Analyzer's GetFindingRecommendation (or Security Hub's
GetRecommendedPolicyV2) answers for one `UnusedPermission` finding once it has SUCCEEDED: one
`RecommendedStep` per policy of the role that holds unused permissions. A step either
replaces the policy (`CREATE_POLICY`, with the recommended document: the used services and
actions kept) or takes it off (`DETACH_POLICY`). `existing_policy_id` is the policy's name for
an inline policy and its ARN for a managed one. The adapters translate AWS's fields into these
values once. Pure values: never import boto3 or read the clock here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Recommendation", "RecommendationSource", "RecommendedAction", "RecommendedStep"]


class RecommendationSource(enum.StrEnum):
    """Whose recommendation `dormant restrict --recommendation` applies."""

    ACCESS_ANALYZER = "access-analyzer"
    SECURITYHUB = "securityhub"


class RecommendedAction(enum.StrEnum):
    CREATE_POLICY = "CREATE_POLICY"
    DETACH_POLICY = "DETACH_POLICY"


@dataclass(frozen=True, slots=True)
class RecommendedStep:
    """One policy of the role and what AWS recommends doing with it."""

    action: RecommendedAction
    existing_policy_id: str
    # The replacement document (parsed), for CREATE_POLICY; None for DETACH_POLICY.
    recommended_policy: dict[str, Any] | None = None
    # When the existing policy was last changed, as AWS saw it (None: not given).
    policy_updated_at: datetime | None = None

    @property
    def is_managed(self) -> bool:
        """A managed policy is named by its ARN; an inline one by its name."""
        return self.existing_policy_id.startswith("arn:")


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The steps AWS recommends for one unused-permission finding of one role."""

    source: RecommendationSource
    finding_id: str
    resource_arn: str
    steps: tuple[RecommendedStep, ...]
