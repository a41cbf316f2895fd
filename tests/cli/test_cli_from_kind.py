"""`--from` takes only the kind of document its command acts on, and every JSON report says
its kind.

`dormant permissions -f json | dormant delete --from -` must not target roles that are in use:
each consumer refuses a document of another kind with one line naming the kind it got and
the one it needs (exit 2), before any AWS call.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dormant_sim import credentials
from dormant_sim.server import SimulatedAws


def _document(kind: str | None) -> str:
    document: dict[str, object] = {
        "findings": [
            {
                "account_id": "123456789012",
                "role_name": "AppRole",
                "user_name": "alice",
                "compliance": "NON_COMPLIANT",
            }
        ]
    }
    if kind is not None:
        document = {"kind": kind, **document}
    return json.dumps(document)


SCAN = "kind scan (`dormant scan --format json`)"
PERMISSIONS = "kind permissions (`dormant permissions --format json`)"
USERS = "kind users (`dormant users --format json`)"


# (command line, kind of the document piped in, what the error names as needed)
REFUSED = [
    (("delete", "--backup-dir", "{tmp}"), "permissions", SCAN),
    (("delete", "--backup-dir", "{tmp}"), "users", SCAN),
    (("quarantine",), "permissions", f"{SCAN} or {USERS}"),
    (("quarantine",), "report", f"{SCAN} or {USERS}"),
    (("quarantine",), None, f"{SCAN} or {USERS}"),
    (("restrict",), "scan", PERMISSIONS),
    (("restrict",), "users", PERMISSIONS),
    (("release",), "report", f"{SCAN}, {PERMISSIONS} or {USERS}"),
    (("quarantine", "--user", "bob"), "scan", USERS),
    (("release", "--user", "bob"), "permissions", USERS),
]


@pytest.mark.parametrize(("command", "kind", "needed"), REFUSED)
def test_from_refuses_a_document_of_another_kind(
    dormant: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path: Path,
    command: tuple[str, ...],
    kind: str | None,
    needed: str,
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = dormant(*args, "--from", "-", input=_document(kind))
    assert result.returncode == 2, result.stdout + result.stderr
    got = "no kind" if kind is None else f"kind {kind}"
    assert result.stderr.splitlines() == [
        f"dormant: error: invalid parameter --from: standard input is a document of {got}; "
        f"dormant {command[0]} --from takes {needed}"
    ]
    assert result.stdout == ""


def test_every_json_report_says_its_kind(
    dormant: Callable[..., subprocess.CompletedProcess[str]],
    example: Path,
    sim_server: SimulatedAws,
) -> None:
    credentials.set_report_polls(0)
    kinds = {
        "scan": ("scan", "--snapshot", str(example), "-f", "json"),
        "users": ("users", "-f", "json"),
        "permissions": ("permissions", "--all", "-f", "json"),
        "retire": ("retire", "--format", "json"),
        "cost": ("cost", "--roles", "10", "--format", "json"),
    }
    for kind, args in kinds.items():
        result = dormant(*args, env=sim_server.env())
        assert result.returncode in (0, 1), result.stderr
        assert json.loads(result.stdout)["kind"] == kind
