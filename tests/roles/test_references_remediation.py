"""What references a role stops its delete: refused unless --force, in delete and in retire's
delete step; quarantine goes ahead and names what loses access; the backup keeps the
references and restore names them. Over dormant.testing's in-memory IAM and finder, then the
command line against the simulation with the ``config`` source."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dormant.core.settings import Settings
from dormant.remediation import Outcome, Status, Target
from dormant.roles.model import Reference, Role
from dormant.roles.remediate import (
    carry_out,
    delete,
    plan_retire,
    quarantine,
    read_backup,
    restore,
)
from dormant.testing import InMemoryReferenceFinder, InMemoryRoleMutator
from dormant_sim import seed
from dormant_sim.server import SimulatedAws

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
ARN = f"arn:aws:iam::{ACCOUNT}:role/OldJob"
FUNCTION = Reference(
    "AWS::Lambda::Function",
    f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:quarterly",
    "quarterly",
    ACCOUNT,
    "us-east-1",
    "configuration.role",
    "config",
)
RULE = Reference(
    "AWS::Events::Rule",
    f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly",
    "nightly",
    ACCOUNT,
    "us-east-1",
    "configuration.Targets.RoleArn",
    "config",
)


def _role(name: str = "OldJob", *, tags: tuple[tuple[str, str], ...] = ()) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}"[:21],
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=200),
        last_used_region="us-east-1",
        trust_policy={"Version": "2012-10-17", "Statement": []},
        tags=tags,
        account_id=ACCOUNT,
    )


def _account(*roles: Role) -> InMemoryRoleMutator:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    for role in roles:
        mutator.add_role(role)
    return mutator


def _delete(
    mutator: InMemoryRoleMutator, finder: InMemoryReferenceFinder, tmp: Path, **kw: bool
) -> list[Outcome]:
    return list(
        delete(
            mutator,
            [Target("OldJob"), Target("Unused")],
            settings=Settings(),
            now=NOW,
            apply=True,
            backup_dir=tmp,
            clock=lambda: NOW,
            references=finder,
            **kw,
        )
    )


def test_delete_refuses_a_referenced_role_naming_its_references(tmp_path: Path) -> None:
    mutator = _account(_role(), _role("Unused"))
    finder = InMemoryReferenceFinder({ARN: [FUNCTION, RULE]}, source="config")

    outcomes = _delete(mutator, finder, tmp_path)

    assert [(o.role_name, o.status) for o in outcomes] == [
        ("OldJob", Status.REFUSED),
        ("Unused", Status.DONE),
    ]
    assert outcomes[0].message == (
        "role OldJob is referenced by 2 resources and policies: AWS::Lambda::Function "
        "quarterly (configuration.role), AWS::Events::Rule nightly "
        "(configuration.Targets.RoleArn); delete them or repoint them to another role first, "
        "or give --force"
    )
    assert mutator.describe_role("OldJob") is not None
    assert mutator.describe_role("Unused") is None
    assert not (tmp_path / f"{ACCOUNT}-OldJob.json").exists()


def test_force_deletes_and_the_backup_keeps_the_references_for_restore(tmp_path: Path) -> None:
    mutator = _account(_role(), _role("Unused"))
    finder = InMemoryReferenceFinder({ARN: [FUNCTION]}, source="config")

    outcomes = _delete(mutator, finder, tmp_path, force=True)

    assert [o.status for o in outcomes] == [Status.DONE, Status.DONE]
    backup = tmp_path / f"{ACCOUNT}-OldJob.json"
    assert read_backup(backup).references == (FUNCTION,)
    (restored,) = restore(mutator, [backup], apply=True)
    assert restored.status is Status.DONE
    assert (
        "; when it was deleted it was referenced by: AWS::Lambda::Function quarterly "
        "(configuration.role): check that they work again; "
    ) in restored.message


def test_quarantine_goes_ahead_and_its_plan_lists_what_loses_access() -> None:
    mutator = _account(_role())
    finder = InMemoryReferenceFinder({ARN: [FUNCTION]})

    (outcome,) = quarantine(
        mutator, [Target("OldJob")], settings=Settings(), now=NOW, apply=False, references=finder
    )

    assert outcome.status is Status.PLANNED
    assert outcome.message == (
        "would quarantine role OldJob; these will lose access: "
        "AWS::Lambda::Function quarterly (configuration.role)"
    )


def test_retire_keeps_a_referenced_role_due_for_deletion(tmp_path: Path) -> None:
    mutator = _account(_role(), _role("Unused"))
    before = NOW - timedelta(days=40)
    list(
        quarantine(
            mutator,
            [Target("OldJob"), Target("Unused")],
            settings=Settings(),
            now=before,
            apply=True,
            clock=lambda: before,
        )
    )
    finder = InMemoryReferenceFinder({ARN: [FUNCTION]})
    roles = [s.role for s in (mutator.describe_role(n) for n in ("OldJob", "Unused")) if s]

    plan = plan_retire(roles, settings=Settings(), now=NOW, references=finder)

    steps = {r.role_name: (str(r.step), r.reason) for r in plan}
    assert steps["Unused"][0] == "delete"
    assert steps["OldJob"][0] == "keep"
    assert "not deleted: role OldJob is referenced by 1 resource or policy" in steps["OldJob"][1]
    assert finder.asked == [(ARN, f"arn:aws:iam::{ACCOUNT}:role/Unused")]  # one question
    forced = plan_retire(roles, settings=Settings(), now=NOW, references=finder, force=True)
    assert {r.role_name: str(r.step) for r in forced} == {"OldJob": "delete", "Unused": "delete"}
    # The delete step asks again, as `dormant delete` does: without --force it refuses.
    results = list(
        carry_out(
            mutator,
            forced,
            settings=Settings(),
            now=NOW,
            apply=True,
            backup_dir=tmp_path,
            clock=lambda: NOW,
            references=finder,
        )
    )
    statuses = {r.retirement.role_name: r.outcome.status for r in results if r.outcome}
    assert statuses == {"OldJob": Status.REFUSED, "Unused": Status.DONE}


# ---- the command line, with the config source, against the simulation


def _dormant(server: SimulatedAws, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def test_delete_asks_config_when_told_and_iam_always(
    sim_server: SimulatedAws, now: datetime, tmp_path: Path
) -> None:
    home = seed.DEFAULT_ACCOUNT_ID
    role = sim_server.put_role(home, "OldJob", created=now - timedelta(days=400))
    sim_server.put_configuration_recorder(home)
    sim_server.put_referencing_resource(home, "AWS::Lambda::Function", "quarterly", role.arn)
    as_of = now.isoformat()

    plain = _dormant(
        sim_server, "delete", "OldJob", "--backup-dir", str(tmp_path), "--as-of", as_of
    )
    assert plain.returncode == 0, plain.stderr  # iam alone sees nothing: planned
    assert plain.stdout.splitlines()[1].startswith("planned: would back up role OldJob")
    sim_server.recorder.reset()

    asked = _dormant(
        sim_server,
        "delete",
        "OldJob",
        "--backup-dir",
        str(tmp_path),
        "--apply",
        "--references",
        "config",
        "--regions",
        "us-east-1",
    )

    assert asked.returncode == 1
    assert asked.stdout.splitlines()[0] == (
        "refused: role OldJob is referenced by 1 resource or policy: AWS::Lambda::Function "
        "quarterly (configuration.role); delete them or repoint them to another role first, "
        "or give --force"
    )
    counts = sim_server.recorder.counts()
    assert counts["iam:GetAccountAuthorizationDetails"] == 1
    assert counts["config:SelectResourceConfig"] == 1
    assert sim_server.recorder.write_calls() == []
