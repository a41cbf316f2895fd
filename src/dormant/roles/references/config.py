"""The ``config`` source's pure half: which fields hold role ARNs, the queries, their results.

AWS Config's advanced queries (``SelectResourceConfig`` in one account and Region,
``SelectAggregateResourceConfig`` through an aggregator) select, per resource type, the
properties that hold role ARNs (``CONFIG_FIELDS``, as Config's resource schema spells them:
Lambda's ``configuration.role``, CloudFormation's ``configuration.roleARN``). ``queries``
combines types into as few expressions as fit in Config's 4,096 characters (today all of
them in one), never one per role; ``items_of`` turns a result into ``ReferencingItem``s;
``not_recorded`` says which types a configuration recorder leaves out, so that a type Config
does not record is reported as not covered, never as "no references". Pure: standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from dormant.roles.references.join import ReferencingItem

__all__ = [
    "CONFIG_FIELDS",
    "EXPRESSION_MAX",
    "PAGE_SIZE",
    "SOURCE_CONFIG",
    "STATE_FIELDS",
    "items_of",
    "not_recorded",
    "queries",
    "values_at",
]

SOURCE_CONFIG = "config"
EXPRESSION_MAX = 4096  # Config's limit on an expression's length
PAGE_SIZE = 100  # Config's largest Limit (MaxResults) per page

# Per resource type, Config's properties that hold a role (or instance profile) ARN.
CONFIG_FIELDS: Mapping[str, tuple[str, ...]] = {
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

# What a type's state adds to its references (an instance's ``stopped``).
STATE_FIELDS: Mapping[str, str] = {"AWS::EC2::Instance": "configuration.state.name"}

_IDENTITY = ("resourceType", "resourceId", "resourceName", "arn", "accountId", "awsRegion")


def _expression(types: Sequence[str]) -> str:
    fields: list[str] = list(_IDENTITY)
    for resource_type in types:
        for name in (*CONFIG_FIELDS[resource_type], STATE_FIELDS.get(resource_type)):
            if name is not None and name not in fields:
                fields.append(name)
    listed = ", ".join(f"'{t}'" for t in types)
    return f"SELECT {', '.join(fields)} WHERE resourceType IN ({listed})"


def queries(types: Iterable[str] = CONFIG_FIELDS, limit: int = EXPRESSION_MAX) -> list[str]:
    """The expressions that select every field of ``types``: as few as fit in ``limit``."""
    groups: list[list[str]] = []
    for resource_type in types:
        if groups and len(_expression([*groups[-1], resource_type])) <= limit:
            groups[-1].append(resource_type)
        else:
            groups.append([resource_type])
    return [_expression(group) for group in groups]


def values_at(node: Any, path: str) -> Iterator[Any]:
    """The values at a dotted path, through lists (``configuration.Targets.RoleArn``)."""
    nodes: list[Any] = [node]
    for part in path.split("."):
        nxt: list[Any] = []
        for current in nodes:
            for element in current if isinstance(current, list) else (current,):
                if isinstance(element, Mapping) and part in element:
                    nxt.append(element[part])
        nodes = nxt
    for value in nodes:
        yield from value if isinstance(value, list) else (value,)


def items_of(result: Mapping[str, Any]) -> Iterator[ReferencingItem]:
    """The role references in one query result (a parsed element of ``Results``)."""
    resource_type = str(result.get("resourceType") or "")
    fields = CONFIG_FIELDS.get(resource_type)
    if fields is None:
        return
    resource_id = str(result.get("resourceId") or "")
    arn = str(result.get("arn") or resource_id)
    name = str(result.get("resourceName") or resource_id)
    account = str(result.get("accountId") or "")
    region = result.get("awsRegion") or None
    state_field = STATE_FIELDS.get(resource_type)
    states = [] if state_field is None else list(values_at(result, state_field))
    state = str(states[0]) if states else None
    for via in fields:
        for value in values_at(result, via):
            if isinstance(value, str) and value:
                yield ReferencingItem(resource_type, arn, name, account, region, via, value, state)


def not_recorded(
    recorders: Sequence[Mapping[str, Any]],
    statuses: Sequence[Mapping[str, Any]],
    types: Iterable[str] = CONFIG_FIELDS,
) -> dict[str, str]:
    """The types no recording configuration recorder records, each with why.

    ``recorders`` and ``statuses`` are DescribeConfigurationRecorders' and
    DescribeConfigurationRecorderStatus' lists for one account and Region.
    """
    wanted = list(types)
    recording = {str(s.get("name")) for s in statuses if s.get("recording")}
    live = [r for r in recorders if str(r.get("name")) in recording]
    if not recorders:
        return dict.fromkeys(wanted, "no AWS Config recorder in this account and Region")
    if not live:
        return dict.fromkeys(wanted, "the AWS Config recorder is not recording")
    recorded: set[str] = set()
    for recorder in live:
        group = recorder.get("recordingGroup") or {}
        strategy = (group.get("recordingStrategy") or {}).get("useOnly")
        excluded = (group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or []
        if strategy == "EXCLUSION_BY_RESOURCE_TYPES" or excluded:
            recorded |= {t for t in wanted if t not in excluded}
        elif group.get("allSupported", True) and strategy in (None, "ALL_SUPPORTED_RESOURCE_TYPES"):
            recorded |= set(wanted)
        else:
            recorded |= {t for t in wanted if t in (group.get("resourceTypes") or [])}
    return {t: "AWS Config does not record this type" for t in wanted if t not in recorded}
