"""The demo's unused permissions: which services one used role of the demo account uses.

`seed_demo_last_access` records, in the simulated service-last-accessed data
(`dormant_sim.access`), that the demo's `AdminRole` (AdministratorAccess, used 46 days ago)
used only a few of the services it is granted; jobs complete at their first poll. Used by
`dormant demo` and the tests; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dormant_sim import access

__all__ = ["DEMO_PERMISSIONS_ROLE", "DEMO_USED_SERVICES", "seed_demo_last_access"]

DEMO_PERMISSIONS_ROLE = "AdminRole"
# Namespace -> days since the role last used it.
DEMO_USED_SERVICES = {"cloudformation": 2, "logs": 5, "s3": 46}


def seed_demo_last_access(account_id: str, now: datetime) -> str:
    """Record the demo role's service use; returns the role's name."""
    access.set_polls_to_complete(0)
    for namespace, days in DEMO_USED_SERVICES.items():
        access.set_last_access(
            account_id,
            DEMO_PERMISSIONS_ROLE,
            namespace,
            now - timedelta(days=days, hours=3),
            region="us-west-2",
        )
    access.set_last_access(
        account_id,
        DEMO_PERMISSIONS_ROLE,
        "s3",
        now - timedelta(days=46, hours=3),
        region="us-west-2",
        action="GetObject",
    )
    return DEMO_PERMISSIONS_ROLE
