"""AWS Config's configuration items for the resources that moto holds, as advanced queries see them.

For one account and Region, `configuration_items` builds a configuration item (CI) for every
resource of the `REFERENCE_TYPES` that moto's backends hold: the top-level properties
(`resourceType`, `resourceId`, `resourceName`, `arn`, `accountId`, `awsRegion`, ...) and a
`configuration` whose property names are AWS Config's, as its resource schema
(awslabs/aws-config-resource-schema) spells them for each type; the casing differs per type
(Lambda's `configuration.role`, ECS's `configuration.TaskRoleArn`, CloudFormation's
`configuration.roleARN`). `REFERENCE_TYPES` names, per type, the properties that hold IAM
role (or instance profile) ARNs. CIs are built at query time, so they always show the
backends' current state, as if the recorder had just recorded it. The builders live in
`compute` (Lambda, EC2, ECS, EKS, Batch) and `automation` (EventBridge, Step Functions,
CodeBuild, CloudFormation, Glue, SageMaker); `shape` holds what every CI shares.

Only what the account's configuration recorder records is queryable (Config does not answer
advanced queries over resources it does not record): `recorded_types` reads the recorder's
recording group (all supported, inclusion or exclusion by type) from moto's Config backend;
no recorder, no items.

Reads moto's backends (private classes, pinned by the `dormant[demo]` extra) and never
creates one: an account or Region nobody used has nothing. Test support; never imported by
dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dormant_sim.config_items import automation, compute
from dormant_sim.config_items.shape import existing

__all__ = [
    "REFERENCE_TYPES",
    "configuration_items",
    "recorded_types",
    "regions_with_recorder",
]

# Per resource type, Config's properties that hold role (or instance profile) ARNs.
REFERENCE_TYPES: Mapping[str, tuple[str, ...]] = {
    "AWS::Lambda::Function": ("configuration.role",),
    "AWS::EC2::Instance": ("configuration.iamInstanceProfile.arn",),
    "AWS::ECS::TaskDefinition": ("configuration.TaskRoleArn", "configuration.ExecutionRoleArn"),
    "AWS::ECS::Service": ("configuration.Role",),
    "AWS::Events::Rule": ("configuration.RoleArn", "configuration.Targets.RoleArn"),
    "AWS::StepFunctions::StateMachine": ("configuration.RoleArn",),
    "AWS::CodeBuild::Project": ("configuration.serviceRole",),
    "AWS::CloudFormation::Stack": ("configuration.roleARN",),
    "AWS::Glue::Job": ("configuration.Role",),
    "AWS::SageMaker::NotebookInstance": ("configuration.RoleArn",),
    "AWS::EKS::Cluster": ("configuration.RoleArn",),
    "AWS::Batch::ComputeEnvironment": (
        "configuration.ServiceRole",
        "configuration.ComputeResources.InstanceRole",
    ),
}

_BUILDERS: Mapping[str, Callable[[str, str], list[dict[str, Any]]]] = {
    "AWS::Lambda::Function": compute.lambda_functions,
    "AWS::EC2::Instance": compute.ec2_instances,
    "AWS::ECS::TaskDefinition": compute.ecs_task_definitions,
    "AWS::ECS::Service": compute.ecs_services,
    "AWS::Events::Rule": automation.events_rules,
    "AWS::StepFunctions::StateMachine": automation.state_machines,
    "AWS::CodeBuild::Project": automation.codebuild_projects,
    "AWS::CloudFormation::Stack": automation.cloudformation_stacks,
    "AWS::Glue::Job": automation.glue_jobs,
    "AWS::SageMaker::NotebookInstance": automation.notebook_instances,
    "AWS::EKS::Cluster": compute.eks_clusters,
    "AWS::Batch::ComputeEnvironment": compute.batch_compute_environments,
}


def _recorder(account_id: str, region: str) -> Any:
    from moto.config.models import config_backends

    backend = existing(config_backends, account_id, region)
    if backend is None or not backend.recorders:
        return None
    return next(iter(backend.recorders.values()))


def recorded_types(account_id: str, region: str) -> frozenset[str]:
    """The `REFERENCE_TYPES` that the account's recorder in the Region records."""
    recorder = _recorder(account_id, region)
    if recorder is None:
        return frozenset()
    group = recorder.recording_group
    supported = frozenset(REFERENCE_TYPES)
    if group.all_supported:
        return supported
    excluded = (group.exclusion_by_resource_types or {}).get("resourceTypes") or []
    if excluded:
        return supported - frozenset(excluded)
    return supported & frozenset(group.resource_types or [])


def regions_with_recorder(account_id: str) -> list[str]:
    """The Regions where the account has a configuration recorder, sorted."""
    from moto.config.models import config_backends

    per_account = dict.get(config_backends, account_id)
    if per_account is None:
        return []
    return sorted(region for region, backend in dict.items(per_account) if backend.recorders)


def configuration_items(
    account_id: str, region: str, resource_types: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """The CIs of the recorded types (restricted to `resource_types` when given), by type and id."""
    wanted = recorded_types(account_id, region)
    if resource_types is not None:
        wanted &= frozenset(resource_types)
    items: list[dict[str, Any]] = []
    for resource_type in sorted(wanted):
        built = _BUILDERS[resource_type](account_id, region)
        items.extend(sorted(built, key=lambda item: str(item["resourceId"])))
    return items
