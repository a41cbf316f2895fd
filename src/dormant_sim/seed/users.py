"""Seed IAM users into simulated accounts: passwords and access keys with ages and last use.

Users, login profiles and keys are created through the IAM API of the simulation (so moto
validates names and paths as IAM would); then the facts no API can set (creation times,
last use) are written through `dormant_sim.credentials`. `bulk_users` skips the API for
benchmark-sized accounts. Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from moto.iam import models as iam_models

from dormant_sim import credentials
from dormant_sim.seed.clients import internal_client

__all__ = ["KeySeed", "PasswordSeed", "SeededUser", "bulk_users", "put_user"]

# Login profiles need a password that passes the default policy; no one ever signs in.
_SEED_PASSWORD = "Dormant-Sim-Passw0rd!"


@dataclass(frozen=True)
class PasswordSeed:
    """A console password: when it was set, and when it was last used (None: never)."""

    changed: datetime
    last_used: datetime | None = None


@dataclass(frozen=True)
class KeySeed:
    """An access key: when it was created, whether it is active, its last use."""

    created: datetime
    last_used: datetime | None = None
    active: bool = True
    region: str = "us-east-1"
    service: str = "s3"


@dataclass(frozen=True)
class SeededUser:
    account_id: str
    name: str
    path: str
    user_id: str
    arn: str
    access_key_ids: tuple[str, ...] = ()


def put_user(
    account_id: str,
    name: str,
    *,
    created: datetime,
    path: str = "/",
    password: PasswordSeed | None = None,
    keys: Sequence[KeySeed] = (),
    tags: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
) -> SeededUser:
    """Create one user with the given credentials, as IAM would show them."""
    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    user = iam.create_user(UserName=name, Path=path, Tags=tag_list)["User"]
    credentials.set_user_created(account_id, name, created)
    if password is not None:
        iam.create_login_profile(UserName=name, Password=_SEED_PASSWORD)
        credentials.set_password_changed(account_id, name, password.changed)
        credentials.set_password_last_used(account_id, name, password.last_used)
    key_ids: list[str] = []
    for key in keys:
        key_id = str(iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"])
        if not key.active:
            iam.update_access_key(UserName=name, AccessKeyId=key_id, Status="Inactive")
        credentials.set_access_key_created(account_id, name, key_id, key.created)
        credentials.set_access_key_last_used(
            account_id, name, key_id, key.last_used, region=key.region, service=key.service
        )
        key_ids.append(key_id)
    return SeededUser(
        account_id=account_id,
        name=name,
        path=path,
        user_id=str(user["UserId"]),
        arn=str(user["Arn"]),
        access_key_ids=tuple(key_ids),
    )


def bulk_users(
    account_id: str, count: int, *, now: datetime, prefix: str = "bulk-user"
) -> list[SeededUser]:
    """``count`` users straight into moto's backend, each with one access key; every third
    key unused for a year, the others used yesterday. For benchmarks: no API calls."""
    backend = iam_models.iam_backends[account_id]["aws"]
    seeded: list[SeededUser] = []
    for index in range(count):
        name = f"{prefix}-{index:06d}"
        user = backend.create_user("us-east-1", name, "/")
        user.create_date = now - timedelta(days=800)
        key = user.create_access_key(prefix="AKIA")
        backend.access_keys[key.physical_resource_id] = key
        key.create_date = now - timedelta(days=700)
        used = now - timedelta(days=365 if index % 3 == 0 else 1)
        key.last_used = iam_models.AccessKeyLastUsed(used, "s3", "us-east-1")
        seeded.append(SeededUser(account_id, name, "/", user.id, user.arn, (key.access_key_id,)))
    return seeded
