"""References: what references 5,000 roles among 20,000 resources, through Config and live calls.

One simulated account (``dormant_sim.server.SimulatedAws`` on loopback) holds N roles and M
resources of the types that reference roles (``dormant.roles.references.config.CONFIG_FIELDS``),
each naming one of the roles (EC2 instances through an instance profile), and a Config
recorder that records them all. In the harness process:

- ``config``: ``config_finder``'s fetch: DescribeConfigurationRecorders and its status, then
  the one expression that selects every type's role fields, 100 results a page. Expected
  exactly: ceil(M/100) SelectResourceConfig pages (at most ceil(M_t/100) per type summed,
  which one combined query never exceeds).
- ``live``: ``live_finder``'s fetch in the one Region: each type's list pages, and a describe
  per item only for the types whose list leaves the role out; the calls are reported by
  operation, list pages apart from describes.
- the join: each source's ``references(roles)`` over the fetched items (and the parsing of
  Config's JSON results), timed alone, median of the reps: the processing beyond the calls.
- ``iam``: the role reader's GAAD pages with users, groups and policies, and its join.

Nothing is called per role; the run stops (exit 1) if a call count breaks that.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import BenchmarkError, log, median

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

# How the resources are spread over the types: the cheap ones to seed carry most of them.
_SHARES = {
    "AWS::Lambda::Function": 0.16,
    "AWS::EC2::Instance": 0.10,
    "AWS::ECS::TaskDefinition": 0.14,
    "AWS::ECS::Service": 0.03,
    "AWS::Events::Rule": 0.14,
    "AWS::StepFunctions::StateMachine": 0.12,
    "AWS::CodeBuild::Project": 0.10,
    "AWS::CloudFormation::Stack": 0.03,
    "AWS::Glue::Job": 0.12,
    "AWS::SageMaker::NotebookInstance": 0.04,
    "AWS::EKS::Cluster": 0.01,
    "AWS::Batch::ComputeEnvironment": 0.01,
}


@dataclass(frozen=True)
class ReferencesPlan:
    roles: int
    resources: int
    reps: int


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


def _counts(total: int) -> dict[str, int]:
    counts = {t: max(1, int(total * share)) for t, share in _SHARES.items()}
    counts["AWS::Lambda::Function"] += total - sum(counts.values())
    return counts


def _timed(fn: Any, reps: int) -> tuple[Any, float]:
    timings: list[float] = []
    result = None
    for _ in range(reps):
        started = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - started)
    return result, median(timings)


def run_references(plan: ReferencesPlan) -> dict[str, Any]:
    from dormant.roles.aws import IamRoleSource
    from dormant.roles.aws_references.config import config_finder
    from dormant.roles.aws_references.live import live_finder
    from dormant.roles.references.config import items_of, queries
    from dormant_sim.server import SimulatedAws

    now = datetime.now(UTC)
    counts = _counts(plan.resources)
    with SimulatedAws() as sim:
        sim.reset()
        log(f"references: seeding {plan.roles} roles and {plan.resources} resources")
        roles = sim.bulk_roles(ACCOUNT_ID, plan.roles, now=now - timedelta(days=400))
        sim.put_configuration_recorder(ACCOUNT_ID)
        seeded = 0
        for resource_type, count in counts.items():
            for i in range(count):
                role = roles[(seeded + i) % len(roles)]
                sim.put_referencing_resource(ACCOUNT_ID, resource_type, f"r{i:05d}", role.arn)
            seeded += count
            log(f"references: {seeded}/{plan.resources} resources ({resource_type})")

        def client(service: str, region: str = REGION) -> Any:
            return sim.client(service, ACCOUNT_ID, region=region)

        listed = list(IamRoleSource(client("iam"), account_id=ACCOUNT_ID).roles())

        # ---- config
        sim.recorder.reset()
        config = config_finder(
            lambda region: client("config", region), account_id=ACCOUNT_ID, regions=[REGION]
        )
        started = time.perf_counter()
        config_result = config.result()
        config_fetch_s = time.perf_counter() - started
        config_calls = sim.recorder.counts()
        (expression,) = queries()
        # What Config holds: the seeded resources and what seeding made on the way (moto's
        # Batch starts EC2 instances for a managed compute environment).
        held = Counter(i["resourceType"] for i in sim.configuration_items(ACCOUNT_ID, REGION))
        recorded = sum(held.values())
        pages = math.ceil(recorded / 100)
        per_type = sum(math.ceil(c / 100) for c in held.values())
        _check(
            config_calls.get("config:SelectResourceConfig") == pages,
            f"references: config made {config_calls}, expected {pages} query pages for "
            f"{recorded} configuration items",
        )
        raws: list[str] = []
        token: dict[str, str] = {}
        while True:
            page = client("config").select_resource_config(
                Expression=expression, Limit=100, **token
            )
            raws += page["Results"]
            if "NextToken" not in page:
                break
            token = {"NextToken": page["NextToken"]}
        _, parse_s = _timed(lambda: [i for r in raws for i in items_of(json.loads(r))], plan.reps)
        found, config_join_s = _timed(lambda: config.references(listed), plan.reps)
        referenced = sum(1 for r in found.values() if r.references)
        _check(
            sum(len(r.references) for r in found.values()) == len(config_result.items),
            "references: config's join lost or duplicated an item",
        )

        # ---- live
        sim.recorder.reset()
        live = live_finder(
            lambda service, region: client(service, region), account_id=ACCOUNT_ID, regions=[REGION]
        )
        started = time.perf_counter()
        live_result = live.result()
        live_fetch_s = time.perf_counter() - started
        live_calls = sim.recorder.counts()
        _, live_join_s = _timed(lambda: live.references(listed), plan.reps)
        _check(not live_result.uncovered_in(ACCOUNT_ID), "references: live left types uncovered")

        # ---- iam
        sim.recorder.reset()
        source = IamRoleSource(client("iam"), account_id=ACCOUNT_ID, references=True)
        iam_roles = list(source.roles())
        iam_calls = sim.recorder.counts()
        _, iam_join_s = _timed(lambda: source.iam_references().references(iam_roles), plan.reps)
    describes = {k: v for k, v in live_calls.items() if not _is_list(k)}
    lists = {k: v for k, v in live_calls.items() if _is_list(k)}
    return {
        "roles": plan.roles,
        "resources": plan.resources,
        "by_type": counts,
        "configuration_items": recorded,
        "configuration_items_by_type": dict(held),
        "reps": plan.reps,
        "referenced_roles": referenced,
        "config": {
            "calls": config_calls,
            "query_pages": config_calls.get("config:SelectResourceConfig", 0),
            "pages_target": pages,
            "pages_per_type_sum": per_type,
            "expression_chars": len(expression),
            "fetch_s": round(config_fetch_s, 3),
            "parse_s": round(parse_s, 4),
            "join_s": round(config_join_s, 4),
            "items": len(config_result.items),
        },
        "live": {
            "list_calls": lists,
            "describe_calls": describes,
            "fetch_s": round(live_fetch_s, 3),
            "join_s": round(live_join_s, 4),
            "items": len(live_result.items),
        },
        "iam": {"calls": iam_calls, "join_s": round(iam_join_s, 4)},
    }


# The calls that read one item the list named (everything else is a list page).
_PER_ITEM = {
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeServices",
    "stepfunctions:DescribeStateMachine",
    "codebuild:BatchGetProjects",
    "sagemaker:DescribeNotebookInstance",
    "eks:DescribeCluster",
    "events:ListTargetsByRule",
    "scheduler:GetSchedule",
    "pipes:DescribePipe",
}


def _is_list(operation: str) -> bool:
    return operation not in _PER_ITEM
