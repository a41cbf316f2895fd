"""AWS Config evaluation values: what one rule run reports for each role.

Pure shapes and limits (standard library only); the boto3 adapter in
``dormant.aws.config`` turns them into PutEvaluations' PascalCase.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from dormant.core.model import RESOURCE_TYPE_ROLE, Compliance, Reportable

__all__ = [
    "ANNOTATION_MAX_CHARS",
    "ANNOTATION_ROLE_DELETED",
    "MAX_EVALUATIONS_PER_CALL",
    "Evaluation",
    "batched",
    "evaluation_for",
    "fit_annotation",
    "stale_evaluation",
]

MAX_EVALUATIONS_PER_CALL = 100  # PutEvaluations' documented limit


ANNOTATION_MAX_CHARS = 256  # PutEvaluations rejects longer annotations


ANNOTATION_ROLE_DELETED = "Role no longer exists"


_ELLIPSIS = "..."


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One result for Config: the resource, its compliance, why, and for which run."""

    resource_type: str
    resource_id: str
    compliance: Compliance
    annotation: str
    ordering_timestamp: datetime


def fit_annotation(text: str) -> str:
    """An annotation Config accepts: 1..256 characters, cut with '...' when longer."""
    text = " ".join(text.split())  # newlines and runs of blanks say nothing in the console
    if not text:
        return "No annotation"
    if len(text) <= ANNOTATION_MAX_CHARS:
        return text
    return text[: ANNOTATION_MAX_CHARS - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def evaluation_for(finding: Reportable, ordering_timestamp: datetime) -> Evaluation:
    """The evaluation of any kind of finding, keyed the way Config identifies its resource."""
    return Evaluation(
        resource_type=finding.resource_type,
        resource_id=finding.resource_id,
        compliance=finding.compliance,
        annotation=fit_annotation(finding.annotation),
        ordering_timestamp=ordering_timestamp,
    )


def stale_evaluation(
    resource_id: str,
    ordering_timestamp: datetime,
    *,
    resource_type: str = RESOURCE_TYPE_ROLE,
    annotation: str = ANNOTATION_ROLE_DELETED,
) -> Evaluation:
    """A resource this rule reported earlier that IAM no longer has."""
    return Evaluation(
        resource_type=resource_type,
        resource_id=resource_id,
        compliance=Compliance.NOT_APPLICABLE,
        annotation=annotation,
        ordering_timestamp=ordering_timestamp,
    )


def batched(items: Iterable[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive chunks of at most ``size`` items."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
