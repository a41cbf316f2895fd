"""AWS Config's configuration items for the resources that moto holds, as advanced queries see them.

For one account and Region, `configuration_items` builds a configuration item (CI) for every
resource of the `REFERENCE_TYPES` that moto's backends hold: the top-level properties
(`resourceType`, `resourceId`, `resourceName`, `arn`, `accountId`, `awsRegion`, ...) and a
`configuration` whose property names are AWS Config's, as its resource schema
(awslabs/aws-config-resource-schema) spells them for each type; the casing differs per type
(Lambda's `configuration.role`, ECS's `configuration.TaskRoleArn`, CloudFormation's
`configuration.roleARN`). `REFERENCE_TYPES` names, per type, the properties that hold IAM
role (or instance profile) ARNs. CIs are built at query time, so they always show the
backends' current state, as if the recorder had just recorded it.

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
from datetime import UTC, datetime
from typing import Any

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

_CI_VERSION = "1.3"
_NOT_APPLICABLE = "Not Applicable"
_MULTIPLE_ZONES = "Multiple Availability Zones"


def _existing(backends: Any, account_id: str, region: str) -> Any:
    """moto's backend for the account and Region if it was ever created, else None.

    `dict.get` bypasses BackendDict's `__getitem__`, which would create an empty one.
    """
    per_account = dict.get(backends, account_id)
    return None if per_account is None else dict.get(per_account, region)


def _iso(moment: Any) -> str | None:
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        utc = aware.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(moment, str) and moment:
        return moment
    return None


def _tags(tags: Any) -> list[dict[str, str]]:
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


def _compact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping without absent (None) values, as Config leaves unset properties out."""
    return {k: v for k, v in mapping.items() if v is not None}


def _item(
    *,
    account_id: str,
    region: str,
    resource_type: str,
    resource_id: str,
    resource_name: str | None,
    arn: str,
    configuration: Mapping[str, Any],
    created: Any = None,
    availability_zone: str = _NOT_APPLICABLE,
    tags: Any = None,
) -> dict[str, Any]:
    captured = datetime.now(UTC)
    return _compact(
        {
            "version": _CI_VERSION,
            "accountId": account_id,
            "configurationItemCaptureTime": _iso(captured),
            "configurationItemStatus": "ResourceDiscovered",
            "configurationStateId": str(int(captured.timestamp() * 1000)),
            "arn": arn,
            "resourceType": resource_type,
            "resourceId": resource_id,
            "resourceName": resource_name,
            "awsRegion": region,
            "availabilityZone": availability_zone,
            "resourceCreationTime": _iso(created),
            "tags": _tags(tags),
            "relationships": [],
            "configuration": _compact(configuration),
            "supplementaryConfiguration": {},
        }
    )


def _capitalized(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An API's camelCase structure in the CloudFormation-style PascalCase Config records."""
    if not mapping:
        return None
    return {k[:1].upper() + k[1:]: v for k, v in mapping.items() if v is not None}


# ---- one builder per resource type: (account, region) -> CIs


def _lambda_functions(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.awslambda.models import lambda_backends

    backend = _existing(lambda_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for function in backend.list_functions():
        api = function.get_configuration()
        state = api.get("State")
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::Lambda::Function",
                resource_id=function.function_name,
                resource_name=function.function_name,
                arn=function.function_arn,
                created=api.get("LastModified"),
                tags=getattr(function, "tags", None),
                configuration={
                    "functionName": function.function_name,
                    "functionArn": function.function_arn,
                    "runtime": api.get("Runtime"),
                    "role": function.role,
                    "handler": api.get("Handler"),
                    "codeSize": api.get("CodeSize"),
                    "codeSha256": api.get("CodeSha256"),
                    "description": api.get("Description"),
                    "timeout": api.get("Timeout"),
                    "memorySize": api.get("MemorySize"),
                    "lastModified": api.get("LastModified"),
                    "version": api.get("Version"),
                    "packageType": api.get("PackageType"),
                    "architectures": api.get("Architectures"),
                    "state": {"value": state} if state else None,
                },
            )
        )
    return items


def _ec2_instances(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ec2.models import ec2_backends

    backend = _existing(ec2_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for instance in backend.all_instances():
        state = instance.instance_state
        if state.name == "terminated":  # Config records a terminated instance as deleted
            continue
        profile = instance.iam_instance_profile or {}
        zone = instance.placement.zone
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::EC2::Instance",
                resource_id=instance.id,
                resource_name=None,
                arn=f"arn:aws:ec2:{region}:{account_id}:instance/{instance.id}",
                created=instance.launch_time,
                availability_zone=zone or _NOT_APPLICABLE,
                tags=instance.get_tags(),
                configuration={
                    "instanceId": instance.id,
                    "imageId": instance.image_id,
                    "instanceType": instance.instance_type,
                    "state": {"code": str(state.code), "name": state.name},
                    "iamInstanceProfile": _compact(
                        {"arn": profile.get("Arn"), "id": profile.get("Id")}
                    )
                    or None,
                    "launchTime": _iso(instance.launch_time),
                    "subnetId": instance.subnet_id,
                    "vpcId": instance.vpc_id,
                    "privateIpAddress": instance.private_ip,
                    "keyName": instance.key_name,
                    "architecture": instance.architecture,
                    "placement": _compact({"availabilityZone": zone, "tenancy": "default"}),
                },
            )
        )
    return items


def _ecs_task_definitions(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ecs.models import ecs_backends

    backend = _existing(ecs_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for revisions in backend.task_definitions.values():
        for definition in revisions.values():
            if definition.status != "ACTIVE":
                continue
            containers = [_capitalized(c) for c in definition.container_definitions or []]
            items.append(
                _item(
                    account_id=account_id,
                    region=region,
                    resource_type="AWS::ECS::TaskDefinition",
                    resource_id=definition.arn,
                    resource_name=f"{definition.family}:{definition.revision}",
                    arn=definition.arn,
                    tags=definition.tags,
                    configuration={
                        "TaskDefinitionArn": definition.arn,
                        "Family": definition.family,
                        # moto sets the role attributes only when a role was given.
                        "TaskRoleArn": getattr(definition, "task_role_arn", None),
                        "ExecutionRoleArn": getattr(definition, "execution_role_arn", None),
                        "NetworkMode": getattr(definition, "network_mode", None),
                        "Cpu": getattr(definition, "cpu", None),
                        "Memory": getattr(definition, "memory", None),
                        "RequiresCompatibilities": getattr(
                            definition, "requires_compatibilities", None
                        ),
                        "ContainerDefinitions": [c for c in containers if c],
                        "Status": definition.status,
                    },
                )
            )
    return items


def _ecs_services(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ecs.models import ecs_backends

    backend = _existing(ecs_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for service in backend.services.values():
        if service.status != "ACTIVE":
            continue
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::ECS::Service",
                # CloudFormation's primary identifier: the service ARN and its cluster.
                resource_id=f"{service.arn}|{service.cluster_arn}",
                resource_name=service.name,
                arn=service.arn,
                tags=service.tags,
                configuration={
                    "ServiceArn": service.arn,
                    "ServiceName": service.name,
                    "Cluster": service.cluster_arn,
                    "Role": service.role_arn,
                    "TaskDefinition": service.task_definition,
                    "DesiredCount": service.desired_count,
                    "LaunchType": service.launch_type,
                    "SchedulingStrategy": service.scheduling_strategy,
                    "PlatformVersion": service.platform_version,
                    "PropagateTags": service.propagate_tags,
                },
            )
        )
    return items


def _events_rules(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.events.models import events_backends

    backend = _existing(events_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for bus in backend.event_buses.values():
        for rule in bus.rules.values():
            items.append(
                _item(
                    account_id=account_id,
                    region=region,
                    resource_type="AWS::Events::Rule",
                    resource_id=rule.arn,
                    resource_name=rule.name,
                    arn=rule.arn,
                    configuration={
                        "Arn": rule.arn,
                        "Name": rule.name,
                        "Description": rule.description,
                        "EventBusName": rule.event_bus_name,
                        "RoleArn": rule.role_arn,
                        "ScheduleExpression": rule.scheduled_expression or None,
                        "State": rule.state,
                        "Targets": [dict(t) for t in rule.targets],
                    },
                )
            )
    return items


def _state_machines(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.stepfunctions.models import stepfunctions_backends

    backend = _existing(stepfunctions_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for machine in backend.state_machines:
        logging = getattr(machine, "loggingConfiguration", None) or {}
        tracing = getattr(machine, "tracingConfiguration", None) or {}
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::StepFunctions::StateMachine",
                resource_id=machine.arn,
                resource_name=machine.name,
                arn=machine.arn,
                created=machine.creation_date,
                configuration={
                    "Arn": machine.arn,
                    "StateMachineName": machine.name,
                    "StateMachineType": machine.type,
                    "RoleArn": machine.roleArn,
                    "LoggingConfiguration": _capitalized(logging),
                    "TracingConfiguration": _capitalized(tracing),
                },
            )
        )
    return items


_CODEBUILD_FIELDS = (
    "name",
    "description",
    "source",
    "artifacts",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "encryptionKey",
    "logsConfig",
    "vpcConfig",
    "sourceVersion",
    "cache",
)


def _codebuild_projects(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.codebuild.models import codebuild_backends

    backend = _existing(codebuild_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for name, project in backend.codebuild_projects.items():
        metadata = project.project_metadata
        configuration = {k: metadata.get(k) for k in _CODEBUILD_FIELDS}
        # The API's queuedTimeoutInMinutes is spelled queuedtimeoutInMinutes in Config.
        configuration["queuedtimeoutInMinutes"] = metadata.get("queuedTimeoutInMinutes")
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::CodeBuild::Project",
                resource_id=name,
                resource_name=name,
                arn=metadata.get("arn", f"arn:aws:codebuild:{region}:{account_id}:project/{name}"),
                created=metadata.get("created"),
                tags=metadata.get("tags"),
                configuration=configuration,
            )
        )
    return items


def _cloudformation_stacks(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.cloudformation.models import cloudformation_backends

    backend = _existing(cloudformation_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for stack in backend.stacks.values():
        if stack.status == "DELETE_COMPLETE":
            continue
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::CloudFormation::Stack",
                resource_id=stack.stack_id,
                resource_name=stack.name,
                arn=stack.stack_id,
                created=stack.creation_time,
                tags=stack.tags,
                configuration={
                    "stackId": stack.stack_id,
                    "stackName": stack.name,
                    "roleARN": stack.role_arn,
                    "stackStatus": stack.status,
                    "description": stack.description,
                    "creationTime": _iso(stack.creation_time),
                    "disableRollback": stack.disable_rollback,
                    "notificationARNs": list(stack.notification_arns or []),
                    "parameters": [
                        {"parameterKey": k, "parameterValue": v}
                        for k, v in sorted((stack.parameters or {}).items())
                    ],
                    "timeoutInMinutes": stack.timeout_in_minutes,
                    "enableTerminationProtection": stack.enable_termination_protection,
                },
            )
        )
    return items


def _glue_jobs(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.glue.models import glue_backends

    backend = _existing(glue_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for job in backend.jobs.values():
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::Glue::Job",
                resource_id=job.name,
                resource_name=job.name,
                arn=job.arn,
                created=job.created_on,
                configuration={
                    "Name": job.name,
                    "Description": job.description,
                    "Role": job.role,
                    "Command": _capitalized(job.command),
                    "LogUri": job.log_uri,
                    "MaxRetries": job.max_retries,
                    "AllocatedCapacity": job.allocated_capacity,
                    "MaxCapacity": job.max_capacity,
                    "Timeout": job.timeout,
                    "GlueVersion": job.glue_version,
                    "NumberOfWorkers": job.number_of_workers,
                    "WorkerType": job.worker_type,
                    "SecurityConfiguration": job.security_configuration,
                    "ExecutionProperty": _capitalized(job.execution_property),
                },
            )
        )
    return items


def _notebook_instances(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.sagemaker.models import sagemaker_backends

    backend = _existing(sagemaker_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for notebook in backend.notebook_instances.values():
        name = notebook.notebook_instance_name
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::SageMaker::NotebookInstance",
                resource_id=name,
                resource_name=name,
                arn=notebook.arn,
                created=notebook.creation_time,
                tags=notebook.tags,
                configuration={
                    "NotebookInstanceName": name,
                    "RoleArn": notebook.role_arn,
                    "InstanceType": notebook.instance_type,
                    "SubnetId": notebook.subnet_id,
                    "SecurityGroupIds": notebook.security_group_ids,
                    "KmsKeyId": notebook.kms_key_id,
                    "LifecycleConfigName": notebook.lifecycle_config_name,
                    "DirectInternetAccess": notebook.direct_internet_access,
                    "VolumeSizeInGB": notebook.volume_size_in_gb,
                    "AcceleratorTypes": notebook.accelerator_types,
                    "DefaultCodeRepository": notebook.default_code_repository,
                    "AdditionalCodeRepositories": notebook.additional_code_repositories,
                    "RootAccess": notebook.root_access,
                },
            )
        )
    return items


def _eks_clusters(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.eks.models import eks_backends

    backend = _existing(eks_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for cluster in backend.clusters.values():
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::EKS::Cluster",
                resource_id=cluster.name,
                resource_name=cluster.name,
                arn=cluster.arn,
                created=cluster.created_at,
                tags=cluster.tags,
                configuration={
                    "Name": cluster.name,
                    "Arn": cluster.arn,
                    "RoleArn": cluster.role_arn,
                    "Version": cluster.version,
                    "Endpoint": cluster.endpoint,
                    "ResourcesVpcConfig": _capitalized(cluster.resources_vpc_config),
                },
            )
        )
    return items


def _batch_compute_environments(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.batch.models import batch_backends

    backend = _existing(batch_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for environment in backend._compute_environments.values():
        items.append(
            _item(
                account_id=account_id,
                region=region,
                resource_type="AWS::Batch::ComputeEnvironment",
                resource_id=environment.arn,
                resource_name=environment.name,
                arn=environment.arn,
                configuration={
                    "ComputeEnvironmentArn": environment.arn,
                    "ComputeEnvironmentName": environment.name,
                    "Type": environment.env_type,
                    "State": environment.state or "ENABLED",
                    "ServiceRole": environment.service_role,
                    "ComputeResources": _capitalized(environment.compute_resources),
                },
            )
        )
    return items


_BUILDERS: Mapping[str, Callable[[str, str], list[dict[str, Any]]]] = {
    "AWS::Lambda::Function": _lambda_functions,
    "AWS::EC2::Instance": _ec2_instances,
    "AWS::ECS::TaskDefinition": _ecs_task_definitions,
    "AWS::ECS::Service": _ecs_services,
    "AWS::Events::Rule": _events_rules,
    "AWS::StepFunctions::StateMachine": _state_machines,
    "AWS::CodeBuild::Project": _codebuild_projects,
    "AWS::CloudFormation::Stack": _cloudformation_stacks,
    "AWS::Glue::Job": _glue_jobs,
    "AWS::SageMaker::NotebookInstance": _notebook_instances,
    "AWS::EKS::Cluster": _eks_clusters,
    "AWS::Batch::ComputeEnvironment": _batch_compute_environments,
}


def _recorder(account_id: str, region: str) -> Any:
    from moto.config.models import config_backends

    backend = _existing(config_backends, account_id, region)
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
