"""Configuration items of compute resources: Lambda functions, EC2 instances, ECS task
definitions and services, EKS clusters, Batch compute environments, from moto's backends.

Property names as AWS Config's resource schema spells them per type. Test support over
moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from typing import Any

from dormant_sim.config_items.shape import (
    NOT_APPLICABLE,
    capitalized,
    compact,
    existing,
    iso,
    item,
)

__all__ = [
    "batch_compute_environments",
    "ec2_instances",
    "ecs_services",
    "ecs_task_definitions",
    "eks_clusters",
    "lambda_functions",
]


def lambda_functions(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.awslambda.models import lambda_backends

    backend = existing(lambda_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for function in backend.list_functions():
        api = function.get_configuration()
        state = api.get("State")
        items.append(
            item(
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


def ec2_instances(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ec2.models import ec2_backends

    backend = existing(ec2_backends, account_id, region)
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
            item(
                account_id=account_id,
                region=region,
                resource_type="AWS::EC2::Instance",
                resource_id=instance.id,
                resource_name=None,
                arn=f"arn:aws:ec2:{region}:{account_id}:instance/{instance.id}",
                created=instance.launch_time,
                availability_zone=zone or NOT_APPLICABLE,
                tags=instance.get_tags(),
                configuration={
                    "instanceId": instance.id,
                    "imageId": instance.image_id,
                    "instanceType": instance.instance_type,
                    "state": {"code": str(state.code), "name": state.name},
                    "iamInstanceProfile": compact(
                        {"arn": profile.get("Arn"), "id": profile.get("Id")}
                    )
                    or None,
                    "launchTime": iso(instance.launch_time),
                    "subnetId": instance.subnet_id,
                    "vpcId": instance.vpc_id,
                    "privateIpAddress": instance.private_ip,
                    "keyName": instance.key_name,
                    "architecture": instance.architecture,
                    "placement": compact({"availabilityZone": zone, "tenancy": "default"}),
                },
            )
        )
    return items


def ecs_task_definitions(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ecs.models import ecs_backends

    backend = existing(ecs_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for revisions in backend.task_definitions.values():
        for definition in revisions.values():
            if definition.status != "ACTIVE":
                continue
            containers = [capitalized(c) for c in definition.container_definitions or []]
            items.append(
                item(
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


def ecs_services(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.ecs.models import ecs_backends

    backend = existing(ecs_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for service in backend.services.values():
        if service.status != "ACTIVE":
            continue
        items.append(
            item(
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


def eks_clusters(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.eks.models import eks_backends

    backend = existing(eks_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for cluster in backend.clusters.values():
        items.append(
            item(
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
                    "ResourcesVpcConfig": capitalized(cluster.resources_vpc_config),
                },
            )
        )
    return items


def batch_compute_environments(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.batch.models import batch_backends

    backend = existing(batch_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for environment in backend._compute_environments.values():
        items.append(
            item(
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
                    "ComputeResources": capitalized(environment.compute_resources),
                },
            )
        )
    return items
