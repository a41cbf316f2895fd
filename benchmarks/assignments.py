"""Identity Center at organization scale: ``dormant assignments`` over A accounts x S sets.

One simulated management account (``dormant_sim.server.SimulatedAws`` on loopback) holds an
Identity Center instance with S permission sets, each assigned in each of A member accounts
to one of G groups, and every 5th pair also to one of U users; each member account holds the
reserved role of each pair (aged: a third unused for 200 days) and the member role
(OrganizationAccountAccessRole). Every request is delayed by the latency (40 ms), as a real
round trip is. ``dormant assignments --workers W --format json`` runs in a child process.

Exact expectations (exit 1 when broken): one GetAccountAuthorizationDetails page per account,
never one call per role; each principal read once (DescribeUser per user, DescribeGroup and
ListGroupMemberships per group); one ListAccountAssignments per pair (the API's grain); every
pair decided, none failed. The *floor* is the calls made x the latency / W, from the same run:
what W workers need if every call waited only on its round trip. Wall time is reported, never
enforced; so is the simulator's own time beyond the latency (it serves every request from one
process, and moto scans every assignment on each ListAccountAssignments), which is most of
the distance from the floor.

    python benchmarks/assignments.py            # 200 accounts x 20 permission sets
    python benchmarks/assignments.py --quick    # 10 x 4, a few seconds: the harness works

Writes benchmarks/results/assignments-latest.json (a quick run: assignments-quick.json).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    REPO_DIR,
    BenchmarkError,
    fmt_seconds,
    log,
    machine_info,
    ratio,
    run_child,
    server_clock,
    table,
)

MANAGEMENT = "123456789012"
MEMBER_ROLE = "OrganizationAccountAccessRole"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    accounts: int
    sets: int
    groups: int = 10
    users: int = 40
    latency_s: float = 0.04
    workers: int = 16


def _accounts(count: int) -> list[str]:
    return [f"{300000000000 + n:012d}" for n in range(1, count + 1)]


def _seed(sim: Any, plan: Plan, now: datetime) -> dict[str, int]:
    from dormant_sim import identity_center
    from dormant_sim.seed import trust_policy_for_account
    from dormant_sim.seed.identity_center import IdentityCenterSeed

    seed = IdentityCenterSeed(MANAGEMENT, endpoint_url=sim.endpoint_url)
    sets = [seed.permission_set(f"Set{n:02d}", {"owner": f"team-{n}"}) for n in range(plan.sets)]
    users = [seed.user(f"user{n:03d}") for n in range(plan.users)]
    groups = [seed.group(f"group{n:02d}", users[n :: plan.groups]) for n in range(plan.groups)]
    accounts = _accounts(plan.accounts)
    pairs = 0
    used_users: set[str] = set()
    for a, account in enumerate(accounts):
        for s, permission_set in enumerate(sets):
            seed.assign(
                account, permission_set, "GROUP", groups[(a + s) % plan.groups], settle=False
            )
            if (a + s) % 5 == 0:
                user = users[(a * plan.sets + s) % plan.users]
                used_users.add(user)
                seed.assign(account, permission_set, "USER", user, settle=False)
            pairs += 1
    identity_center.settle()
    for a, account in enumerate(accounts):
        for s, permission_set in enumerate(sets):
            stale = (a + s) % 3 == 0
            seed.set_role_use(
                account,
                permission_set,
                created=now - timedelta(days=400),
                last_used=now - timedelta(days=200 if stale else 3),
            )
        sim.put_role(
            account,
            MEMBER_ROLE,
            created=now - timedelta(days=900),
            trust_policy=trust_policy_for_account(MANAGEMENT),
        )
    return {"pairs": pairs, "groups": plan.groups, "users": len(used_users)}


def _expected(plan: Plan, seeded: dict[str, int]) -> dict[str, int]:
    return {
        "sso-admin:ListInstances": 1,
        "sso-admin:ListPermissionSets": math.ceil(plan.sets / 100),
        "sso-admin:DescribePermissionSet": plan.sets,
        "sso-admin:ListTagsForResource": plan.sets,
        "sso-admin:ListAccountsForProvisionedPermissionSet": plan.sets
        * math.ceil(plan.accounts / 100),
        "sso-admin:ListAccountAssignments": seeded["pairs"],
        "identitystore:DescribeGroup": seeded["groups"],
        "identitystore:ListGroupMemberships": seeded["groups"],
        "identitystore:DescribeUser": seeded["users"],
        "sts:GetCallerIdentity": 1,
        "sts:AssumeRole": plan.accounts,
        "iam:GetAccountAuthorizationDetails": plan.accounts,
    }


def run(plan: Plan) -> dict[str, Any]:
    from dormant_sim.server import SimulatedAws

    now = datetime.now(UTC).replace(microsecond=0)
    with SimulatedAws() as sim:
        sim.reset()
        server_clock.install()
        log(f"assignments: seeding {plan.accounts} accounts x {plan.sets} permission sets")
        seeded = _seed(sim, plan, now)
        sim.set_latency(plan.latency_s)
        sim.recorder.reset()
        server_clock.reset()
        log(f"assignments: scanning with {plan.workers} workers, {plan.latency_s * 1000:.0f} ms")
        child = run_child(
            [
                sys.executable,
                "-m",
                "dormant",
                "assignments",
                "--workers",
                str(plan.workers),
                "--format",
                "json",
                "--as-of",
                now.isoformat(),
            ],
            env=sim.env(),
            ok_codes=(1,),
        )
        calls = sim.recorder.counts()
        server_s, requests = server_clock.read()
    report = json.loads(child.stdout)
    decided = Counter(f["compliance"] for f in report["findings"])
    if report["failures"] or sum(decided.values()) != seeded["pairs"]:
        raise BenchmarkError(f"{dict(decided)} decided, failures {report['failures'][:2]}")
    expected = _expected(plan, seeded)
    if calls != expected:
        raise BenchmarkError(f"calls {calls}, expected {expected}")
    total = sum(calls.values())
    floor = total * plan.latency_s / plan.workers
    return {
        "plan": asdict(plan),
        "seeded": seeded,
        "decided": dict(decided),
        "calls": calls,
        "calls_total": total,
        "wall_s": round(child.wall_s, 2),
        "cpu_s": round(child.cpu_s, 2),
        "max_rss_mb": round(child.max_rss_mb, 1),
        "floor_s": round(floor, 2),
        "wall_over_floor": ratio(child.wall_s, floor),
        "server_s": round(server_s, 2),
        "server_requests": requests,
        # The simulator's own work beyond the injected latency, summed over its threads: one
        # process (one GIL) serves every request, so this bounds the wall time from below.
        "server_beyond_latency_s": round(server_s - requests * plan.latency_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 accounts x 4 sets")
    parser.add_argument("--output", metavar="FILE", default=None, help="where the JSON goes")
    args = parser.parse_args()
    plan = (
        Plan(10, 4, groups=3, users=6, latency_s=0.01, workers=4) if args.quick else Plan(200, 20)
    )
    result = run(plan)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO_DIR
    ).stdout.strip()
    result["machine"] = machine_info()
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["commit"] = commit
    name = "assignments-quick.json" if args.quick else "assignments-latest.json"
    output = Path(args.output) if args.output else RESULTS / name
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rows = [[op, n] for op, n in sorted(result["calls"].items())]
    print(table(["call", "count"], rows))
    print(
        f"\n{plan.accounts} accounts x {plan.sets} sets ({result['seeded']['pairs']} pairs): "
        f"wall {fmt_seconds(result['wall_s'])}, floor {fmt_seconds(result['floor_s'])} "
        f"({result['calls_total']} calls x {plan.latency_s * 1000:.0f} ms / {plan.workers} "
        f"workers), wall/floor {result['wall_over_floor']}, CPU {fmt_seconds(result['cpu_s'])}, "
        f"peak RSS {result['max_rss_mb']} MB; the simulator worked "
        f"{fmt_seconds(result['server_beyond_latency_s'])} beyond the latency"
    )


if __name__ == "__main__":
    main()
