"""Seed resources that reference IAM roles, and the configuration recorder that records them.

Each `put_*` creates one resource through its service's API in the simulation (moto then
holds it, and `dormant_sim.config_items` turns it into the configuration item AWS Config
would record) and returns a `SeededResource` that says which Config properties hold which
ARN. `put_referencing_resource` creates any of `REFERENCE_TYPES` from one role ARN, so a test
can cover every type in one loop. `put_configuration_recorder` records all supported types,
or only the given ones: advanced queries answer only what the recorder records.

EC2 instances and Batch's compute resources reference an instance profile, not the role:
`put_referencing_resource` creates (or reuses) an instance profile named after the role
holding it. Seeding requests are not recorded (`internal_client`). Test and demo support;
never imported by dormant's Lambda path.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dormant_sim.config_items import REFERENCE_TYPES
from dormant_sim.seed.clients import internal_client

__all__ = [
    "SeededResource",
    "instance_profile_for",
    "put_batch_compute_environment",
    "put_cloudformation_stack",
    "put_codebuild_project",
    "put_configuration_recorder",
    "put_ec2_instance",
    "put_ecs_service",
    "put_ecs_task_definition",
    "put_eks_cluster",
    "put_events_rule",
    "put_glue_job",
    "put_lambda_function",
    "put_notebook_instance",
    "put_referencing_resource",
    "put_state_machine",
]

DEFAULT_REGION = "us-east-1"
_AMI = "ami-12c6146b"  # an image moto's EC2 knows


@dataclass(frozen=True)
class SeededResource:
    """A seeded resource and the ARNs its configuration item holds, by Config property."""

    account_id: str
    region: str
    resource_type: str
    name: str
    arn: str
    references: Mapping[str, str] = field(default_factory=dict)


def _client(service: str, account_id: str, region: str, endpoint_url: str | None) -> Any:
    return internal_client(service, account_id, region=region, endpoint_url=endpoint_url)


def put_configuration_recorder(
    account_id: str,
    region: str = DEFAULT_REGION,
    *,
    resource_types: Sequence[str] | None = None,
    excluded_types: Sequence[str] = (),
    name: str = "default",
    endpoint_url: str | None = None,
) -> None:
    """Put the account's recorder in the Region: all supported types unless told otherwise.

    `resource_types` records only those (INCLUSION_BY_RESOURCE_TYPES); `excluded_types`
    records all but those (EXCLUSION_BY_RESOURCE_TYPES). Calling it again replaces the group.
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
    _client("config", account_id, region, endpoint_url).put_configuration_recorder(
        ConfigurationRecorder={"name": name, "roleARN": role, "recordingGroup": group}
    )


def instance_profile_for(
    account_id: str, role_name: str, *, endpoint_url: str | None = None
) -> str:
    """The ARN of an instance profile named `role_name` holding that role (made when missing)."""
    iam = _client("iam", account_id, DEFAULT_REGION, endpoint_url)
    try:
        profile = iam.get_instance_profile(InstanceProfileName=role_name)["InstanceProfile"]
    except iam.exceptions.NoSuchEntityException:
        profile = iam.create_instance_profile(InstanceProfileName=role_name)["InstanceProfile"]
    if not any(r["RoleName"] == role_name for r in profile.get("Roles", [])):
        iam.add_role_to_instance_profile(InstanceProfileName=role_name, RoleName=role_name)
    return str(profile["Arn"])


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
    created = _client("lambda", account_id, region, endpoint_url).create_function(
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
    ec2 = _client("ec2", account_id, region, endpoint_url)
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
    ecs = _client("ecs", account_id, region, endpoint_url)
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
    ecs = _client("ecs", account_id, region, endpoint_url)
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


def put_events_rule(
    account_id: str,
    name: str,
    *,
    role_arn: str | None = None,
    target_role_arns: Sequence[str] = (),
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """A scheduled rule (with RoleArn when given) and one SQS target per target role."""
    events = _client("events", account_id, region, endpoint_url)
    request: dict[str, Any] = {"Name": name, "ScheduleExpression": "rate(1 day)"}
    references: dict[str, str] = {}
    if role_arn is not None:
        request["RoleArn"] = role_arn
        references["configuration.RoleArn"] = role_arn
    arn = events.put_rule(**request)["RuleArn"]
    if target_role_arns:
        queue = f"arn:aws:sqs:{region}:{account_id}:{name}-queue"
        events.put_targets(
            Rule=name,
            Targets=[
                {"Id": f"target-{i}", "Arn": queue, "RoleArn": target}
                for i, target in enumerate(target_role_arns, start=1)
            ],
        )
        references["configuration.Targets.RoleArn"] = target_role_arns[0]
    return SeededResource(account_id, region, "AWS::Events::Rule", name, arn, references)


def put_state_machine(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    arn = _client("stepfunctions", account_id, region, endpoint_url).create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role_arn
    )["stateMachineArn"]
    return SeededResource(
        account_id,
        region,
        "AWS::StepFunctions::StateMachine",
        name,
        arn,
        {"configuration.RoleArn": role_arn},
    )


def put_codebuild_project(
    account_id: str,
    name: str,
    service_role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    project = _client("codebuild", account_id, region, endpoint_url).create_project(
        name=name,
        source={"type": "S3", "location": f"{name}-source/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=service_role_arn,
    )["project"]
    return SeededResource(
        account_id,
        region,
        "AWS::CodeBuild::Project",
        name,
        project["arn"],
        {"configuration.serviceRole": service_role_arn},
    )


def put_cloudformation_stack(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """A stack (one SNS topic) that CloudFormation runs as the role (RoleARN)."""
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    stack_id = _client("cloudformation", account_id, region, endpoint_url).create_stack(
        StackName=name, TemplateBody=json.dumps(template), RoleARN=role_arn
    )["StackId"]
    return SeededResource(
        account_id,
        region,
        "AWS::CloudFormation::Stack",
        name,
        stack_id,
        {"configuration.roleARN": role_arn},
    )


def put_glue_job(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    _client("glue", account_id, region, endpoint_url).create_job(
        Name=name,
        Role=role_arn,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{name}-scripts/job.py"},
    )
    return SeededResource(
        account_id,
        region,
        "AWS::Glue::Job",
        name,
        f"arn:aws:glue:{region}:{account_id}:job/{name}",
        {"configuration.Role": role_arn},
    )


def put_notebook_instance(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    arn = _client("sagemaker", account_id, region, endpoint_url).create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn
    )["NotebookInstanceArn"]
    return SeededResource(
        account_id,
        region,
        "AWS::SageMaker::NotebookInstance",
        name,
        arn,
        {"configuration.RoleArn": role_arn},
    )


def put_eks_cluster(
    account_id: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    ec2 = _client("ec2", account_id, region, endpoint_url)
    subnet = _network(ec2)[0]
    cluster = _client("eks", account_id, region, endpoint_url).create_cluster(
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
    batch = _client("batch", account_id, region, endpoint_url)
    request: dict[str, Any] = {
        "computeEnvironmentName": name,
        "serviceRole": service_role_arn,
        "type": "UNMANAGED",
    }
    references = {"configuration.ServiceRole": service_role_arn}
    if instance_role is not None:
        subnet, group = _network(_client("ec2", account_id, region, endpoint_url))
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


def put_referencing_resource(
    account_id: str,
    resource_type: str,
    name: str,
    role_arn: str,
    *,
    region: str = DEFAULT_REGION,
    endpoint_url: str | None = None,
) -> SeededResource:
    """One resource of `resource_type` whose every role property (`REFERENCE_TYPES`) holds
    the role, or an instance profile of the role where Config records a profile."""
    if resource_type not in REFERENCE_TYPES:
        raise ValueError(f"{resource_type} is not one of {sorted(REFERENCE_TYPES)}")
    where: dict[str, Any] = {"region": region, "endpoint_url": endpoint_url}
    role_name = role_arn.rsplit("/", 1)[-1]
    if resource_type == "AWS::EC2::Instance":
        profile = instance_profile_for(account_id, role_name, endpoint_url=endpoint_url)
        return put_ec2_instance(account_id, profile, **where)
    if resource_type == "AWS::Batch::ComputeEnvironment":
        profile = instance_profile_for(account_id, role_name, endpoint_url=endpoint_url)
        return put_batch_compute_environment(
            account_id, name, role_arn, instance_role=profile, **where
        )
    if resource_type == "AWS::ECS::TaskDefinition":
        return put_ecs_task_definition(
            account_id, name, task_role_arn=role_arn, execution_role_arn=role_arn, **where
        )
    if resource_type == "AWS::Events::Rule":
        return put_events_rule(
            account_id, name, role_arn=role_arn, target_role_arns=(role_arn,), **where
        )
    simple = {
        "AWS::Lambda::Function": put_lambda_function,
        "AWS::ECS::Service": put_ecs_service,
        "AWS::StepFunctions::StateMachine": put_state_machine,
        "AWS::CodeBuild::Project": put_codebuild_project,
        "AWS::CloudFormation::Stack": put_cloudformation_stack,
        "AWS::Glue::Job": put_glue_job,
        "AWS::SageMaker::NotebookInstance": put_notebook_instance,
        "AWS::EKS::Cluster": put_eks_cluster,
    }
    return simple[resource_type](account_id, name, role_arn, **where)
