"""Seed compute resources that run as a role: Lambda functions, EC2 instances (through an
instance profile), ECS task definitions and services, EKS clusters, Batch compute environments.

Each is made through its service's API in the simulation and returned as a `SeededResource`.
Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from dormant_sim.seed.resources import DEFAULT_REGION, SeededResource, resource_client

__all__ = [
    "put_batch_compute_environment",
    "put_ec2_instance",
    "put_ecs_service",
    "put_ecs_task_definition",
    "put_eks_cluster",
    "put_lambda_function",
]

_AMI = "ami-12c6146b"  # an image moto's EC2 knows


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def put_lambda_function(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    created = resource_client("lambda", account_id, region, endpoint_url).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="handler.handler",
        Code={"ZipFile": _function_zip()},
    )
    return SeededResource(
        account_id,
        region,
        "AWS::Lambda::Function",
        name,
        created["FunctionArn"],
        {"configuration.role": role_arn},
    )


def put_ec2_instance(
    account_id: str,
    instance_profile_arn: str,
    *,
    stopped: bool = False,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """A running (or stopped) instance with the instance profile; its name is its id."""
    ec2 = resource_client("ec2", account_id, region, endpoint_url)
    instance = ec2.run_instances(
        ImageId=_AMI, MinCount=1, MaxCount=1, IamInstanceProfile={"Arn": instance_profile_arn}
    )["Instances"][0]
    instance_id = instance["InstanceId"]
    if stopped:
        ec2.stop_instances(InstanceIds=[instance_id])
    return SeededResource(
        account_id,
        region,
        "AWS::EC2::Instance",
        instance_id,
        f"arn:aws:ec2:{region}:{account_id}:instance/{instance_id}",
        {"configuration.iamInstanceProfile.arn": instance_profile_arn},
    )


def put_ecs_task_definition(
    account_id: str,
    family: str,
    *,
    task_role_arn: str | None = None,
    execution_role_arn: str | None = None,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    request: dict[str, Any] = {
        "family": family,
        "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/app:1", "memory": 128}],
    }
    references: dict[str, str] = {}
    if task_role_arn is not None:
        request["taskRoleArn"] = task_role_arn
        references["configuration.TaskRoleArn"] = task_role_arn
    if execution_role_arn is not None:
        request["executionRoleArn"] = execution_role_arn
        references["configuration.ExecutionRoleArn"] = execution_role_arn
    ecs = resource_client("ecs", account_id, region, endpoint_url)
    definition = ecs.register_task_definition(**request)["taskDefinition"]
    return SeededResource(
        account_id,
        region,
        "AWS::ECS::TaskDefinition",
        f"{family}:{definition['revision']}",
        definition["taskDefinitionArn"],
        references,
    )


def put_ecs_service(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    cluster: str = "default",
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """A service (with its cluster and a task definition `<name>-task`, made as needed)."""
    ecs = resource_client("ecs", account_id, region, endpoint_url)
    ecs.create_cluster(clusterName=cluster)
    family = f"{name}-task"
    put_ecs_task_definition(account_id, family, region=region, endpoint_url=endpoint_url)
    service = ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0, role=role_arn
    )["service"]
    return SeededResource(
        account_id,
        region,
        "AWS::ECS::Service",
        name,
        service["serviceArn"],
        {"configuration.Role": role_arn},
    )


def put_eks_cluster(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    ec2 = resource_client("ec2", account_id, region, endpoint_url)
    subnet = _network(ec2)[0]
    cluster = resource_client("eks", account_id, region, endpoint_url).create_cluster(
        name=name, roleArn=role_arn, resourcesVpcConfig={"subnetIds": [subnet]}
    )["cluster"]
    return SeededResource(
        account_id,
        region,
        "AWS::EKS::Cluster",
        name,
        cluster["arn"],
        {"configuration.RoleArn": role_arn},
    )


def _network(ec2: Any) -> tuple[str, str]:
    """A subnet and security group of a VPC made for the seeded resources."""
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.90.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=f"dormant-sim-{vpc}", Description="seeded resources", VpcId=vpc
    )["GroupId"]
    return str(subnet), str(group)


def put_batch_compute_environment(
    account_id: str,
    name: str,
    service_role_arn: str,
    *,
    instance_role: str | None = None,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """An UNMANAGED environment, or a MANAGED EC2 one when an instance role (profile) is given."""
    batch = resource_client("batch", account_id, region, endpoint_url)
    request: dict[str, Any] = {
        "computeEnvironmentName": name,
        "serviceRole": service_role_arn,
        "type": "UNMANAGED",
    }
    references = {"configuration.ServiceRole": service_role_arn}
    if instance_role is not None:
        subnet, group = _network(resource_client("ec2", account_id, region, endpoint_url))
        request["type"] = "MANAGED"
        request["computeResources"] = {
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 4,
            "instanceTypes": ["m5.large"],
            "subnets": [subnet],
            "securityGroupIds": [group],
            "instanceRole": instance_role,
        }
        references["configuration.ComputeResources.InstanceRole"] = instance_role
    arn = batch.create_compute_environment(**request)["computeEnvironmentArn"]
    return SeededResource(
        account_id, region, "AWS::Batch::ComputeEnvironment", name, arn, references
    )
