"""The shape every configuration item shares, and reading moto's backends without creating any.

Used by the per-service builders of `dormant_sim.config_items`; test support over moto's
private classes, never imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["NOT_APPLICABLE", "capitalized", "compact", "existing", "iso", "item", "tag_list"]

_CI_VERSION = "1.3"
NOT_APPLICABLE = "Not Applicable"


def existing(backends: Any, account_id: str, region: str) -> Any:
    """moto's backend for the account and Region if it was ever created, else None.

    `dict.get` bypasses BackendDict's `__getitem__`, which would create an empty one.
    """
    per_account = dict.get(backends, account_id)
    return None if per_account is None else dict.get(per_account, region)


def iso(moment: Any) -> str | None:
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        utc = aware.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(moment, str) and moment:
        return moment
    return None


def tag_list(tags: Any) -> list[dict[str, str]]:
    """Config's tag list (`tags.key`, `tags.value`, `tags.tag`) from a dict or a tag list."""
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, Mapping):
        pairs = [(str(k), str(v)) for k, v in tags.items()]
    elif isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, Mapping):
                key = tag.get("Key", tag.get("key"))
                value = tag.get("Value", tag.get("value", ""))
                if key is not None:
                    pairs.append((str(key), str(value)))
    return [{"key": k, "value": v, "tag": f"{k}={v}"} for k, v in sorted(pairs)]


def compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping without absent (None) values, as Config leaves unset properties out."""
    return {k: v for k, v in mapping.items() if v is not None}


def item(
    *,
    account_id: str,
    region: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None,
    arn: str,
    configuration: Mapping[str, Any],
    created: Any = None,
    availability_zone: str = NOT_APPLICABLE,
    tags: Any = None,
) -> dict[str, Any]:
    captured = datetime.now(UTC)
    return compact(
        {
            "version": _CI_VERSION,
            "accountId": account_id,
            "configurationItemCaptureTime": iso(captured),
            "configurationItemStatus": "ResourceDiscovered",
            "configurationStateId": str(int(captured.timestamp() * 1000)),
            "arn": arn,
            "resourceType": resource_type,
            "resourceId": resource_id,
            "resourceName": resource_name,
            "awsRegion": region,
            "availabilityZone": availability_zone,
            "resourceCreationTime": iso(created),
            "tags": tag_list(tags),
            "relationships": [],
            "configuration": compact(configuration),
            "supplementaryConfiguration": {},
        }
    )


def capitalized(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An API's camelCase structure in the CloudFormation-style PascalCase Config records."""
    if not mapping:
        return None
    return {k[:1].upper() + k[1:]: v for k, v in mapping.items() if v is not None}
