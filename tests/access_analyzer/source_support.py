"""What the end-to-end tests of `--source access-analyzer` share: the read-only policies
docs/aws-findings.md documents, a caller holding one, and the real command run as it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from dormant_sim.server import SimulatedAws

ACCOUNT = "123456789012"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "aws-findings.md"


def documented_policy(marker: str) -> dict[str, Any]:
    """The policy docs/aws-findings.md shows under ``<!-- marker -->``, for ACCOUNT."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, f"docs/aws-findings.md no longer documents {marker}"
    rendered = match.group(1).replace("<region>", "us-east-1").replace("<account-id>", ACCOUNT)
    policy: dict[str, Any] = json.loads(rendered)
    return policy


def without(policy: dict[str, Any], action: str, filler: str) -> dict[str, Any]:
    """`policy` less one action (`filler` stands in where a statement would be left empty)."""
    for statement in policy["Statement"]:
        actions = statement["Action"]
        actions = actions if isinstance(actions, list) else [actions]
        statement["Action"] = [a for a in actions if a != action] or [filler]
    return policy


def reader(sim: SimulatedAws, policy: dict[str, Any]) -> Any:
    """A user of ACCOUNT holding exactly `policy`."""
    return sim.principal("dormant-findings-reader", kind="user", policies=[policy])


def run_as(sim: SimulatedAws, caller: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    """`dormant ARGV --source access-analyzer` as `caller`, under enforcement."""
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", *argv, "--source", "access-analyzer"],
            capture_output=True,
            text=True,
            env=sim.env(credentials=caller),
            timeout=120,
            check=False,
        )
