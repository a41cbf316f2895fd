"""A small account running deploy/retire.yaml's function, and an observer that reads it.

`World.create` empties the simulation and makes what the stack makes (through
`RetireDeployment`: the deny, the versioned bucket, the topic with an SQS queue standing for
the owners' inboxes, the function's role with exactly the stack's policies), a second
session role holding the policies the stack gives in Notify mode (a mode switch is a stack
update), a Secrets Manager secret with the URL of a loopback webhook, and a few roles:
three applications' (two owners), the organization's access role, and `Assumer`, which the
allow-list keeps and whose trust policy can be made to name another role (a reference).

The observer reads the account with plain IAM, S3 and SQS calls as the account's
administrator, never through dormant's adapters or its tags' meaning: it is the property
test's oracle (`tests/campaign/test_campaign_properties.py`).
"""

from __future__ import annotations

import copy
import io
import json
import re
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("e2e", "deploy"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))

from e2e_support import Stack, deployed_role  # noqa: E402
from retire_support import ACCOUNT, BUCKET, FUNCTION_ROLE, REGION, RetireDeployment  # noqa: E402

from dormant.roles.model import Role  # noqa: E402
from dormant.roles.remediate.backup import RoleBackup, backup_from_dict  # noqa: E402
from dormant.roles.remediate.invariants import DeliveredNotice  # noqa: E402
from dormant.roles.remediate.state import InstanceProfileRef, RoleState  # noqa: E402
from dormant_sim.enforcement import PrincipalCredentials  # noqa: E402
from dormant_sim.server import Simulation  # noqa: E402
from webhook_support import Hook  # noqa: E402

NOTICE_DAYS = 7
AFTER_DAYS = 7
WINDOW_DAYS = 30
EXEMPT_TAG = "dormant:exempt"
PREFIX = "roles/"
# The roles the campaign may act on; the organization's must never be, the others only
# when unused, unreferenced and not exempt.
CANDIDATES = ("AppRole", "BatchRole", "DataRole", "OrganizationAccountAccessRole")
ASSUMER = "Assumer"  # allow-listed; its trust policy can name a candidate
OWNERS = {"AppRole": "team-a", "BatchRole": "team-a", "DataRole": "team-b"}
ORGANIZATION_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_LINE = re.compile(r"^- ([\w+=,.@-]+): (.*)$")
_QUARANTINE_ON = re.compile(r"^quarantined on (\d{4}-\d{2}-\d{2}) unless")


def _trust(principal: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }


def _role_state(iam: Any, name: str) -> RoleState | None:
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    inline = tuple(
        (
            policy,
            iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"],
        )
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
    )
    attached = tuple(
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    )
    profiles = tuple(
        InstanceProfileRef(p["InstanceProfileName"], p["Path"])
        for p in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
    )
    used = role.get("RoleLastUsed", {})
    return RoleState(
        Role(
            role_id=role["RoleId"],
            name=name,
            path=role["Path"],
            arn=role["Arn"],
            created=role["CreateDate"],
            last_used=used.get("LastUsedDate"),
            last_used_region=used.get("Region"),
            trust_policy=role["AssumeRolePolicyDocument"],
            inline_policies=inline,
            attached_policy_arns=attached,
            tags=tuple((t["Key"], t["Value"]) for t in role.get("Tags", [])),
            description=role.get("Description"),
            permissions_boundary_arn=role.get("PermissionsBoundary", {}).get(
                "PermissionsBoundaryArn"
            ),
            account_id=ACCOUNT,
        ),
        max_session_duration=role.get("MaxSessionDuration", 3600),
        instance_profiles=profiles,
    )


def read_roles(names: set[str]) -> dict[str, RoleState]:
    """The roles among `names` that exist, as IAM describes them now."""
    iam = boto3.client("iam")
    listed = {
        r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]
    }
    found = {}
    for name in sorted(names & listed):
        state = _role_state(iam, name)
        if state is not None:
            found[name] = state
    return found


def backup_versions() -> dict[str, list[RoleBackup]]:
    """Every version of every backup object in the stack's bucket, by role name."""
    s3 = boto3.client("s3", region_name=REGION)
    found: dict[str, list[RoleBackup]] = {}
    answer = s3.list_object_versions(Bucket=BUCKET, Prefix=PREFIX)
    for version in answer.get("Versions", []):
        body = s3.get_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])
        backup = backup_from_dict(json.loads(body["Body"].read()), source=version["Key"])
        found.setdefault(backup.state.name, []).append(backup)
    return found


def account_inventory() -> dict[str, list[str]]:
    """What else the account holds that the campaign must leave alone."""
    iam = boto3.client("iam")
    lam = boto3.client("lambda", region_name=REGION)
    return {
        "instance_profiles": sorted(
            p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]
        ),
        "policies": sorted(
            f"{p['Arn']}@{p['DefaultVersionId']}"
            for p in iam.list_policies(Scope="Local")["Policies"]
        ),
        "functions": sorted(f["FunctionName"] for f in lam.list_functions()["Functions"]),
    }


def notices_in(messages: list[dict[str, Any]], at: datetime) -> list[DeliveredNotice]:
    """The roles each delivered message names, and the quarantine day it announces."""
    found = []
    for message in messages:
        for line in str(message["text"]).splitlines():
            matched = _LINE.match(line.strip())
            if matched is None:
                continue
            day = _QUARANTINE_ON.match(matched.group(2))
            announced = None if day is None else date.fromisoformat(day.group(1))
            found.append(DeliveredNotice(matched.group(1), at, announced))
    return found


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@dataclass
class World:
    """One example's account: the deployment, both modes' roles and environments."""

    sim: Simulation
    deployed: RetireDeployment
    roles: dict[str, PrincipalCredentials]  # mode -> the function's session in that mode
    env: dict[str, dict[str, str]]  # mode -> the function's environment
    day0: datetime
    hook: Hook
    created: dict[str, RoleState] = field(default_factory=dict)

    @classmethod
    def create(
        cls, sim: Simulation, monkeypatch: pytest.MonkeyPatch, hook: Hook, url: str
    ) -> World:
        sim.reset()
        hook.bodies.clear()
        hook.answers[:] = [(200, {})]
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secret_arn = secrets.create_secret(Name="dormant/webhook", SecretString=url)["ARN"]
        params = {
            "RetireMode": "Apply",
            "NoticeDays": str(NOTICE_DAYS),
            "AfterDays": str(AFTER_DAYS),
            "MaxDaysForLastUsed": str(WINDOW_DAYS),
            "DefaultOwner": "platform",
            "RolePatternWhitelist": f"/{ASSUMER}",
            "WebhookSecretArn": secret_arn,
        }
        deployed = RetireDeployment.create(sim, monkeypatch, params)
        notify_stack = Stack.of(
            _template(),
            {**params, "RetireMode": "Notify"},
            attributes=deployed.stack.attributes,
        )
        notify_role = deployed_role(
            sim, notify_stack, FUNCTION_ROLE, name="dormant-retire-notify-mode"
        )
        env = {
            key: str(value)
            for key, value in deployed.stack.property("RetireFunction", "Environment")[
                "Variables"
            ].items()
        }
        # Ahead of the real clock: the function's roles, made now, are younger than any window.
        day0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        world = cls(
            sim,
            deployed,
            {"Apply": deployed.role, "Notify": notify_role},
            {"Apply": {**env, "RETIRE_MODE": "Apply"}, "Notify": {**env, "RETIRE_MODE": "Notify"}},
            day0,
            hook,
        )
        world._seed()
        return world

    def _seed(self) -> None:
        iam = boto3.client("iam")
        extra = iam.create_policy(
            PolicyName="app-extra",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
                    ],
                }
            ),
        )["Policy"]["Arn"]
        old = {
            "created": self.day0 - timedelta(days=400),
            "last_used": self.day0 - timedelta(days=200),
        }
        self.sim.put_role(
            ACCOUNT,
            "AppRole",
            **old,
            tags={"owner": OWNERS["AppRole"], "app": "billing"},
            description="billing exports",
            inline_policies={
                "app-inline": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}],
                }
            },
            managed_policy_arns=[extra],
        )
        self.sim.put_role(ACCOUNT, "BatchRole", **old, tags={"owner": OWNERS["BatchRole"]})
        self.sim.put_role(ACCOUNT, "DataRole", **old, tags={"owner": OWNERS["DataRole"]})
        self.sim.put_role(
            ACCOUNT, "OrganizationAccountAccessRole", **old, trust_policy=ORGANIZATION_TRUST
        )
        self.sim.put_role(ACCOUNT, ASSUMER, **old, tags={"owner": "platform"})
        self.created = read_roles({*CANDIDATES, ASSUMER})

    def run(self, mode: str, event: Any, clock: datetime) -> BaseException | None:
        """One invocation as the mode's function role, under enforcement; what it raised."""
        from dormant.campaign.handler import run_once

        try:
            with self.sim.enforcing(), self.sim.acting_as(self.roles[mode]):
                run_once(event, self.env[mode], clock=lambda: clock, remaining_ms=lambda: 900_000)
        except BaseException as exc:
            return exc
        return None

    def scheduled(self, when: datetime) -> dict[str, str]:
        return {"scheduled_time": when.isoformat().replace("+00:00", "Z")}


def _template() -> Path:
    from deploy_support import RETIRE_TEMPLATE

    path: Path = RETIRE_TEMPLATE
    return path


class _NoSleep:
    """`time` for botocore's endpoint without the retry back-off's sleeps (it still retries
    as often, so throttling and timeouts cost their calls, not the suite's minutes)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


NO_SLEEP = _NoSleep()


def cached_template(load: Callable[[Path], dict[str, Any]]) -> Callable[[Path], dict[str, Any]]:
    """`load`, reading each template once (callers get their own copy)."""
    loaded: dict[Path, dict[str, Any]] = {}

    def once(path: Path) -> dict[str, Any]:
        if path not in loaded:
            loaded[path] = load(path)
        return copy.deepcopy(loaded[path])

    return once


def shared_loader(loaders: Any) -> Callable[[str | None], Any]:
    """botocore's `create_loader`, answering one Loader per search path (its caches kept)."""
    made: dict[str | None, Any] = {}
    create = loaders.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        if search_path_string not in made:
            made[search_path_string] = create(search_path_string)
        return made[search_path_string]

    return create_loader
