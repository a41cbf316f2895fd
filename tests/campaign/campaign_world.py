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
from urllib.parse import unquote

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
from dormant_sim.principals import backend_of  # noqa: E402
from dormant_sim.server import Simulation  # noqa: E402
from webhook_support import Hook  # noqa: E402

NOTICE_DAYS = 2
AFTER_DAYS = 2
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


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _document(text: Any) -> Any:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _tags(raw: Any) -> tuple[tuple[str, str], ...]:
    items = raw.values() if isinstance(raw, dict) else raw or []
    return tuple((str(t["Key"]), str(t["Value"])) for t in items)


def _role_state(backend: Any, role: Any) -> RoleState:
    profiles = tuple(
        InstanceProfileRef(p.name, p.path)
        for p in backend.instance_profiles.values()
        if any(r.name == role.name for r in p.roles)
    )
    return RoleState(
        Role(
            role_id=role.id,
            name=role.name,
            path=role.path,
            arn=role.arn,
            created=_aware(role.create_date) or datetime.now(UTC),
            last_used=_aware(role.last_used),
            last_used_region=role.last_used_region,
            trust_policy=_document(role.assume_role_policy_document),
            inline_policies=tuple(
                (name, _document(text)) for name, text in sorted(role.policies.items())
            ),
            attached_policy_arns=tuple(sorted(role.managed_policies)),
            tags=_tags(role.tags),
            description=role.description or None,
            permissions_boundary_arn=role.permissions_boundary_arn,
            account_id=ACCOUNT,
        ),
        max_session_duration=int(role.max_session_duration or 3600),
        instance_profiles=profiles,
    )


def read_roles(names: set[str]) -> dict[str, RoleState]:
    """The roles among `names` that exist, read from the simulation's own state (no request:
    neither recorded, nor checked, nor faulted, nor dormant's adapters)."""
    backend = backend_of(ACCOUNT)
    return {
        role.name: _role_state(backend, role)
        for role in list(backend.roles.values())
        if role.name in names
    }


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
    from moto.awslambda.models import lambda_backends

    backend = backend_of(ACCOUNT)
    return {
        "instance_profiles": sorted(p.name for p in backend.instance_profiles.values()),
        "policies": sorted(
            f"{p.arn}@{p.default_version_id}"
            for p in backend.managed_policies.values()
            if f":{ACCOUNT}:" in p.arn
        ),
        "functions": sorted(
            f.function_name for f in lambda_backends[ACCOUNT][REGION].list_functions()
        ),
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
        cls,
        sim: Simulation,
        monkeypatch: pytest.MonkeyPatch,
        hook: Hook,
        url: str,
        source: str = "dormant",
    ) -> World:
        """A Config recorder in every world; ``source`` access-analyzer: the stack's Source,
        with ArchiveFindings, and an unused-access analyzer of the stack's window (no
        analysis until a story runs one)."""
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
        if source != "dormant":
            params.update(Source=source, ArchiveFindings="true")
        deployed = RetireDeployment.create(sim, monkeypatch, params)
        if source == "access-analyzer":
            from dormant_sim import access_analyzer

            access_analyzer.create_analyzer(ACCOUNT, "unused", unused_access_age=WINDOW_DAYS)
        # A recorder, so that Config's gaps do not hold every delete back: the stories reach
        # deletes (and, with a source, archives), where the promises are at stake.
        sim.put_configuration_recorder(ACCOUNT)
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
        # Midnight, so the hours of every story are the same whenever the test runs.
        day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=1
        )
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
