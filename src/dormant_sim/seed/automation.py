"""Seed resources that start work as a role: EventBridge rules (and their targets), Step
Functions state machines, CodeBuild projects, CloudFormation stacks, Glue jobs, SageMaker
notebook instances.

Each is made through its service's API in the simulation and returned as a `SeededResource`.
Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dormant_sim.seed.resources import DEFAULT_REGION, SeededResource, resource_client

__all__ = [
    "put_cloudformation_stack",
    "put_codebuild_project",
    "put_events_rule",
    "put_glue_job",
    "put_notebook_instance",
    "put_state_machine",
]


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
    events = resource_client("events", account_id, region, endpoint_url)
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
    arn = resource_client("stepfunctions", account_id, region, endpoint_url).create_state_machine(
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
    project = resource_client("codebuild", account_id, region, endpoint_url).create_project(
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
    stack_id = resource_client("cloudformation", account_id, region, endpoint_url).create_stack(
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
    resource_client("glue", account_id, region, endpoint_url).create_job(
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
    arn = resource_client("sagemaker", account_id, region, endpoint_url).create_notebook_instance(
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
