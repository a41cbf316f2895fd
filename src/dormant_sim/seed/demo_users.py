"""The demo account's IAM users: one of each case of the users' decision table.

Expected results hold with the rule parameters ``DEMO_USER_PARAMETERS`` (window 45 days,
allow-list ``/emergency/*``), as of `now`. Used by `dormant demo` and the tests; never
imported by dormant's Lambda path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dormant_sim import credentials
from dormant_sim.seed.users import KeySeed, PasswordSeed, put_user

__all__ = ["DEMO_USER_ALLOW_PATTERNS", "DEMO_USER_PARAMETERS", "DemoUser", "seed_demo_users"]

DEMO_USER_ALLOW_PATTERNS = "/emergency/*"
DEMO_USER_PARAMETERS = {
    "resource_type": "AWS::IAM::User",
    "max_days_for_last_used": "45",
    "allow_list": DEMO_USER_ALLOW_PATTERNS,
}


@dataclass(frozen=True)
class DemoUser:
    name: str
    expected_compliance: str
    expected_annotation: str


def _ago(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days, hours=3)


def seed_demo_users(
    account_id: str, now: datetime, *, endpoint_url: str | None = None
) -> list[DemoUser]:
    """Six users (recently used, stale, never used, allow-listed, no active credential,
    new) in `account_id`; credential reports complete at once, as a demo should."""
    now = now.astimezone(UTC)
    credentials.set_report_polls(0)

    def put(name: str, path: str = "/", **kwargs: object) -> None:
        put_user(account_id, name, path=path, endpoint_url=endpoint_url, **kwargs)  # type: ignore[arg-type]

    put("deploy-bot", "/ci/", created=_ago(now, 400), keys=[KeySeed(_ago(now, 300), _ago(now, 2))])
    put(
        "old-contractor",
        created=_ago(now, 500),
        password=PasswordSeed(_ago(now, 400), _ago(now, 120)),
        keys=[KeySeed(_ago(now, 95))],
    )
    put("ci-legacy", "/ci/", created=_ago(now, 700), keys=[KeySeed(_ago(now, 600), _ago(now, 46))])
    put(
        "breakglass",
        "/emergency/",
        created=_ago(now, 900),
        password=PasswordSeed(_ago(now, 900)),
    )
    put("former-intern", created=_ago(now, 300), keys=[KeySeed(_ago(now, 290), active=False)])
    put("new-hire", created=_ago(now, 10), password=PasswordSeed(_ago(now, 10)))
    return [
        DemoUser("deploy-bot", "COMPLIANT", "Access key 1 last used 2 days ago"),
        DemoUser(
            "old-contractor",
            "NON_COMPLIANT",
            "Password last used 120 days ago; access key 1 never used in 95 days",
        ),
        DemoUser("ci-legacy", "NON_COMPLIANT", "Access key 1 last used 46 days ago"),
        DemoUser("breakglass", "COMPLIANT", "User matches allow-list pattern /emergency/*"),
        DemoUser("former-intern", "COMPLIANT", "No active credentials"),
        DemoUser("new-hire", "COMPLIANT", "Password never used in 10 days"),
    ]
