"""boto3 clients for the simulation: fake credentials, and seeding clients it does not record.

Seeding clients' requests carry `dormant_sim.dispatch.SIM_INTERNAL_HEADER`, so they are neither
recorded, delayed nor failed by injections, and select their account with moto's
`x-moto-account-id` header (never the MOTO_ACCOUNT_ID environment variable, which would
override every caller's account). Test and demo support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import boto3

from dormant_sim.dispatch import SIM_INTERNAL_HEADER

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "fake_session",
    "internal_client",
    "new_client",
]

DEFAULT_ACCOUNT_ID = "123456789012"  # the account moto gives credentials it does not know
FAKE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # a documented example key


def _mark_internal(request: Any, account_id: str, **_: Any) -> None:
    request.headers[SIM_INTERNAL_HEADER] = "1"
    request.headers["x-moto-account-id"] = account_id


_session_lock = threading.Lock()
_sessions: dict[str, boto3.session.Session] = {}
_internal_clients: dict[tuple[str, str, str, str | None], Any] = {}


def fake_session(region: str = "us-east-1") -> boto3.session.Session:
    """A shared boto3 session with the fake credentials (sharing it caches service models)."""
    with _session_lock:
        session = _sessions.get(region)
        if session is None:
            session = boto3.session.Session(
                aws_access_key_id=FAKE_ACCESS_KEY_ID,
                aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
                region_name=region,
            )
            _sessions[region] = session
        return session


def new_client(service: str, *, region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    """A new boto3 client with the fake credentials (creating clients is not thread-safe)."""
    session = fake_session(region)
    with _session_lock:
        return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]


def internal_client(
    service: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
    *,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
) -> Any:
    """A boto3 client acting in `account_id` whose calls the simulation does not record.

    `endpoint_url=None` talks to the in-process `mock_aws()` (which must be active).
    Clients are cached: they carry no state that a reset of the simulation invalidates.
    """
    key = (service, account_id, region, endpoint_url)
    with _session_lock:
        cached = _internal_clients.get(key)
    if cached is not None:
        return cached
    client = new_client(service, region=region, endpoint_url=endpoint_url)
    client.meta.events.register(
        "before-sign.*.*", functools.partial(_mark_internal, account_id=account_id)
    )
    with _session_lock:
        return _internal_clients.setdefault(key, client)
