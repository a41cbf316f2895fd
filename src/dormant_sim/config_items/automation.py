"""Configuration items of resources that run work as a role: EventBridge rules, Step
Functions state machines, CodeBuild projects, CloudFormation stacks, Glue jobs, SageMaker
notebook instances, from moto's backends.

Property names as AWS Config's resource schema spells them per type. Test support over
moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from typing import Any

from dormant_sim.config_items.shape import (
    capitalized,
    existing,
    iso,
    item,
)

__all__ = [
    "cloudformation_stacks",
    "codebuild_projects",
    "events_rules",
    "glue_jobs",
    "notebook_instances",
    "state_machines",
]


def events_rules(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.events.models import events_backends

    backend = existing(events_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for bus in backend.event_buses.values():
        for rule in bus.rules.values():
            items.append(
                item(
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


def state_machines(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.stepfunctions.models import stepfunctions_backends

    backend = existing(stepfunctions_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for machine in backend.state_machines:
        logging = getattr(machine, "loggingConfiguration", None) or {}
        tracing = getattr(machine, "tracingConfiguration", None) or {}
        items.append(
            item(
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
                    "LoggingConfiguration": capitalized(logging),
                    "TracingConfiguration": capitalized(tracing),
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


def codebuild_projects(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.codebuild.models import codebuild_backends

    backend = existing(codebuild_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for name, project in backend.codebuild_projects.items():
        metadata = project.project_metadata
        configuration = {k: metadata.get(k) for k in _CODEBUILD_FIELDS}
        # The API's queuedTimeoutInMinutes is spelled queuedtimeoutInMinutes in Config.
        configuration["queuedtimeoutInMinutes"] = metadata.get("queuedTimeoutInMinutes")
        items.append(
            item(
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


def cloudformation_stacks(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.cloudformation.models import cloudformation_backends

    backend = existing(cloudformation_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for stack in backend.stacks.values():
        if stack.status == "DELETE_COMPLETE":
            continue
        items.append(
            item(
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
                    "creationTime": iso(stack.creation_time),
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


def glue_jobs(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.glue.models import glue_backends

    backend = existing(glue_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for job in backend.jobs.values():
        items.append(
            item(
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
                    "Command": capitalized(job.command),
                    "LogUri": job.log_uri,
                    "MaxRetries": job.max_retries,
                    "AllocatedCapacity": job.allocated_capacity,
                    "MaxCapacity": job.max_capacity,
                    "Timeout": job.timeout,
                    "GlueVersion": job.glue_version,
                    "NumberOfWorkers": job.number_of_workers,
                    "WorkerType": job.worker_type,
                    "SecurityConfiguration": job.security_configuration,
                    "ExecutionProperty": capitalized(job.execution_property),
                },
            )
        )
    return items


def notebook_instances(account_id: str, region: str) -> list[dict[str, Any]]:
    from moto.sagemaker.models import sagemaker_backends

    backend = existing(sagemaker_backends, account_id, region)
    if backend is None:
        return []
    items = []
    for notebook in backend.notebook_instances.values():
        name = notebook.notebook_instance_name
        items.append(
            item(
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
