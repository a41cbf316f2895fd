"""The ``live`` source over boto3: each service's own list and describe calls, per Region.

For every Region asked (``--regions``, or every Region the account has enabled) and every
type of ``LIVE_READERS``: the type's list pages, and a describe only where the list leaves
the role out (ECS task definitions and services, Step Functions, SageMaker notebooks, EKS,
EventBridge targets, Scheduler schedules, Pipes; CodeBuild's BatchGetProjects takes 100 at
a time). Never a call per role. The ``via`` of each reference is the Config property of
the same field (``configuration.role``), so both sources name a field alike; Scheduler and
Pipes, which Config does not record, use their API's field (``Target.RoleArn``, ``RoleArn``).

A denied or failing call marks that type in that Region as not covered, names it through
``warn``, and the scan goes on with the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import DormantError
from dormant.roles.model import NotCovered
from dormant.roles.references.join import ItemFinder, ReferencingItem, SourceResult

__all__ = ["LIVE_READERS", "SOURCE_LIVE", "live_finder"]

SOURCE_LIVE = "live"

Clients = Callable[[str, str], Any]  # (service, Region) -> client

# The IAM action prefix of a service whose boto3 name differs, for the messages.
_ACTION_PREFIX = {"stepfunctions": "states"}
Warn = Callable[[str], None]


class _Reader:
    """One type in one Region: its client, and the pages of its calls, errors translated."""

    def __init__(self, client: Any, service: str, account_id: str, region: str) -> None:
        self.client = client
        self.service = _ACTION_PREFIX.get(service, service)
        self.account_id = account_id
        self.region = region

    def pages(self, method: str, key: str, **params: Any) -> Iterator[Any]:
        operation = f"{self.service}:{_pascal(method)}"
        guard = partial(aws_call, operation, self.account_id)
        for page in each_page(self.client, method, guard, **params):
            yield from page.get(key, [])

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        with aws_call(f"{self.service}:{_pascal(method)}", self.account_id):
            response: dict[str, Any] = getattr(self.client, method)(**params)
        return response

    def item(
        self, type_: str, arn: str, name: str, via: str, target: object, state: str | None = None
    ) -> Iterator[ReferencingItem]:
        if isinstance(target, str) and target:
            yield ReferencingItem(
                type_, arn, name, self.account_id, self.region, via, target, state
            )


def _pascal(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


def _lambda(r: _Reader) -> Iterator[ReferencingItem]:
    for fn in r.pages("list_functions", "Functions"):
        yield from r.item(
            "AWS::Lambda::Function",
            fn["FunctionArn"],
            fn["FunctionName"],
            "configuration.role",
            fn.get("Role"),
        )


def _ec2(r: _Reader) -> Iterator[ReferencingItem]:
    for reservation in r.pages("describe_instances", "Reservations"):
        for instance in reservation.get("Instances", []):
            instance_id = instance["InstanceId"]
            arn = f"arn:aws:ec2:{r.region}:{r.account_id}:instance/{instance_id}"
            profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
            state = (instance.get("State") or {}).get("Name")
            yield from r.item(
                "AWS::EC2::Instance",
                arn,
                instance_id,
                "configuration.iamInstanceProfile.arn",
                profile,
                state,
            )


def _ecs_task_definitions(r: _Reader) -> Iterator[ReferencingItem]:
    for arn in r.pages("list_task_definitions", "taskDefinitionArns", status="ACTIVE"):
        definition = r.call("describe_task_definition", taskDefinition=arn)["taskDefinition"]
        name = f"{definition.get('family')}:{definition.get('revision')}"
        for via, field in (
            ("configuration.TaskRoleArn", "taskRoleArn"),
            ("configuration.ExecutionRoleArn", "executionRoleArn"),
        ):
            yield from r.item("AWS::ECS::TaskDefinition", arn, name, via, definition.get(field))


def _ecs_services(r: _Reader) -> Iterator[ReferencingItem]:
    for cluster in r.pages("list_clusters", "clusterArns"):
        arns = list(r.pages("list_services", "serviceArns", cluster=cluster))
        for start in range(0, len(arns), 10):  # DescribeServices takes at most 10
            described = r.call(
                "describe_services", cluster=cluster, services=arns[start : start + 10]
            )
            for service in described.get("services", []):
                yield from r.item(
                    "AWS::ECS::Service",
                    service["serviceArn"],
                    service["serviceName"],
                    "configuration.Role",
                    service.get("roleArn"),
                )


def _event_buses(r: _Reader) -> Iterator[str]:
    params: dict[str, Any] = {}
    while True:
        page = r.call("list_event_buses", **params)
        for bus in page.get("EventBuses", []):
            yield str(bus["Name"])
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


def _events(r: _Reader) -> Iterator[ReferencingItem]:
    for bus in _event_buses(r):
        for rule in r.pages("list_rules", "Rules", EventBusName=bus):
            arn, name = rule["Arn"], rule["Name"]
            yield from r.item(
                "AWS::Events::Rule", arn, name, "configuration.RoleArn", rule.get("RoleArn")
            )
            for target in r.pages("list_targets_by_rule", "Targets", Rule=name, EventBusName=bus):
                yield from r.item(
                    "AWS::Events::Rule",
                    arn,
                    name,
                    "configuration.Targets.RoleArn",
                    target.get("RoleArn"),
                )


def _state_machines(r: _Reader) -> Iterator[ReferencingItem]:
    for machine in r.pages("list_state_machines", "stateMachines"):
        arn = machine["stateMachineArn"]
        described = r.call("describe_state_machine", stateMachineArn=arn)
        yield from r.item(
            "AWS::StepFunctions::StateMachine",
            arn,
            machine["name"],
            "configuration.RoleArn",
            described.get("roleArn"),
        )


def _codebuild(r: _Reader) -> Iterator[ReferencingItem]:
    names = list(r.pages("list_projects", "projects"))
    for start in range(0, len(names), 100):  # BatchGetProjects takes at most 100
        for project in r.call("batch_get_projects", names=names[start : start + 100])["projects"]:
            yield from r.item(
                "AWS::CodeBuild::Project",
                project["arn"],
                project["name"],
                "configuration.serviceRole",
                project.get("serviceRole"),
            )


def _cloudformation(r: _Reader) -> Iterator[ReferencingItem]:
    for stack in r.pages("describe_stacks", "Stacks"):
        yield from r.item(
            "AWS::CloudFormation::Stack",
            stack["StackId"],
            stack["StackName"],
            "configuration.roleARN",
            stack.get("RoleARN"),
        )


def _glue(r: _Reader) -> Iterator[ReferencingItem]:
    for job in r.pages("get_jobs", "Jobs"):
        arn = f"arn:aws:glue:{r.region}:{r.account_id}:job/{job['Name']}"
        yield from r.item("AWS::Glue::Job", arn, job["Name"], "configuration.Role", job.get("Role"))


def _notebooks(r: _Reader) -> Iterator[ReferencingItem]:
    for notebook in r.pages("list_notebook_instances", "NotebookInstances"):
        name = notebook["NotebookInstanceName"]
        described = r.call("describe_notebook_instance", NotebookInstanceName=name)
        yield from r.item(
            "AWS::SageMaker::NotebookInstance",
            notebook["NotebookInstanceArn"],
            name,
            "configuration.RoleArn",
            described.get("RoleArn"),
            described.get("NotebookInstanceStatus"),
        )


def _eks(r: _Reader) -> Iterator[ReferencingItem]:
    for name in r.pages("list_clusters", "clusters"):
        cluster = r.call("describe_cluster", name=name)["cluster"]
        yield from r.item(
            "AWS::EKS::Cluster",
            cluster["arn"],
            name,
            "configuration.RoleArn",
            cluster.get("roleArn"),
        )


def _batch(r: _Reader) -> Iterator[ReferencingItem]:
    for environment in r.pages("describe_compute_environments", "computeEnvironments"):
        arn, name = environment["computeEnvironmentArn"], environment["computeEnvironmentName"]
        type_ = "AWS::Batch::ComputeEnvironment"
        yield from r.item(
            type_, arn, name, "configuration.ServiceRole", environment.get("serviceRole")
        )
        instance_role = (environment.get("computeResources") or {}).get("instanceRole")
        yield from r.item(
            type_, arn, name, "configuration.ComputeResources.InstanceRole", instance_role
        )


def _schedules(r: _Reader) -> Iterator[ReferencingItem]:
    for schedule in r.pages("list_schedules", "Schedules"):
        name, group = schedule["Name"], schedule.get("GroupName") or "default"
        described = r.call("get_schedule", Name=name, GroupName=group)
        role = (described.get("Target") or {}).get("RoleArn")
        yield from r.item(
            "AWS::Scheduler::Schedule",
            schedule["Arn"],
            name,
            "Target.RoleArn",
            role,
            schedule.get("State"),
        )


def _pipes(r: _Reader) -> Iterator[ReferencingItem]:
    for pipe in r.pages("list_pipes", "Pipes"):
        described = r.call("describe_pipe", Name=pipe["Name"])
        yield from r.item(
            "AWS::Pipes::Pipe",
            pipe["Arn"],
            pipe["Name"],
            "RoleArn",
            described.get("RoleArn"),
            pipe.get("CurrentState"),
        )


# Per resource type: its service (the client to make) and its reader.
LIVE_READERS: Mapping[str, tuple[str, Callable[[_Reader], Iterator[ReferencingItem]]]] = {
    "AWS::Lambda::Function": ("lambda", _lambda),
    "AWS::EC2::Instance": ("ec2", _ec2),
    "AWS::ECS::TaskDefinition": ("ecs", _ecs_task_definitions),
    "AWS::ECS::Service": ("ecs", _ecs_services),
    "AWS::Events::Rule": ("events", _events),
    "AWS::StepFunctions::StateMachine": ("stepfunctions", _state_machines),
    "AWS::CodeBuild::Project": ("codebuild", _codebuild),
    "AWS::CloudFormation::Stack": ("cloudformation", _cloudformation),
    "AWS::Glue::Job": ("glue", _glue),
    "AWS::SageMaker::NotebookInstance": ("sagemaker", _notebooks),
    "AWS::EKS::Cluster": ("eks", _eks),
    "AWS::Batch::ComputeEnvironment": ("batch", _batch),
    "AWS::Scheduler::Schedule": ("scheduler", _schedules),
    "AWS::Pipes::Pipe": ("pipes", _pipes),
}


def live_finder(
    clients: Clients,
    *,
    account_id: str,
    regions: Sequence[str],
    types: Sequence[str] = tuple(LIVE_READERS),
    warn: Warn = lambda message: None,
) -> ItemFinder:
    """The ``live`` source of one account: ``clients(service, region)`` makes the clients.

    Nothing is called until the first question; then every type in every Region, once.
    """

    def fetch() -> SourceResult:
        items: list[ReferencingItem] = []
        gaps: list[NotCovered] = []
        for region in regions:
            for type_ in types:
                service, read = LIVE_READERS[type_]
                try:
                    reader = _Reader(clients(service, region), service, account_id, region)
                    items += list(read(reader))
                except DormantError as exc:
                    warn(f"references: {type_} in {region} not covered: {exc}")
                    gaps.append(NotCovered(type_, region, str(exc)))
        return SourceResult(
            tuple(items),
            {account_id: tuple(gaps)},
            accounts=frozenset({account_id}),
            types=tuple(types),
            elsewhere=f"the live calls were made in account {account_id} only",
        )

    return ItemFinder(SOURCE_LIVE, fetch)
