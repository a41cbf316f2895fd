"""The measured programs, each run by the harness in a child process of its own.

``python benchmarks/client.py MODE ...`` does one job and prints one JSON line with the
timings it took from the inside (so interpreter start-up and imports can be told apart from
the work). The AWS modes reach the simulated AWS through ``AWS_ENDPOINT_URL`` and the fake
credentials the harness puts in the environment; they must never be pointed at a real account.

Modes:
  handler                 dormant's Lambda handler on the Config event read from stdin
  list-get TOKEN RULE K   baseline: ListRoles (paged) then GetRole per role (K = sample, 0 = all)
  gaad100 TOKEN RULE      baseline: the blog's paging, 100 roles per GetAccountAuthorizationDetails
  json-load FILE          json.load of a snapshot, touching every role
  scan-fallback FILE OUT AS_OF
                          read_snapshot + evaluate + JSON writer (without `dormant scan`)
  org ROLE WORKERS FILE   dormant.aws.orgs.scan_accounts over the account ids in FILE
  import MODULE           time the import of MODULE; list the heavy modules it pulled in
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

# Modules the Lambda deployment does not carry; the handler must not import them.
FORBIDDEN_IN_HANDLER = ("click", "rich", "jinja2", "moto")


def _emit(report: dict[str, Any]) -> None:
    print(json.dumps(report, sort_keys=True), flush=True)


def _import(argv: list[str]) -> None:
    module = argv[0]
    started = time.perf_counter()
    __import__(module)
    seconds = time.perf_counter() - started
    loaded = sorted(
        name for name in FORBIDDEN_IN_HANDLER if any(m.split(".")[0] == name for m in sys.modules)
    )
    _emit({"import_s": seconds, "forbidden_loaded": loaded, "modules": len(sys.modules)})


def _handler(_: list[str]) -> None:
    event = json.loads(sys.stdin.read())
    started = time.perf_counter()
    from dormant.handler import lambda_handler

    imported = time.perf_counter()
    summary = lambda_handler(event, None)
    done = time.perf_counter()
    _emit({"import_s": imported - started, "run_s": done - imported, "summary": summary})


def _sink(session: Any, token: str, config: Any) -> Any:
    from dormant.aws.config import ConfigEvaluationSink

    return ConfigEvaluationSink(session.client("config", config=config), token)


def _list_get(argv: list[str]) -> None:
    """What many tools do: list the roles, then GetRole each one for RoleLastUsed."""
    token, _rule, sample = argv[0], argv[1], int(argv[2])
    import boto3

    from dormant.aws.session import client_config
    from dormant.core.evaluations import evaluation_for
    from dormant.core.settings import Settings
    from dormant.roles.decide import evaluate_role
    from dormant.roles.records import role_from_detail

    now = datetime.now(UTC)
    config = client_config()
    session = boto3.session.Session()
    iam = session.client("iam", config=config)
    started = time.perf_counter()
    names = [
        role["RoleName"]
        for page in iam.get_paginator("list_roles").paginate()
        for role in page["Roles"]
    ]
    listed = time.perf_counter()
    chosen = names if sample <= 0 else names[:: max(1, len(names) // sample)][:sample]
    settings = Settings()
    evaluations = []
    for name in chosen:
        detail = iam.get_role(RoleName=name)["Role"]
        finding = evaluate_role(role_from_detail(detail), settings, now)
        evaluations.append(evaluation_for(finding, now))
    got = time.perf_counter()
    _sink(session, token, config).put(evaluations, test_mode=False)
    done = time.perf_counter()
    _emit(
        {
            "list_s": listed - started,
            "get_s": got - listed,
            "put_s": done - got,
            "run_s": done - started,
            "roles_listed": len(names),
            "roles_decided": len(chosen),
        }
    )


def _gaad100(argv: list[str]) -> None:
    """The blog's paging: GetAccountAuthorizationDetails at 100 roles a call."""
    token = argv[0]
    import boto3

    from dormant.aws.session import client_config
    from dormant.core.evaluations import evaluation_for
    from dormant.core.settings import Settings
    from dormant.roles.aws import IamRoleSource
    from dormant.roles.decide import evaluate_role

    now = datetime.now(UTC)
    config = client_config()
    session = boto3.session.Session()
    source = IamRoleSource(session.client("iam", config=config), page_size=100)
    started = time.perf_counter()
    settings = Settings()
    evaluations = [evaluation_for(evaluate_role(r, settings, now), now) for r in source.roles()]
    read = time.perf_counter()
    _sink(session, token, config).put(evaluations, test_mode=False)
    done = time.perf_counter()
    _emit(
        {
            "read_s": read - started,
            "put_s": done - read,
            "run_s": done - started,
            "roles_decided": len(evaluations),
        }
    )


def _json_load(argv: list[str]) -> None:
    started = time.perf_counter()
    with open(argv[0], encoding="utf-8") as handle:
        data = json.load(handle)
    loaded = time.perf_counter()
    touched = sum(1 for role in data["RoleDetailList"] if role["RoleName"])
    done = time.perf_counter()
    _emit({"load_s": loaded - started, "run_s": done - started, "roles": touched})


def _scan_fallback(argv: list[str]) -> None:
    path, out_path, as_of = argv
    from dormant.core.settings import Settings
    from dormant.report import ReportMeta
    from dormant.report.json import render_json
    from dormant.roles.decide import evaluate_roles
    from dormant.roles.layout import ROLE_LAYOUT, row_from_finding
    from dormant.roles.snapshot import read_snapshot

    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    started = time.perf_counter()
    meta = ReportMeta(layout=ROLE_LAYOUT, kind="scan", generated_at=now, source=f"snapshot {path}")
    with open(out_path, "w", encoding="utf-8") as out:
        findings = evaluate_roles(read_snapshot(path), Settings(), now)
        tally = render_json(map(row_from_finding, findings), meta, out)
    _emit({"run_s": time.perf_counter() - started, "roles": tally.roles})


def _org(argv: list[str]) -> None:
    role_name, workers, accounts_file = argv[0], int(argv[1]), argv[2]
    import boto3

    from dormant.aws.calls import CallCounter
    from dormant.core.settings import Settings
    from dormant.engine.accounts import targets_from_file
    from dormant.roles.aws_accounts import scan_accounts

    targets = targets_from_file(accounts_file)
    session = boto3.session.Session()
    counter = CallCounter()
    started = time.perf_counter()
    result = scan_accounts(
        session,
        targets,
        role_name=role_name,
        settings=Settings(),
        now=datetime.now(UTC),
        workers=workers,
        counter=counter,
    )
    done = time.perf_counter()
    _emit(
        {
            "run_s": done - started,
            "accounts": len(result.accounts),
            "findings": len(result.findings),
            "failures": [f"{f.account_id} {f.operation}: {f.message}" for f in result.failures],
            "calls": counter.snapshot(),
        }
    )


MODES = {
    "handler": _handler,
    "list-get": _list_get,
    "gaad100": _gaad100,
    "json-load": _json_load,
    "scan-fallback": _scan_fallback,
    "org": _org,
    "import": _import,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    MODES[argv[0]](argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
