"""`dormant retire --assignments` as the operator holding exactly the documented policies
under enforcement: refused outside the management account, a notice first, then on the
announced day the unassignment with its backup, and restore gives the assignments back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assignments_support import DENIED, MEMBERS, Organization, build, policies
from click.testing import CliRunner, Result

from dormant.assignments.aws_accounts import check_administrator
from dormant.assignments.remediate.notices import NOTICES_NAME
from dormant.cli.common import user_session
from dormant.cli.main import cli
from dormant_sim.server import Simulation
from webhook_support import Hook, serve


def _run(sim: Simulation, organization: Organization, *args: str) -> Result:
    with sim.acting_as(organization.operator), sim.enforcing():
        return CliRunner().invoke(cli, list(args))


def _retire(url: str, backups: Path, *more: str) -> list[str]:
    return [
        "retire",
        "--assignments",
        "--notice-days",
        "7",
        "--notify",
        f"webhook:{url}",
        "--default-owner",
        "identity-team",
        "--backup-dir",
        str(backups),
        *more,
    ]


def test_notice_then_unassign_then_restore(sim: Simulation, tmp_path: Path) -> None:
    # retire judges as of the clock: the organization is aged from it.
    organization = build(sim, datetime.now(UTC), retire=True)
    sim.create_organization((*MEMBERS, DENIED))
    readonly = organization.sets["ReadOnly"]
    before = organization.seed.assignments("111111111111", readonly)
    backups = tmp_path / "backups"
    hook = Hook()
    with serve(hook, "/hook") as url:
        dry = _run(sim, organization, *_retire(url, backups))
        assert "dry run: nothing will be changed" in dry.stdout
        assert hook.bodies == []
        assert not backups.exists()

        first = _run(sim, organization, *_retire(url, backups, "--apply"))
        # The denied account is reported and skipped: exit 1, the others go on.
        assert first.exit_code == 1, first.output
        assert f"account {DENIED}: not read" in first.stdout
        assert "from the management account 123456789012" in first.stdout
        lines = [line.split(":")[0].split() for line in first.stdout.splitlines()]
        noticed = {" ".join(words[1:]) for words in lines if words[:1] == ["notify"]}
        assert noticed == {
            "ReadOnly in 111111111111",
            "AdministratorAccess in 222222222222",
            "ReadOnly in 333333333333",
        }
        assert "unassign" not in {words[0] for words in lines if words}
        text = json.dumps(hook.bodies)
        assert "ReadOnly in 111111111111: unassigned on" in text
        assert organization.seed.assignments("111111111111", readonly) == before

        # As if the seven days' notice had been given eight days ago: the notice day counts
        # as none, so today is its announced day.
        document = json.loads((backups / NOTICES_NAME).read_text())
        given = (datetime.now(UTC) - timedelta(days=8)).date().isoformat()
        document["notices"] = dict.fromkeys(document["notices"], given)
        (backups / NOTICES_NAME).write_text(json.dumps(document))

        second = _run(sim, organization, *_retire(url, backups, "--apply", "--max-roles", "2"))
    assert second.exit_code == 1, second.output  # the denied account, still
    assert second.stdout.count("done: removed") >= 2
    assert "summary: notify 0, unassign 2, clear 0, keep 1; done 2, failed 0" in second.stdout
    assert (
        organization.seed.assignments("222222222222", organization.sets["AdministratorAccess"])
        == []
    )
    saved = sorted(p for p in backups.iterdir() if p.name != NOTICES_NAME)
    assert len(saved) == 2
    # The capped pair keeps its notice; the unassigned ones lose theirs.
    assert len(json.loads((backups / NOTICES_NAME).read_text())["notices"]) == 1

    for backup in saved:
        restored = _run(sim, organization, "restore", str(backup), "--apply")
        assert restored.exit_code == 0, restored.output
    assert organization.seed.assignments("222222222222", organization.sets["AdministratorAccess"])


def test_a_member_account_is_refused_with_one_line(sim: Simulation, tmp_path: Path) -> None:
    organization = build(sim, datetime.now(UTC), retire=True)
    sim.create_organization((*MEMBERS, DENIED))
    documents = policies()
    member = sim.principal(
        "member-operator",
        policies={"read": documents["AssignmentsRead"], "retire": documents["AssignmentsRetire"]},
        account_id="111111111111",
    )
    with sim.acting_as(member), sim.enforcing():
        result = CliRunner().invoke(
            cli, _retire("http://127.0.0.1:9/hook", tmp_path / "b", "--apply")
        )
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "dormant: error: account 111111111111 is neither the organization's management account "
        "(123456789012) nor Identity Center's delegated administrator: run dormant retire "
        "--assignments there; nothing was changed"
    ]
    assert not (tmp_path / "b").exists()
    assert organization.seed.assignments("111111111111", organization.sets["ReadOnly"])


def test_without_notice_days_nothing_is_read(sim: Simulation, tmp_path: Path) -> None:
    organization = build(sim, datetime.now(UTC), retire=True)
    result = _run(sim, organization, "retire", "--assignments", "--backup-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "only removed after its owner was told" in result.stderr


def test_the_delegated_administrator_passes_the_check(sim: Simulation) -> None:
    build(sim, datetime.now(UTC), retire=True)
    sim.create_organization((*MEMBERS, DENIED))
    sim.client("organizations").register_delegated_administrator(
        AccountId="333333333333", ServicePrincipal="sso.amazonaws.com"
    )
    documents = policies()
    admin = sim.principal(
        "delegated-operator",
        policies={"retire": documents["AssignmentsRetire"]},
        account_id="333333333333",
    )
    with sim.acting_as(admin), sim.enforcing():
        where = check_administrator(user_session(None, None), "333333333333")
    assert where == "delegated administrator"
    operator = sim.principal(
        "management-operator", policies={"retire": documents["AssignmentsRetire"]}
    )
    with sim.acting_as(operator), sim.enforcing():
        assert check_administrator(user_session(None, None), "123456789012") == "management"
