"""deploy/retire.yaml's function over 60 simulated days, as the stack's own role, enforced.

`dormant.campaign.handler.lambda_handler` runs on each scheduled day as a session of
`RetireFunctionRole` holding exactly the policies the stack gives it, with the stack's
managed deny, bucket and topic: day 0 notices, day 15 quarantines, a role used on day 20 is
kept and its owner told, day 45 backs up and deletes (managed and inline policies first); a
role held by an instance profile (test_e2e_retire_edges), or by a Lambda function that AWS
Config records, is never deleted and its owner is told what holds it; a Region where Config
records nothing holds every delete back unless ForceUncovered. That it runs at all under
enforcement shows the role's permissions are enough; taking one action out fails the run, so
each is needed. Notify mode (the default) gives notices only, with a role that may not
quarantine or delete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from e2e_support import without_action
from retire_support import (
    ACCOUNT,
    BUCKET,
    FUNCTION_ROLE,
    RetireDeployment,
    attached,
    role_names,
    role_tags,
)

from dormant.aws.s3 import S3ObjectStore
from dormant.campaign.handler import lambda_handler
from dormant.core.errors import DormantError, InvalidEvent
from dormant_sim.principals import backend_of
from dormant_sim.server import Simulation
from webhook_support import Hook, serve

# Ahead of the clock: the function's role, made now, is younger than any window.
DAY0 = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=1)
OWNER = {"owner": "team-a"}


def on(day: int, hours: int = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hours)


def _seed(sim: Simulation, *, recorder: bool = True) -> None:
    if recorder:
        sim.put_configuration_recorder(ACCOUNT)
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
    old = {"created": DAY0 - timedelta(days=400), "last_used": DAY0 - timedelta(days=200)}
    sim.put_role(
        ACCOUNT,
        "AppRole",
        **old,
        tags=OWNER,
        inline_policies={
            "app-inline": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}],
            }
        },
        managed_policy_arns=[extra],
    )
    # An EC2 instance profile holds it: the instance would lose its credentials.
    sim.put_role(ACCOUNT, "HostRole", **old, tags=OWNER, instance_profiles=["host-profile"])
    sim.put_role(ACCOUNT, "BatchRole", **old, tags=OWNER)
    sim.put_role(ACCOUNT, "LiveRole", created=old["created"], last_used=DAY0, tags=OWNER)


def _steps(summary: dict[str, object]) -> object:
    return summary["steps"]


def test_sixty_days_deployed_notice_quarantine_delete_and_a_role_used_on_day_20(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)

    day0 = deployed.run(sim, on(0))
    assert _steps(day0) == {"notify": 3}
    assert role_tags("AppRole")["dormant:notice-at"] == DAY0.date().isoformat()
    (told,) = deployed.messages()
    assert told["owner"] == "team-a"
    quarantine_on = on(15).date().isoformat()
    assert f"AppRole: quarantined on {quarantine_on} unless used or exempted" in told["text"]
    assert f"BatchRole: quarantined on {quarantine_on}" in told["text"]
    (host,) = [line for line in told["text"].splitlines() if "HostRole:" in line]
    assert "never deleted while referenced by AWS::IAM::InstanceProfile host-profile" in host
    assert "LiveRole" not in told["text"]

    # The same day again changes nothing and tells nobody twice.
    assert deployed.run(sim, on(0, hours=3))["done"] == 0
    assert deployed.messages() == []

    day15 = deployed.run(sim, on(15))
    assert _steps(day15) == {"quarantine": 3}
    for name in ("AppRole", "BatchRole", "HostRole"):
        assert deployed.policy_arn in attached(name)
        tags = role_tags(name)
        assert tags["dormant:quarantined-at"].startswith(on(15).date().isoformat())
        assert FUNCTION_ROLE not in tags["dormant:quarantined-by"]  # the session's role name
    assert "dormant-retire-us-east-1" in role_tags("AppRole")["dormant:quarantined-by"]
    (told,) = deployed.messages()
    assert f"deleted on {on(45).date().isoformat()} unless used or exempted" in told["text"]
    assert "HostRole: quarantined today" in told["text"]
    assert "kept quarantined" in told["text"]

    # Used while quarantined (IAM denied its calls, and recorded the use).
    backend_of(ACCOUNT).get_role("BatchRole").last_used = on(20)
    day20 = deployed.run(sim, on(20, hours=1))
    assert _steps(day20) == {"clear": 1, "keep": 2}
    assert "dormant:notice-at" not in role_tags("BatchRole")
    (told,) = deployed.messages()
    assert f"BatchRole: used since its quarantine on {quarantine_on}" in told["text"]

    day45 = deployed.run(sim, on(45))
    assert _steps(day45) == {"delete": 1, "keep": 2}
    assert "AppRole" not in role_names()
    # Referenced by its instance profile: never deleted, kept quarantined.
    assert {"BatchRole", "HostRole", "LiveRole"} <= role_names()
    assert deployed.policy_arn in attached("HostRole")
    iam = boto3.client("iam")
    profile = iam.get_instance_profile(InstanceProfileName="host-profile")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["HostRole"]
    assert deployed.policy_arn in attached("BatchRole")  # kept quarantined, never deleted
    s3 = boto3.client("s3")
    key = f"roles/{ACCOUNT}-AppRole.json"
    backup = s3.get_object(Bucket=BUCKET, Key=key)
    assert backup["ServerSideEncryption"] == "AES256"
    saved = json.loads(backup["Body"].read())
    assert "app-inline" in json.dumps(saved)
    assert "app-extra" in json.dumps(saved)
    (told,) = deployed.messages()
    assert f"AppRole: deleted today ({on(45).date().isoformat()})" in told["text"]
    assert f"s3://{BUCKET}/roles/" in told["text"]

    day60 = deployed.run(sim, on(60))
    assert day60["done"] == 0
    assert deployed.messages() == []


def test_notify_mode_gives_notices_only_with_a_role_that_may_not_quarantine(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch)
    policies = deployed.stack.role_policies(FUNCTION_ROLE)
    allowed = {
        action
        for document in policies.values()
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert not allowed & {"iam:AttachRolePolicy", "iam:DeleteRole", "iam:DetachRolePolicy"}
    _seed(sim)

    assert _steps(deployed.run(sim, on(0))) == {"notify": 3}
    day15 = deployed.run(sim, on(15))
    assert _steps(day15) == {"keep": 3}
    assert deployed.policy_arn not in attached("AppRole")
    assert "dormant:quarantined-at" not in role_tags("AppRole")
    assert len(deployed.messages()) == 1  # the notice; nothing changed on day 15


# The day on which each grant of the function's role is first needed (Apply mode), and on day
# 20 BatchRole is used again (its notice is cleared). logs:* are the Lambda runtime's, not the
# code's; secretsmanager:GetSecretValue is needed with a webhook only, s3:ListBucket when a
# backup is missing (both tested below).
NEEDED_ON = {
    "iam:GetAccountAuthorizationDetails": 0,
    "iam:TagRole": 0,
    "sns:Publish": 0,
    "iam:GetRole": 15,
    "iam:ListRolePolicies": 15,
    "iam:GetRolePolicy": 15,
    "iam:ListAttachedRolePolicies": 15,
    "iam:ListInstanceProfilesForRole": 15,
    "iam:AttachRolePolicy": 15,
    "iam:UntagRole": 20,
    "s3:GetBucketVersioning": 45,
    "s3:PutObject": 45,
    "s3:GetObject": 45,
    "iam:DeleteRole": 45,
    "iam:DeleteRolePolicy": 45,
    "iam:DetachRolePolicy": 45,
    "iam:PutRolePermissionsBoundary": 45,
    "cloudformation:ListStacks": 0,
    "cloudformation:ListStackResources": 0,
    "s3:GetObjectVersion": 45,
}
NOT_CALLED_BY_THE_CODE = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Called only by a failed DeleteRole's undo, to give a role without a boundary of its own back
# none (test_a_delete_stopped_by_a_conflict_is_finished_from_the_first_backup_version).
UNDO_ONLY = {"iam:DeleteRolePermissionsBoundary"}
# Without one of these, AWS Config's coverage is unknown: the run goes on, and every delete is
# held back as not covered (test_a_config_grant_taken_out_holds_every_delete_back).
CONFIG_READS = (
    "config:SelectResourceConfig",
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
)


def test_every_grant_of_the_function_role_has_a_day_that_needs_it(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    granted = {
        action
        for document in full.stack.role_policies(FUNCTION_ROLE).values()
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    missing = set(NEEDED_ON) | NOT_CALLED_BY_THE_CODE | UNDO_ONLY | {"s3:ListBucket", *CONFIG_READS}
    assert sorted(granted - missing) == []
    assert sorted(missing - granted) == []


@pytest.mark.parametrize(("action", "day"), sorted(NEEDED_ON.items(), key=lambda item: item[1]))
def test_each_grant_is_needed(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, action: str, day: int
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    if action.startswith("cloudformation:"):
        _stack_role("PaymentsTaskRole")  # a stack whose resources are read
    for earlier in (0, 15):
        if earlier < day:
            full.run(sim, on(earlier))
    if day >= 20:
        backend_of(ACCOUNT).get_role("BatchRole").last_used = on(20)
    trimmed = without_action(full.stack.role_policies(FUNCTION_ROLE), action)
    short = deployed_as(sim, full, trimmed)
    with pytest.raises(DormantError, match="AccessDenied") as failed:
        short.run(sim, on(day, hours=1))
    assert f"perform: {action}" in str(failed.value)
    assert "SimulationCannotAuthorize" not in str(failed.value)


@pytest.mark.parametrize("granted", [True, False])
def test_list_bucket_makes_a_missing_backup_missing_rather_than_forbidden(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, granted: bool
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    policies = full.stack.role_policies(FUNCTION_ROLE)
    role = full if granted else deployed_as(sim, full, without_action(policies, "s3:ListBucket"))
    with sim.enforcing(), sim.acting_as(role.role):
        store = S3ObjectStore(boto3.client("s3"), BUCKET, "roles/")
        if granted:
            assert store.get_text(f"{ACCOUNT}-GoneRole.json") is None
            return
        with pytest.raises(DormantError, match="AccessDenied"):
            store.get_text(f"{ACCOUNT}-GoneRole.json")


@pytest.mark.parametrize("action", CONFIG_READS)
def test_a_config_grant_taken_out_holds_every_delete_back(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    full = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    for day in (0, 15):
        full.run(sim, on(day))
    short = deployed_as(sim, full, without_action(full.stack.role_policies(FUNCTION_ROLE), action))
    day45 = short.run(sim, on(45))
    assert day45["failed"] == 0
    assert "delete" not in day45["steps"]  # not covered: kept, as a reference would keep it
    assert {"AppRole", "BatchRole"} <= role_names()
    full.run(sim, on(46))  # the same day's work with the grant: the deletes go ahead
    assert not {"AppRole", "BatchRole"} & role_names()


def deployed_as(
    sim: Simulation, full: RetireDeployment, policies: dict[str, object]
) -> RetireDeployment:
    from e2e_support import deployed_role

    role = deployed_role(sim, full.stack, FUNCTION_ROLE, name="retire-trimmed", policies=policies)
    return RetireDeployment(full.stack, role, full.policy_arn, full.topic_arn, full.queue_url)


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    """A loopback webhook (127.0.0.1): the bodies it got, and its URL."""
    state = Hook()
    with serve(state, "/services/T0/B0/hook") as url:
        yield state.bodies, url


@pytest.mark.parametrize("granted", [True, False])
def test_the_webhook_url_is_read_from_its_secret_at_run_time(
    sim: Simulation,
    monkeypatch: pytest.MonkeyPatch,
    webhook: tuple[list[dict[str, Any]], str],
    granted: bool,
) -> None:
    bodies, url = webhook
    secret = boto3.client("secretsmanager").create_secret(Name="dormant-webhook", SecretString=url)
    params = {"RetireMode": "Apply", "WebhookSecretArn": secret["ARN"]}
    full = RetireDeployment.create(sim, monkeypatch, params)
    _seed(sim)
    if granted:
        assert _steps(full.run(sim, on(0))) == {"notify": 3}
        (body,) = bodies
        assert "AppRole" in json.dumps(body)
        return
    trimmed = without_action(
        full.stack.role_policies(FUNCTION_ROLE), "secretsmanager:GetSecretValue"
    )
    with pytest.raises(DormantError, match="AccessDenied") as failed:
        deployed_as(sim, full, trimmed).run(sim, on(0))
    assert url not in str(failed.value)
    assert "dormant:notice-at" not in role_tags("AppRole")
    assert bodies == []


def test_a_forged_scheduled_time_changes_nothing(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone allowed to invoke the function picks its event: three invocations years ahead
    once noticed, quarantined and deleted a role used two hours before. The function's
    clock is the real one here (lambda_handler as Lambda calls it)."""
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    now = datetime.now(UTC)
    sim.put_role(
        ACCOUNT,
        "UsedRole",
        created=now - timedelta(days=400),
        last_used=now - timedelta(hours=2),
        tags=OWNER,
    )
    for years in (3, 3.1, 4):
        forged = {"scheduled_time": (now + timedelta(days=365 * years)).isoformat()}
        with (
            sim.enforcing(),
            sim.acting_as(deployed.role),
            pytest.raises(InvalidEvent, match="event field scheduled_time") as refused,
        ):
            lambda_handler(forged, None)
        assert "nothing was changed" in str(refused.value)
    assert "UsedRole" in role_names()
    assert not any(key.startswith("dormant:") for key in role_tags("UsedRole"))
    assert deployed.messages() == []
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)


def test_a_delete_stopped_by_a_conflict_is_finished_from_the_first_backup_version(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Day 45: DeleteRole meets a DeleteConflict and the stack's role may not undo the
    stripping (it may attach only its own deny). Day 46 finishes the delete from the backup
    taken before day 0's notice: no second version, and that version restores the role
    whole."""
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    deployed.run(sim, on(0))
    deployed.run(sim, on(15))
    key = f"roles/{ACCOUNT}-AppRole.json"
    s3 = boto3.client("s3")
    (first,) = s3.list_object_versions(Bucket=BUCKET, Prefix=key)["Versions"]
    assert role_tags("AppRole")["dormant:backup-version"] == first["VersionId"]

    sim.inject_error(
        "iam",
        "DeleteRole",
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        status=409,
        when=lambda params: params.get("RoleName") == "AppRole",
    )
    with pytest.raises(DormantError, match="partly changed"):
        deployed.run(sim, on(45))
    assert attached("AppRole") == [deployed.policy_arn]  # stripped, still denied
    # The undo put the deny back, then took off the boundary the delete had set (AppRole
    # had none of its own); the stripped policies it may not put back.
    assert "PermissionsBoundary" not in boto3.client("iam").get_role(RoleName="AppRole")["Role"]

    day46 = deployed.run(sim, on(46))
    # BatchRole went on day 45; HostRole, in an instance profile, is kept.
    assert _steps(day46) == {"delete": 1, "keep": 1}
    assert "AppRole" not in role_names()
    assert len(s3.list_object_versions(Bucket=BUCKET, Prefix=key)["Versions"]) == 1

    from dormant.aws.s3 import S3ObjectStore
    from dormant.roles.aws_mutator import IamRoleMutator
    from dormant.roles.remediate import restore
    from dormant.roles.remediate.backup_store import ObjectBackupStore

    store = ObjectBackupStore(S3ObjectStore(s3, BUCKET, "roles/"))
    ref = f"s3://{BUCKET}/{key}?versionId={first['VersionId']}"
    (restored,) = restore(
        IamRoleMutator(boto3.client("iam"), boto3.client("sts")),
        [ref],
        apply=True,
        reader=store.read,
    )
    assert f"version {first['VersionId']}" in restored.message
    iam = boto3.client("iam")
    assert attached("AppRole") == sorted(
        p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"] if "app-extra" in p["Arn"]
    )
    assert iam.list_role_policies(RoleName="AppRole")["PolicyNames"] == ["app-inline"]
    assert role_tags("AppRole") == OWNER


class _Context:
    """What the function reads of Lambda's context: the time left."""

    def __init__(self, left_ms: int) -> None:
        self.left_ms = left_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


def test_lambdas_time_left_bounds_what_starts(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    with sim.enforcing(), sim.acting_as(deployed.role):
        short = lambda_handler({}, _Context(60_000))
    assert _steps(short) == {"keep": 3}
    assert "dormant:notice-at" not in role_tags("AppRole")
    assert deployed.messages() == []
    with sim.enforcing(), sim.acting_as(deployed.role):
        assert _steps(lambda_handler({}, _Context(900_000))) == {"notify": 3}
    assert "dormant:notice-at" in role_tags("AppRole")


def test_a_role_a_config_recorded_function_uses_is_never_deleted(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    batch = boto3.client("iam").get_role(RoleName="BatchRole")["Role"]["Arn"]
    sim.put_referencing_resource(ACCOUNT, "AWS::Lambda::Function", "nightly", batch)
    (told,) = [m for m in _notices_of(deployed, sim, 0) if "BatchRole" in m["text"]]
    (line,) = [line for line in told["text"].splitlines() if "BatchRole:" in line]
    assert "never deleted while referenced by AWS::Lambda::Function nightly" in line
    deployed.run(sim, on(15))
    day45 = deployed.run(sim, on(45))
    assert "BatchRole" in role_names()
    assert "AppRole" not in role_names()
    assert day45["steps"] == {"delete": 1, "keep": 2}


def _notices_of(deployed: RetireDeployment, sim: Simulation, day: int) -> list[dict[str, Any]]:
    deployed.run(sim, on(day))
    return deployed.messages()


@pytest.mark.parametrize("force_uncovered", [False, True])
def test_a_region_config_does_not_record_holds_deletes_back_unless_forced(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, force_uncovered: bool
) -> None:
    params = {"RetireMode": "Apply", "ForceUncovered": str(force_uncovered).lower()}
    deployed = RetireDeployment.create(sim, monkeypatch, params)
    _seed(sim, recorder=False)
    (told,) = _notices_of(deployed, sim, 0)
    (line,) = [line for line in told["text"].splitlines() if "AppRole:" in line]
    gap = "no AWS Config recorder in this account and Region"
    assert (gap in line) is not force_uncovered
    deployed.run(sim, on(15))
    day45 = deployed.run(sim, on(45))
    assert ("AppRole" in role_names()) is not force_uncovered
    assert "HostRole" in role_names()  # a reference found always holds it back
    if not force_uncovered:
        assert day45["steps"] == {"keep": 3}
        assert day45["failed"] == 0


def test_references_iam_reads_no_config(sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> None:
    deployed = RetireDeployment.create(
        sim, monkeypatch, {"RetireMode": "Apply", "References": "iam"}
    )
    assert "query-config-for-references" not in deployed.stack.role_policies(FUNCTION_ROLE)
    _seed(sim, recorder=False)
    sim.recorder.reset()
    for day in (0, 15, 45):
        deployed.run(sim, on(day))
    assert sim.recorder.calls("config") == 0
    assert "AppRole" not in role_names()
    assert "HostRole" in role_names()


def _stack_role(name: str) -> None:
    """A role that a CloudFormation stack created: no aws:cloudformation:* tag on it, as in
    AWS; old and unused, so only the stack keeps it from being retired."""
    template = {
        "Resources": {
            "TaskRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Tags": [{"Key": "owner", "Value": "team-a"}],
                },
            }
        }
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="payments",
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    role = backend_of(ACCOUNT).get_role(name)
    assert not [t for t in role.tags if str(t).startswith("aws:")]
    role.create_date = DAY0 - timedelta(days=400)


def test_a_role_a_stack_created_is_never_retired_though_it_carries_no_stack_tag(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    _seed(sim)
    _stack_role("PaymentsTaskRole")
    for day in (0, 15, 45):
        deployed.run(sim, on(day))
        assert "dormant:notice-at" not in role_tags("PaymentsTaskRole")
        assert deployed.policy_arn not in attached("PaymentsTaskRole")
        for message in deployed.messages():
            assert "PaymentsTaskRole" not in message["text"]
    assert "PaymentsTaskRole" in role_names()
    assert "AppRole" not in role_names()  # the run went on for the other roles
