"""deploy/retire.yaml's function at its edges, as the stack's own role under enforcement.

- The delete grants hold only on a role dormant quarantined (its dormant:quarantined-at tag),
  and the stack's role may not take a role out of an instance profile: a role in one is
  referenced, so the deployed campaign quarantines it at most and never deletes it.
- Two runs never overlap: a run that finds the lease held stops before any change; a lease
  past its term is taken over; a finished run gives it back.
- A webhook URL the secret holds is checked before any change, and is in no error or log line.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from retire_support import ACCOUNT, BUCKET, RetireDeployment, attached, role_names, role_tags

from dormant.core.errors import InvalidParameter, RunInProgress
from dormant_sim.server import Simulation

DAY0 = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=1)
OWNER = {"owner": "team-a"}
LEASE = "lease/retire-run.json"
OLD = {"created": DAY0 - timedelta(days=400), "last_used": DAY0 - timedelta(days=200)}


def on(day: int) -> datetime:
    return DAY0 + timedelta(days=day)


def test_a_role_in_an_instance_profile_is_never_deleted(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    sim.put_configuration_recorder(ACCOUNT)  # References=config: Config covers the account
    sim.put_role(ACCOUNT, "ProfileRole", **OLD, tags=OWNER, instance_profiles=["web-profile"])
    sim.put_role(ACCOUNT, "PlainRole", **OLD, tags=OWNER)
    for day in (0, 15, 45):
        deployed.run(sim, on(day))  # raises if any planned change failed
    assert "PlainRole" not in role_names()
    assert "ProfileRole" in role_names()
    iam = boto3.client("iam")
    (profile,) = iam.list_instance_profiles_for_role(RoleName="ProfileRole")["InstanceProfiles"]
    assert profile["InstanceProfileName"] == "web-profile"
    assert deployed.policy_arn in attached("ProfileRole")  # still quarantined


def _as_stack_role(deployed: RetireDeployment, sim: Simulation, call: Any) -> str:
    """The error code of `call(iam)` made as the stack's role under enforcement ('' if it
    succeeded)."""
    with sim.enforcing(), sim.acting_as(deployed.role):
        iam = boto3.client("iam")
        try:
            call(iam)
        except iam.exceptions.ClientError as exc:
            return str(exc.response["Error"]["Code"])
    return ""


def test_the_delete_grants_hold_only_on_a_role_dormant_quarantined(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    inline["Statement"][0]["Resource"] = "*"
    for name in ("Untouched", "Quarantined"):
        sim.put_role(
            ACCOUNT,
            name,
            **OLD,
            tags=OWNER,
            inline_policies={"app": inline},
            managed_policy_arns=[deployed.policy_arn],
        )
    boto3.client("iam").tag_role(
        RoleName="Quarantined", Tags=[{"Key": "dormant:quarantined-at", "Value": "2026-01-01"}]
    )
    steps = (
        lambda iam, n: iam.detach_role_policy(RoleName=n, PolicyArn=deployed.policy_arn),
        lambda iam, n: iam.delete_role_policy(RoleName=n, PolicyName="app"),
        lambda iam, n: iam.delete_role(RoleName=n),
    )
    for step in steps:
        assert _as_stack_role(deployed, sim, lambda iam, s=step: s(iam, "Untouched")) == (
            "AccessDenied"
        )
    assert "Untouched" in role_names()
    assert [_as_stack_role(deployed, sim, lambda i, s=s: s(i, "Quarantined")) for s in steps] == [
        "",
        "",
        "",
    ]
    assert "Quarantined" not in role_names()
    # Nor out of an instance profile, whatever its role's tags.
    iam = boto3.client("iam")
    iam.create_instance_profile(InstanceProfileName="web")
    sim.put_role(ACCOUNT, "InProfile", **OLD, tags={"dormant:quarantined-at": "2026-01-01"})
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="InProfile")
    code = _as_stack_role(
        deployed,
        sim,
        lambda i: i.remove_role_from_instance_profile(
            InstanceProfileName="web", RoleName="InProfile"
        ),
    )
    assert code == "AccessDenied"


def _lease(expires_at: datetime, *, released: bool = False) -> None:
    body = {"holder": "other-run", "expires_at": expires_at.isoformat(), "released": released}
    boto3.client("s3").put_object(Bucket=BUCKET, Key=LEASE, Body=json.dumps(body).encode())


def _lease_body() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        boto3.client("s3").get_object(Bucket=BUCKET, Key=LEASE)["Body"].read()
    )
    return found


def test_a_run_while_another_holds_the_lease_changes_nothing(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = RetireDeployment.create(sim, monkeypatch, {"RetireMode": "Apply"})
    sim.put_role(ACCOUNT, "AppRole", **OLD, tags=OWNER)
    held_until = datetime.now(UTC) + timedelta(minutes=10)
    _lease(held_until)
    with pytest.raises(RunInProgress, match=f"holds its lease s3://{BUCKET}/{LEASE} until"):
        deployed.run(sim, datetime.now(UTC))
    assert "dormant:notice-at" not in role_tags("AppRole")
    assert deployed.messages() == []
    assert _lease_body()["holder"] == "other-run"

    # A lease past its term (its run was killed) is taken over, and given back at the end.
    _lease(datetime.now(UTC) - timedelta(minutes=1))
    summary = deployed.run(sim, datetime.now(UTC))
    assert summary["steps"] == {"notify": 1}
    assert _lease_body()["released"] is True
    assert _lease_body()["holder"] != "other-run"


def test_a_bad_webhook_url_in_its_secret_fails_the_run_before_any_change(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret_path = "/services/T0/B0/s3cr3t-t0ken"
    secrets = boto3.client("secretsmanager")
    arn = secrets.create_secret(
        Name="dormant-webhook", SecretString=f"https://hooks.example.com{secret_path}\x01x"
    )["ARN"]
    deployed = RetireDeployment.create(
        sim, monkeypatch, {"RetireMode": "Apply", "WebhookSecretArn": arn}
    )
    sim.put_role(ACCOUNT, "AppRole", **OLD, tags=OWNER)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidParameter) as refused:
        deployed.run(sim, datetime.now(UTC))
    assert str(refused.value) == (
        f"invalid parameter WebhookSecretArn ({arn}): the webhook URL holds a control "
        "character; the URL is not shown, since it is a secret"
    )
    assert refused.value.__context__ is None
    assert "s3cr3t" not in caplog.text
    assert "dormant:notice-at" not in role_tags("AppRole")
    assert deployed.messages() == []
    s3 = boto3.client("s3")
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0  # not even the lease
