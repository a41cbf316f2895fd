"""Seed resources that reference IAM roles, and the configuration recorder that records them.

`SeededResource` says which Config properties of a seeded resource's configuration item hold
which ARN. `put_configuration_recorder` records all supported types, or only the given ones:
advanced queries answer only what the recorder records. The resources themselves are made by
`dormant_sim.seed.compute` (Lambda, EC2, ECS, EKS, Batch) and `dormant_sim.seed.automation`
(EventBridge, Step Functions, CodeBuild, CloudFormation, Glue, SageMaker) through each
service's API in the simulation, and `dormant_sim.seed.referencing` makes any type from one
role. Seeding requests are not recorded (`internal_client`). Test and demo support; never
imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dormant_sim.seed.clients import internal_client

__all__ = [
    "DEFAULT_REGION",
    "SeededResource",
    "instance_profile_for",
    "put_configuration_recorder",
    "resource_client",
]

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class SeededResource:
    """A seeded resource and the ARNs its configuration item holds, by Config property."""

    account_id: str
    region: str
    resource_type: str
    name: str
    arn: str
    references: Mapping[str, str] = field(default_factory=dict)


def resource_client(service: str, account_id: str, region: str, endpoint_url: str | None) -> Any:
    """A seeding client (not recorded) of `service` acting in the account and Region."""
    return internal_client(service, account_id, region=region, endpoint_url=endpoint_url)


def put_configuration_recorder(
    account_id: str,
    region: str = DEFAULT_REGION,
    *,
    resource_types: Sequence[str] | None = None,
    excluded_types: Sequence[str] = (),
    name: str = "default",
    recording: bool = True,
    endpoint_url: str | None = None,
) -> None:
    """Put the account's recorder in the Region: all supported types unless told otherwise.

    `resource_types` records only those (INCLUSION_BY_RESOURCE_TYPES); `excluded_types`
    records all but those (EXCLUSION_BY_RESOURCE_TYPES). Calling it again replaces the group.
    `recording` gives it a delivery channel and starts it, as a working setup has; False
    leaves it stopped (DescribeConfigurationRecorderStatus says so).
    """
    if resource_types is not None and excluded_types:
        raise ValueError("give resource_types or excluded_types, not both")
    group: dict[str, Any]
    if resource_types is not None:
        group = {
            "allSupported": False,
            "resourceTypes": list(resource_types),
            "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
        }
    elif excluded_types:
        group = {
            "allSupported": False,
            "exclusionByResourceTypes": {"resourceTypes": list(excluded_types)},
            "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
        }
    else:
        group = {"allSupported": True, "includeGlobalResourceTypes": False}
    role = (
        f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig"
    )
    config = resource_client("config", account_id, region, endpoint_url)
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": name, "roleARN": role, "recordingGroup": group}
    )
    if recording:
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": f"config-{account_id}-{region}"}
        )
        config.start_configuration_recorder(ConfigurationRecorderName=name)


def instance_profile_for(
    account_id: str, role_name: str, *, endpoint_url: str | None = None
) -> str:
    """The ARN of an instance profile named `role_name` holding that role (made when missing)."""
    iam = resource_client("iam", account_id, DEFAULT_REGION, endpoint_url)
    try:
        profile = iam.get_instance_profile(InstanceProfileName=role_name)["InstanceProfile"]
    except iam.exceptions.NoSuchEntityException:
        profile = iam.create_instance_profile(InstanceProfileName=role_name)["InstanceProfile"]
    if not any(r["RoleName"] == role_name for r in profile.get("Roles", [])):
        iam.add_role_to_instance_profile(InstanceProfileName=role_name, RoleName=role_name)
    return str(profile["Arn"])
