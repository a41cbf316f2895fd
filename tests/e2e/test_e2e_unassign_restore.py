"""`dormant unassign` then `dormant restore`, as the operator holding exactly the documented
policies under enforcement: the pair's assignments go, then come back exactly as they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from assignments_support import Organization, build
from click.testing import CliRunner, Result

from dormant.cli.main import cli
from dormant_sim.server import Simulation

ACCOUNT = "222222222222"


def _run(sim: Simulation, organization: Organization, *args: str) -> Result:
    with sim.acting_as(organization.operator), sim.enforcing():
        return CliRunner().invoke(cli, list(args))


def test_unassign_then_restore_round_trips_the_assignments(sim: Simulation, tmp_path: Path) -> None:
    # unassign judges as of the clock: the organization is aged from it.
    organization = build(sim, datetime.now(UTC))
    admin = organization.sets["AdministratorAccess"]
    before = organization.seed.assignments(ACCOUNT, admin)
    assert len(before) == 2  # the group and a user

    dry = _run(sim, organization, "unassign", ACCOUNT, "AdministratorAccess")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.count("planned: would remove") == 2
    assert organization.seed.assignments(ACCOUNT, admin) == before  # a dry run changes nothing

    backups = tmp_path / "backups"
    done = _run(
        sim,
        organization,
        "unassign",
        ACCOUNT,
        "AdministratorAccess",
        "--apply",
        "--backup-dir",
        str(backups),
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.count("done: removed") == 2
    assert organization.seed.assignments(ACCOUNT, admin) == []
    [backup] = backups.iterdir()
    saved = json.loads(backup.read_text())
    assert saved["format"] == "dormant.assignments-backup"
    assert {a["DisplayName"] for a in saved["assignments"]} == {"Platform-Admins", "bwong"}

    restored = _run(sim, organization, "restore", str(backup), "--apply")
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.count("done: gave") == 2
    assert organization.seed.assignments(ACCOUNT, admin) == before
    # The permission set itself was never changed: still there, with its tags.
    again = _run(sim, organization, "restore", str(backup), "--apply")
    assert again.stdout.count("unchanged:") == 2


def test_restore_names_a_principal_deleted_since(sim: Simulation, tmp_path: Path) -> None:
    # unassign judges as of the clock: the organization is aged from it.
    organization = build(sim, datetime.now(UTC))
    backups = tmp_path / "backups"
    done = _run(
        sim,
        organization,
        "unassign",
        ACCOUNT,
        "AdministratorAccess",
        "--apply",
        "--backup-dir",
        str(backups),
    )
    assert done.exit_code == 0, done.output
    organization.seed.delete_user(organization.users["bwong"])
    [backup] = backups.iterdir()
    restored = _run(sim, organization, "restore", str(backup), "--apply")
    assert restored.exit_code == 1
    assert "failed: user bwong [" in restored.stdout
    assert "no longer exists in the identity store" in restored.stdout
    assert "done: gave group Platform-Admins (2 members)" in restored.stdout


def test_a_used_an_exempt_and_a_capped_pair_are_refused(sim: Simulation) -> None:
    organization = build(sim, datetime.now(UTC))
    used = _run(sim, organization, "unassign", "111111111111", "AdministratorAccess")
    assert used.exit_code == 1
    assert (
        "refused: permission set AdministratorAccess in account 111111111111 is kept: it was used"
        in used.stdout
    )
    exempt = _run(sim, organization, "unassign", "333333333333", "Billing")
    assert "is kept: it is exempt" in exempt.stdout
    capped = _run(
        sim,
        organization,
        "unassign",
        ACCOUNT,
        "AdministratorAccess",
        "--max-assignments",
        "1",
    )
    assert capped.exit_code == 2
    assert "more than the limit of 1" in capped.stderr
    only = _run(
        sim,
        organization,
        "unassign",
        ACCOUNT,
        "AdministratorAccess",
        "--principal",
        "bwong",
    )
    assert only.stdout.count("planned: would remove") == 1
    assert "user bwong" in only.stdout
