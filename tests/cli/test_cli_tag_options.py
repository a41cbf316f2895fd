"""Every command that offers --exempt-tag and --owner-tags hands them to its decision.

The commands are found by walking the registry of `dormant.cli.main` (groups included), so a
command that gains the options without a case here fails this test. Each case runs the real
command line against the loopback simulation with `--exempt-tag corp:exempt --owner-tags
corp:owner`, on resources tagged with those keys only: the one exempt under `corp:exempt` is
spared, and the owner named by `corp:owner` shows up beside the unused one. Run again with
`--max-exemption-days 30`, the same exemption (it has no until=) no longer counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest

from dormant.cli.main import cli
from dormant_sim import access, credentials
from dormant_sim.seed import KeySeed, PasswordSeed
from dormant_sim.server import SimulatedAws
from remediation_support import ACCOUNT, READ_BUCKET, WRITE_LOGS

TAG_ARGS = ("--exempt-tag", "corp:exempt", "--owner-tags", "corp:owner")
EXEMPT = {"corp:exempt": "kept for audits"}
OWNED = {"corp:owner": "dev-team"}
USE_KMS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}],
}
SPARED_ANNOTATION = "Exempt by tag corp:exempt: kept for audits"


def _walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from _walk(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def _commands_with(option: str) -> set[str]:
    return {
        path
        for path, command in _walk(cli)
        if any(option in getattr(p, "opts", ()) for p in command.params)
    }


CEILING_ARGS = ("--max-exemption-days", "30")
IGNORED_NOTE = "(exemption ignored: no until= within the 30-day limit)"


def run(
    server: SimulatedAws, *args: str, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dormant", *args, *TAG_ARGS, *extra],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=120,
        check=False,
    )


def _seed_roles(server: SimulatedAws, now: datetime) -> None:
    access.set_polls_to_complete(0)
    for name, tags in (("KeptRole", EXEMPT), ("OwnedRole", OWNED)):
        server.put_role(
            ACCOUNT,
            name,
            created=now - timedelta(days=400),
            last_used=now - timedelta(days=200),
            inline_policies={"write-logs": WRITE_LOGS, "read-bucket": READ_BUCKET, "keys": USE_KMS},
            tags=tags,
        )
        for namespace in ("s3", "logs"):  # used: restrict has something to leave alone
            access.set_last_access(ACCOUNT, name, namespace, now - timedelta(days=2))


def _seed_users(server: SimulatedAws, now: datetime) -> None:
    credentials.set_report_polls(0)
    for name, tags in (("kept-user", EXEMPT), ("owned-user", OWNED)):
        server.put_user(
            ACCOUNT,
            name,
            created=now - timedelta(days=400),
            password=PasswordSeed(
                changed=now - timedelta(days=300), last_used=now - timedelta(days=90)
            ),
            keys=[KeySeed(created=now - timedelta(days=200), last_used=now - timedelta(days=60))],
            tags=tags,
        )


def _seed_sets(server: SimulatedAws, now: datetime) -> None:
    """Identity Center: the sets named as the roles are, assigned in the caller's account."""
    from dormant_sim.seed.identity_center import IdentityCenterSeed

    seed = IdentityCenterSeed(ACCOUNT, endpoint_url=server.endpoint_url)
    user = seed.user("jdoe")
    for name, tags in (("KeptRole", EXEMPT), ("OwnedRole", OWNED)):
        arn = seed.permission_set(name, tags)
        seed.assign(ACCOUNT, arn, "USER", user)
        seed.set_role_use(
            ACCOUNT, arn, created=now - timedelta(days=400), last_used=now - timedelta(days=200)
        )


def _unassign_refused(stdout: str, server: SimulatedAws) -> None:
    assert any(
        line.startswith("refused: permission set KeptRole") and "it is exempt" in line
        for line in stdout.splitlines()
    ), stdout


def _findings(stdout: str, key: str) -> dict[str, dict[str, Any]]:
    return {f[key]: f for f in json.loads(stdout)["findings"]}


def _report(key: str) -> Callable[[str, SimulatedAws], None]:
    def check(stdout: str, server: SimulatedAws) -> None:
        kept, owned = (
            ("kept-user", "owned-user") if key == "user_name" else ("KeptRole", "OwnedRole")
        )
        found = _findings(stdout, key)
        assert (found[kept]["compliance"], found[kept]["reason"]) == ("COMPLIANT", "exempt")
        assert found[kept]["annotation"] == SPARED_ANNOTATION
        assert found[owned]["compliance"] == "NON_COMPLIANT"
        assert found[owned]["annotation"].endswith("Owner: dev-team.")

    return check


def _report_ignored(key: str) -> Callable[[str, SimulatedAws], None]:
    def check(stdout: str, server: SimulatedAws) -> None:
        kept = "kept-user" if key == "user_name" else "KeptRole"
        found = _findings(stdout, key)[kept]
        assert found["compliance"] == "NON_COMPLIANT"
        assert IGNORED_NOTE in found["annotation"]

    return check


def _planned(kept: str) -> Callable[[str, SimulatedAws], None]:
    def check(stdout: str, server: SimulatedAws) -> None:
        assert any(
            line.startswith("planned: would ") and kept in line for line in stdout.splitlines()
        ), stdout

    return check


def _export_ignored(stdout: str, server: SimulatedAws) -> None:
    assert "2 findings of non-compliant roles" in stdout
    found = server.client("securityhub").get_findings(MaxResults=100)["Findings"]
    [kept] = [f for f in found if "KeptRole" in f["Resources"][0]["Id"]]
    assert IGNORED_NOTE in kept["Description"]


def _retire_ignored(stdout: str, server: SimulatedAws) -> None:
    [line] = [line for line in stdout.splitlines() if "KeptRole" in line]
    assert "quarantine" in line


def _outcomes(kept: str, owned: str) -> Callable[[str, SimulatedAws], None]:
    def check(stdout: str, server: SimulatedAws) -> None:
        lines = stdout.splitlines()
        assert any(
            line.startswith(f"skipped: {kept} is no longer unused (COMPLIANT: {SPARED_ANNOTATION}")
            or line.startswith(f"refused: {kept} has no unused services to deny")
            for line in lines
        ), stdout
        assert any(
            line.startswith("planned: would ") and owned in line and "(owner: dev-team)" in line
            for line in lines
        ), stdout

    return check


def _export(stdout: str, server: SimulatedAws) -> None:
    assert "1 findings of non-compliant roles to import as ACTIVE (1 new, 0 updated)" in stdout
    found = server.client("securityhub").get_findings(MaxResults=100)["Findings"]
    [finding] = found
    assert finding["Resources"][0]["Details"]["AwsIamRole"]["RoleName"] == "OwnedRole"
    assert finding["Description"].endswith("Owner: dev-team.")


def _retire(stdout: str, server: SimulatedAws) -> None:
    assert "KeptRole" not in stdout  # exempt: compliant, not quarantined, not listed
    [line] = [line for line in stdout.splitlines() if "OwnedRole" in line]
    assert "quarantine" in line
    assert "Owner: dev-team." in line


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    seed: Callable[[SimulatedAws, datetime], None]
    check: Callable[[str, SimulatedAws], None]
    # What the same run shows with --max-exemption-days 30: the undated exemption ignored.
    ceiling: Callable[[str, SimulatedAws], None]
    exit_codes: tuple[int, ...] = (0, 1)


def _hub(server: SimulatedAws, now: datetime) -> None:
    _seed_roles(server, now)
    server.client("securityhub").enable_security_hub()


# command path -> its cases; quarantine covers roles and --user.
CASES: dict[str, dict[str, Case]] = {
    "scan": {
        "roles": Case(
            ("scan", "-f", "json"), _seed_roles, _report("role_name"), _report_ignored("role_name")
        )
    },
    "export securityhub": {
        "roles": Case(("export", "securityhub", "--apply"), _hub, _export, _export_ignored),
    },
    "users": {
        "users": Case(
            ("users", "-f", "json"), _seed_users, _report("user_name"), _report_ignored("user_name")
        )
    },
    "permissions": {
        "roles": Case(
            ("permissions", "KeptRole", "OwnedRole", "-f", "json"),
            _seed_roles,
            _report("role_name"),
            _report_ignored("role_name"),
        )
    },
    "restrict": {
        "roles": Case(
            ("restrict", "KeptRole", "OwnedRole"),
            _seed_roles,
            _outcomes("role KeptRole", "role OwnedRole"),
            _planned("role KeptRole"),
        )
    },
    "quarantine": {
        "roles": Case(
            ("quarantine", "KeptRole", "OwnedRole"),
            _seed_roles,
            _outcomes("role KeptRole", "role OwnedRole"),
            _planned("role KeptRole"),
        ),
        "users": Case(
            ("quarantine", "--user", "kept-user", "--user", "owned-user"),
            _seed_users,
            _outcomes("user kept-user", "user owned-user"),
            _planned("user kept-user"),
        ),
    },
    "delete": {
        "roles": Case(
            ("delete", "KeptRole", "OwnedRole", "--backup-dir", "{tmp}"),
            _seed_roles,
            _outcomes("role KeptRole", "role OwnedRole"),
            _planned("role KeptRole"),
        )
    },
    "retire": {"roles": Case(("retire",), _seed_roles, _retire, _retire_ignored)},
    "assignments": {
        "permission sets": Case(
            ("assignments", "-f", "json"),
            _seed_sets,
            _report("permission_set_name"),
            _report_ignored("permission_set_name"),
            exit_codes=(1,),
        )
    },
    "unassign": {
        "permission sets": Case(
            ("unassign", ACCOUNT, "KeptRole"),
            _seed_sets,
            _unassign_refused,
            _planned("permission set KeptRole"),
        )
    },
}


def _cases() -> Iterator[Any]:
    offered = _commands_with("--exempt-tag") | _commands_with("--owner-tags")
    for path in sorted(offered | set(CASES)):
        for variant, case in CASES.get(path, {"?": None}).items():  # type: ignore[dict-item]
            yield pytest.param(path, case, id=f"{path}[{variant}]")


@pytest.mark.parametrize(("path", "case"), list(_cases()))
def test_the_tag_options_reach_the_decision(
    path: str, case: Case | None, sim_server: SimulatedAws, tmp_path: Path
) -> None:
    assert case is not None, f"dormant {path} offers the tag options but has no case here"
    assert path in _commands_with("--exempt-tag"), f"dormant {path} lost --exempt-tag"
    assert path in _commands_with("--owner-tags"), f"dormant {path} lost --owner-tags"
    assert path in _commands_with("--max-exemption-days"), f"{path} lost --max-exemption-days"
    now = datetime.now(UTC).replace(microsecond=0)
    case.seed(sim_server, now)
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in case.args)
    result = run(sim_server, *args)
    assert result.returncode in case.exit_codes, result.stdout + result.stderr
    case.check(result.stdout, sim_server)


@pytest.mark.parametrize(("path", "case"), list(_cases()))
def test_the_exemption_ceiling_reaches_the_decision(
    path: str, case: Case | None, sim_server: SimulatedAws, tmp_path: Path
) -> None:
    assert case is not None, f"dormant {path} offers the tag options but has no case here"
    now = datetime.now(UTC).replace(microsecond=0)
    case.seed(sim_server, now)
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in case.args)
    result = run(sim_server, *args, extra=CEILING_ARGS)
    assert result.returncode in case.exit_codes, result.stdout + result.stderr
    case.ceiling(result.stdout, sim_server)


# Should a command reach AWS before rejecting the option, it finds a closed loopback port.
_OFFLINE = {
    "PATH": os.environ.get("PATH", ""),
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# What a command needs before it reads its options' values at all.
_REQUIRED = {
    "permissions": ("--all",),
    "delete": ("--backup-dir", "backups"),
    "unassign": ("111111111111", "ReadOnly"),
}


@pytest.mark.parametrize("path", sorted(_commands_with("--max-exemption-days")))
@pytest.mark.parametrize("value", ["0", "3651", "soon"])
def test_a_bad_ceiling_exits_2_naming_the_option(path: str, value: str, tmp_path: Path) -> None:
    command = (*path.split(), *_REQUIRED.get(path, ()), "--max-exemption-days", value)
    result = subprocess.run(
        [sys.executable, "-m", "dormant", *command],
        cwd=tmp_path,
        env=_OFFLINE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = [line for line in result.stderr.splitlines() if "--max-exemption-days" in line]
    assert "1 to 3650" in line
