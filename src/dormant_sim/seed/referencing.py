"""Seed any resource type that references a role, from the role's ARN alone.

`put_referencing_resource` puts the role in every role property (`REFERENCE_TYPES`) of the
type; EC2 instances and Batch's compute resources reference an instance profile, not the
role, so it creates (or reuses) an instance profile named after the role holding it.
Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from typing import Any

from dormant_sim.config_items import REFERENCE_TYPES
from dormant_sim.seed import automation, compute
from dormant_sim.seed.resources import DEFAULT_REGION, SeededResource, instance_profile_for

__all__ = ["put_referencing_resource"]


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
        return compute.put_ec2_instance(account_id, profile, **where)
    if resource_type == "AWS::Batch::ComputeEnvironment":
        profile = instance_profile_for(account_id, role_name, endpoint_url=endpoint_url)
        return compute.put_batch_compute_environment(
            account_id, name, role_arn, instance_role=profile, **where
        )
    if resource_type == "AWS::ECS::TaskDefinition":
        return compute.put_ecs_task_definition(
            account_id, name, task_role_arn=role_arn, execution_role_arn=role_arn, **where
        )
    if resource_type == "AWS::Events::Rule":
        return automation.put_events_rule(
            account_id, name, role_arn=role_arn, target_role_arns=(role_arn,), **where
        )
    simple = {
        "AWS::Lambda::Function": compute.put_lambda_function,
        "AWS::ECS::Service": compute.put_ecs_service,
        "AWS::StepFunctions::StateMachine": automation.put_state_machine,
        "AWS::CodeBuild::Project": automation.put_codebuild_project,
        "AWS::CloudFormation::Stack": automation.put_cloudformation_stack,
        "AWS::Glue::Job": automation.put_glue_job,
        "AWS::SageMaker::NotebookInstance": automation.put_notebook_instance,
        "AWS::EKS::Cluster": compute.put_eks_cluster,
    }
    return simple[resource_type](account_id, name, role_arn, **where)
