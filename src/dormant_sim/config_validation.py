"""AWS Config's validation of the evaluations posted with PutEvaluations.

The limits and messages are AWS's: resource type 1..256 characters, resource id 1..768,
annotation 1..256, a compliance type from `COMPLIANCE_TYPES`, a timestamp for ordering.
Used by `dormant_sim.config`; test support, never imported by dormant's Lambda path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dormant_sim.protocol import AwsError, constraint_error

__all__ = [
    "COMPLIANCE_TYPES",
    "FILTER_COMPLIANCE_TYPES",
    "check_length",
    "validate_evaluation",
]

# The values AWS Config accepts in an Evaluation posted through PutEvaluations. INSUFFICIENT_DATA
# exists in the enum but AWS documents it as not supported for this data type.
COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
FILTER_COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")

_ANNOTATION_MAX = 256
_RESOURCE_TYPE_MAX = 256
_RESOURCE_ID_MAX = 768


def _parse_timestamp(value: object, member: str) -> datetime:
    if isinstance(value, bool):
        raise constraint_error("ValidationException", value, member, "Member must be a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return datetime.fromtimestamp(float(value), UTC)
            except ValueError:
                raise constraint_error(
                    "ValidationException", value, member, "Member must be a timestamp"
                ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise constraint_error("ValidationException", value, member, "Member must be a timestamp")


def check_length(value: object, member: str, low: int, high: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise constraint_error("ValidationException", None, member, "Member must not be null")
        return
    if not isinstance(value, str):
        raise constraint_error("ValidationException", value, member, "Member must be a string")
    if len(value) < low:
        raise constraint_error(
            "ValidationException",
            value,
            member,
            f"Member must have length greater than or equal to {low}",
        )
    if len(value) > high:
        raise constraint_error(
            "ValidationException",
            value,
            member,
            f"Member must have length less than or equal to {high}",
        )


def validate_evaluation(index: int, evaluation: object) -> tuple[dict[str, Any], datetime]:
    where = f"evaluations.{index}.member"
    if not isinstance(evaluation, dict):
        raise constraint_error(
            "ValidationException", evaluation, where, "Member must be a structure"
        )
    check_length(
        evaluation.get("ComplianceResourceType"),
        f"{where}.complianceResourceType",
        1,
        _RESOURCE_TYPE_MAX,
        required=True,
    )
    check_length(
        evaluation.get("ComplianceResourceId"),
        f"{where}.complianceResourceId",
        1,
        _RESOURCE_ID_MAX,
        required=True,
    )
    compliance = evaluation.get("ComplianceType")
    if compliance is None:
        raise constraint_error(
            "ValidationException", None, f"{where}.complianceType", "Member must not be null"
        )
    if compliance not in COMPLIANCE_TYPES:
        if compliance == "INSUFFICIENT_DATA":
            raise AwsError(
                "InvalidParameterValueException",
                "The ComplianceType INSUFFICIENT_DATA is not supported for evaluations posted "
                "with PutEvaluations.",
            )
        raise constraint_error(
            "ValidationException",
            compliance,
            f"{where}.complianceType",
            "Member must satisfy enum value set: "
            "[NOT_APPLICABLE, COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA]",
        )
    check_length(
        evaluation.get("Annotation"), f"{where}.annotation", 1, _ANNOTATION_MAX, required=False
    )
    raw_ordering = evaluation.get("OrderingTimestamp")
    if raw_ordering is None:
        raise constraint_error(
            "ValidationException", None, f"{where}.orderingTimestamp", "Member must not be null"
        )
    return evaluation, _parse_timestamp(raw_ordering, f"{where}.orderingTimestamp")
