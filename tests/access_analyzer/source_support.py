"""What the end-to-end tests of `--source access-analyzer|securityhub` share: the read-only
policies docs/aws-findings.md documents, a caller holding one, the real command run as it, and
the users and roles each source's findings are about."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.permissions.permissions_support import seed_role

from dormant.core.tags import DEFAULT_EXEMPT_TAG_KEY
from dormant_sim import access, access_analyzer, credentials
from dormant_sim.seed.clients import internal_client
from dormant_sim.seed.users import KeySeed, PasswordSeed
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


def run_as(
    sim: SimulatedAws, caller: Any, *argv: str, source: str = "access-analyzer"
) -> subprocess.CompletedProcess[str]:
    """`dormant ARGV --source SOURCE` as `caller`, under enforcement."""
    with sim.enforcing():
        return subprocess.run(
            [sys.executable, "-m", "dormant", *argv, "--source", source],
            capture_output=True,
            text=True,
            env=sim.env(credentials=caller),
            timeout=120,
            check=False,
        )


def analyzed(sim: SimulatedAws, at: datetime, *, securityhub: bool = False) -> None:
    """An unused-access analyzer (window 90) that analyzed at `at`; with `securityhub`, Security
    Hub's service-linked one, and Security Hub enabled to show its findings."""
    name = "securityhub" if securityhub else "unused"
    access_analyzer.create_analyzer(ACCOUNT, name, endpoint_url=sim.endpoint_url)
    access_analyzer.analyze(at)
    if securityhub:
        hub = internal_client("securityhub", ACCOUNT, endpoint_url=sim.endpoint_url)
        hub.enable_security_hub()


def seeded_users(
    sim: SimulatedAws, *, securityhub: bool = False
) -> tuple[datetime, dict[str, Any]]:
    """AWS analyzed two days ago (window 90); some credentials were used since: idle (one
    key, never used), back (a password, used after the analysis), two (two keys, the second
    used after the analysis), kept (exempt), busy (used now: no finding)."""
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    users = {
        "idle": sim.put_user(ACCOUNT, "idle", created=old, keys=[KeySeed(created=old)]),
        "back": sim.put_user(
            ACCOUNT,
            "back",
            created=old,
            password=PasswordSeed(changed=old, last_used=now - timedelta(days=120)),
        ),
        "two": sim.put_user(
            ACCOUNT,
            "two",
            created=old,
            keys=[
                KeySeed(created=old),
                KeySeed(created=old + timedelta(days=1), last_used=now - timedelta(days=100)),
            ],
        ),
        "kept": sim.put_user(
            ACCOUNT,
            "kept",
            created=old,
            password=PasswordSeed(changed=old),
            tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"},
        ),
        "busy": sim.put_user(
            ACCOUNT, "busy", created=old, keys=[KeySeed(created=old, last_used=now)]
        ),
    }
    analyzed(sim, now - timedelta(days=2), securityhub=securityhub)
    # Used after the analysis: AWS still reports them until its next pass.
    credentials.set_password_last_used(ACCOUNT, "back", now - timedelta(days=1))
    second_key = users["two"].access_key_ids[1]
    credentials.set_access_key_last_used(ACCOUNT, "two", second_key, now - timedelta(days=1))
    return now, users


def seeded_roles(sim: SimulatedAws, *, securityhub: bool = False) -> datetime:
    """AWS analyzed two days ago (window 90): app (kms and sqs unused), actions (only an
    action of a used service unused), kept (exempt), since (kms used after the analysis),
    all-used (no finding)."""
    now = datetime.now(UTC).replace(microsecond=0)
    seed_role(
        sim,  # type: ignore[arg-type]
        "app",
        now,
        actions=("s3:GetObject", "kms:Decrypt", "sqs:SendMessage"),
        used={"s3:GetObject": 3},
    )
    seed_role(
        sim,  # type: ignore[arg-type]
        "actions",
        now,
        actions=("s3:GetObject", "s3:PutObject"),
        used={"s3:GetObject": 3},
    )
    seed_role(
        sim,  # type: ignore[arg-type]
        "kept",
        now,
        actions=("kms:Decrypt",),
        tags={DEFAULT_EXEMPT_TAG_KEY: "until=2099-01-31 audit"},
    )
    seed_role(sim, "since", now, actions=("kms:Decrypt",), used={"kms": 120})  # type: ignore[arg-type]
    seed_role(sim, "all-used", now, actions=("kms:Decrypt",), used={"kms": 2})  # type: ignore[arg-type]
    analyzed(sim, now - timedelta(days=2), securityhub=securityhub)
    access.set_last_access(ACCOUNT, "since", "kms", now - timedelta(days=1))
    return now
