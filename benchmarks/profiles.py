"""Profile one benchmarked program with pyinstrument, the way the README's findings were made.

    python benchmarks/profiles.py handler [--roles 10000]   # Lambda handler, daily run
    python benchmarks/profiles.py scan [--roles 100000]     # dormant scan --snapshot
    python benchmarks/profiles.py org [--accounts 60]       # opening and scanning accounts

The program runs in a child process under ``python -m pyinstrument``, against the simulated
AWS on loopback (40 ms per request) where it needs one; the report is written to
``benchmarks/.data/profile-<what>.txt`` and its path printed. Profiling slows the program
several times over: read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime

from _common import BENCH_DIR, DATA_DIR, client_argv, log, run_child

LATENCY_S = 0.04

# Opening and scanning accounts one after another in the main thread: pyinstrument samples
# only the thread it starts in, and scan_accounts works in a thread pool.
_ORG_PROGRAM = """
import sys
from datetime import UTC, datetime

import boto3

from dormant.aws.calls import CallCounter
from dormant.aws.orgs import AccountSessions, caller_identity
from dormant.aws.session import client_config
from dormant.core.settings import Settings
from dormant.roles.aws_accounts import RoleOpener
from dormant.roles.scan import scan

accounts = open(sys.argv[1], encoding="utf-8").read().split()
session = boto3.session.Session()
counter = CallCounter()
caller = caller_identity(session, client_config(), counter=counter)
opener = RoleOpener(AccountSessions(session, caller, role_name="DormantReadOnly", counter=counter))
for account in accounts:
    list(scan(opener.role_source(account), Settings(), datetime.now(UTC)))
"""


def _pyinstrument(output: str, *program: str) -> list[str]:
    return [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", output, *program]


def profile_handler(roles: int, output: str) -> None:
    from dormant_sim.server import SimulatedAws
    from live import _INLINE_POLICIES, _TAGS, ACCOUNT_ID, RULE_NAME

    with SimulatedAws() as sim:
        now = datetime.now(UTC)
        sim.bulk_roles(ACCOUNT_ID, roles, now=now, inline_policies=_INLINE_POLICIES, tags=_TAGS)
        sim.set_latency(LATENCY_S)
        env = sim.env()
        log("first run (fills Config's history, not profiled)")
        event = sim.scheduled_event(RULE_NAME, ACCOUNT_ID)
        run_child(client_argv("handler"), env=env, stdin_text=json.dumps(event))
        log("daily run, profiled")
        event = sim.scheduled_event(RULE_NAME, ACCOUNT_ID)
        argv = _pyinstrument(output, str(BENCH_DIR / "client.py"), "handler")
        run_child(argv, env=env, stdin_text=json.dumps(event))


def profile_scan(roles: int, output: str) -> None:
    from offline import AS_OF, OfflinePlan, generate_snapshot

    snapshot = generate_snapshot(OfflinePlan(roles=roles, reps=1))
    out = DATA_DIR / "profile-scan-output.json"
    as_of = AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
    argv = _pyinstrument(output, "-m", "dormant", "scan", "--snapshot", str(snapshot))
    run_child([*argv, "--format", "json", "--output", str(out), "--as-of", as_of], ok_codes=(0, 1))
    out.unlink(missing_ok=True)


def profile_org(accounts: int, output: str) -> None:
    from dormant_sim.server import SimulatedAws
    from org_scale import member_ids

    members = member_ids(accounts)
    accounts_file = DATA_DIR / "profile-org-accounts.txt"
    accounts_file.write_text("\n".join(members) + "\n", encoding="utf-8")
    program = DATA_DIR / "profile-org-program.py"
    program.write_text(_ORG_PROGRAM, encoding="utf-8")
    with SimulatedAws() as sim:
        sim.create_organization(members)
        for account in members:
            sim.bulk_roles(account, 100, now=datetime.now(UTC))
        sim.set_latency(LATENCY_S)
        run_child(_pyinstrument(output, str(program), str(accounts_file)), env=sim.env())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("handler", "scan", "org"))
    parser.add_argument("--roles", type=int, default=None, help="roles in the account/snapshot")
    parser.add_argument("--accounts", type=int, default=60, help="member accounts (org)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from dormant_sim.server import clean_aws_environment

    safe = clean_aws_environment()
    os.environ.clear()
    os.environ.update(safe)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    output = str(DATA_DIR / f"profile-{args.what}.txt")
    if args.what == "handler":
        profile_handler(args.roles or 10_000, output)
    elif args.what == "scan":
        profile_scan(args.roles or 100_000, output)
    else:
        profile_org(args.accounts, output)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
