"""Helpers shared by the permissions tests: seeding roles with policies and last access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from dormant_sim import access
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


def allow(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def seed_role(
    sim: Simulation,
    name: str,
    now: datetime,
    *,
    actions: Sequence[str] = ("s3:GetObject", "kms:Decrypt", "sqs:SendMessage"),
    used: Mapping[str, float] | None = None,
    age_days: float = 400,
    account_id: str = ACCOUNT,
    path: str = "/",
    tags: Mapping[str, str] | None = None,
) -> str:
    """A role allowed ``actions`` inline, whose services in ``used`` were last used that
    many days before ``now`` (a ``ns:Action`` key also records the action). Returns its ARN."""
    seeded = sim.put_role(
        account_id,
        name,
        path=path,
        created=now - timedelta(days=age_days),
        last_used=now - timedelta(days=1),
        inline_policies={"app": allow(*actions)},
        tags=dict(tags or {}),
    )
    for key, days in (used or {}).items():
        namespace, _, action = key.partition(":")
        access.set_last_access(
            account_id,
            name,
            namespace,
            now - timedelta(days=days),
            region="eu-west-1",
            action=action or None,
        )
    return seeded.arn
