"""Offline: ``dormant scan --snapshot`` of a large generated snapshot vs plain ``json.load``.

The snapshot is what ``aws iam get-account-authorization-details`` writes (4-space indented
JSON, ISO dates), generated with a fixed seed: roles with trust policies for services,
accounts and identity providers, inline policies, managed policy attachments, instance
profiles, tags and last use; plus users, groups and customer managed policies with versions.
It is written to ``benchmarks/.data`` once and reused while the generator's inputs are the same.

The programs run as child processes in the same run, alternating; each one's peak RSS comes
from ``wait4``. ``json.load`` holds the whole file as Python objects; the scan streams. The
scan runs twice per rep: as users run it (``--references iam``, the default: one pass that
also indexes instance profiles, trust policies and iam:PassRole grants, the findings waiting
for the index) and with ``--references none``; ``time_references_over_none`` compares the
medians of the same run.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import DATA_DIR, BenchmarkError, client_argv, log, median, ratio, run_child

GENERATOR_VERSION = 2
ACCOUNT_ID = "111111111111"
PARTNER_ACCOUNT_IDS = ("222222222222", "333333333333", "444444444444")
AS_OF = datetime(2026, 3, 15, 12, 0, 0, tzinfo=UTC)
SERVICES = (
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "codebuild.amazonaws.com",
    "sagemaker.amazonaws.com",
)
ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "kms:Decrypt",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ssm:GetParameter",
    "secretsmanager:GetSecretValue",
    "sns:Publish",
    "ecr:GetAuthorizationToken",
)
MANAGED = (
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
)
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
TEAMS = ("payments", "search", "platform", "data", "identity", "growth", "infra")


@dataclass(frozen=True)
class OfflinePlan:
    roles: int
    reps: int
    seed: int = 20260315


def _iso(moment: datetime) -> str:
    # AWS CLI v2 writes ISO 8601 with an explicit +00:00 offset.
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _statement(rng: random.Random, index: int) -> dict[str, Any]:
    actions = rng.sample(ACTIONS, rng.randint(1, 5))
    return {
        "Sid": f"Stmt{index}",
        "Effect": "Allow",
        "Action": actions if len(actions) > 1 else actions[0],
        "Resource": [
            f"arn:aws:s3:::bucket-{rng.randrange(10_000):05d}/*",
            f"arn:aws:dynamodb:{rng.choice(REGIONS)}:{ACCOUNT_ID}:table/t{rng.randrange(999)}",
        ],
    }


def _document(rng: random.Random, statements: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [_statement(rng, i) for i in range(statements)],
    }


def _trust(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.6:
        principal: dict[str, Any] = {"Service": rng.choice(SERVICES)}
        action = "sts:AssumeRole"
    elif kind < 0.85:
        principal = {"AWS": f"arn:aws:iam::{rng.choice(PARTNER_ACCOUNT_IDS)}:root"}
        action = "sts:AssumeRole"
    else:
        principal = {
            "Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.example.com"
        }
        action = "sts:AssumeRoleWithWebIdentity"
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if "AWS" in principal:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{rng.randrange(10**6)}"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


class _Pools:
    """Policy documents rendered once and reused, as real accounts reuse them.

    Rendering 4-space indented JSON is pure Python (the C encoder does not indent), so each
    item is dumped with short placeholders that are then replaced by pre-rendered documents.
    """

    def __init__(self, rng: random.Random) -> None:
        self.policies = [
            json.dumps(_document(rng, rng.randint(1, 4)), indent=4) for _ in range(3000)
        ]
        self.trusts = [json.dumps(_trust(rng), indent=4) for _ in range(400)]
        self.texts: dict[str, str] = {}

    def policy(self, rng: random.Random) -> str:
        return self._mark(self.policies[rng.randrange(len(self.policies))])

    def trust(self, rng: random.Random) -> str:
        return self._mark(self.trusts[rng.randrange(len(self.trusts))])

    def _mark(self, text: str) -> str:
        key = f"@@{len(self.texts)}@@"
        self.texts[key] = text
        return key

    def render(self, item: dict[str, Any]) -> str:
        """The item as the AWS CLI writes a list element: 4-space indent, 8 deep."""
        text = json.dumps(item, indent=4).replace("\n", "\n        ")
        texts = self.texts

        def substitute(match: re.Match[str]) -> str:
            indent = match.group(1)
            return indent + match.group(2) + texts[match.group(3)].replace("\n", "\n" + indent)

        rendered = "        " + _PLACEHOLDER.sub(substitute, text)
        texts.clear()
        return rendered


_PLACEHOLDER = re.compile(r'^( *)(.*?)"(@@\d+@@)"', re.MULTILINE)


def _tags(rng: random.Random) -> list[dict[str, str]]:
    tags = [
        {"Key": "team", "Value": rng.choice(TEAMS)},
        {"Key": "owner", "Value": f"user{rng.randrange(5000)}@example.com"},
        {"Key": "cost-center", "Value": f"cc-{rng.randrange(100, 999)}"},
        {"Key": "environment", "Value": rng.choice(("prod", "staging", "dev"))},
    ]
    return tags[: rng.randint(0, 4)]


def _role(rng: random.Random, pools: _Pools, index: int) -> dict[str, Any]:
    service_linked = index % 50 == 0
    path = (
        "/aws-service-role/lambda.amazonaws.com/"
        if service_linked
        else rng.choice(("/", "/", "/", "/app/", "/service-role/", "/ci/"))
    )
    name = f"{rng.choice(TEAMS)}-role-{index:06d}"
    role_id = f"AROA{index:016d}"
    arn = f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}"
    created = AS_OF - timedelta(days=rng.randint(0, 2500), seconds=rng.randrange(86_400))
    trust = pools.trust(rng)
    detail: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": role_id,
        "Arn": arn,
        "CreateDate": _iso(created),
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [
            {"PolicyName": f"inline-{i}", "PolicyDocument": pools.policy(rng)}
            for i in range(rng.choice((0, 1, 1, 2, 3)))
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": arn_.rsplit("/", 1)[1], "PolicyArn": arn_}
            for arn_ in rng.sample(MANAGED, rng.choice((0, 1, 1, 2)))
        ],
        "Tags": _tags(rng),
        "RoleLastUsed": {},
    }
    if rng.random() < 0.1:
        # Instance profiles repeat the role inside them, as the real output does.
        detail["InstanceProfileList"] = [
            {
                "Path": "/",
                "InstanceProfileName": name,
                "InstanceProfileId": f"AIPA{index:016d}",
                "Arn": f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/{name}",
                "CreateDate": _iso(created),
                "Roles": [
                    {
                        "Path": path,
                        "RoleName": name,
                        "RoleId": role_id,
                        "Arn": arn,
                        "CreateDate": _iso(created),
                        "AssumeRolePolicyDocument": pools._mark(pools.texts[trust]),
                    }
                ],
            }
        ]
    if rng.random() < 0.15:
        detail["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": f"arn:aws:iam::{ACCOUNT_ID}:policy/boundary",
        }
    if rng.random() < 0.7:
        days_since_creation = max(0, (AS_OF - created).days)
        used = AS_OF - timedelta(days=rng.randint(0, days_since_creation), hours=rng.randint(0, 23))
        detail["RoleLastUsed"] = {"LastUsedDate": _iso(used), "Region": rng.choice(REGIONS)}
    return detail


def _user(rng: random.Random, pools: _Pools, index: int) -> dict[str, Any]:
    name = f"user-{index:05d}"
    inline = rng.random() < 0.3
    return {
        "Path": "/",
        "UserName": name,
        "UserId": f"AIDA{index:016d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        "CreateDate": _iso(AS_OF - timedelta(days=rng.randint(0, 2000))),
        "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": pools.policy(rng)}]
        if inline
        else [],
        "GroupList": [f"group-{rng.randrange(200):03d}" for _ in range(rng.randint(0, 3))],
        "AttachedManagedPolicies": [],
        "Tags": _tags(rng),
    }


def _group(rng: random.Random, pools: _Pools, index: int) -> dict[str, Any]:
    name = f"group-{index:03d}"
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": f"AGPA{index:016d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/{name}",
        "CreateDate": _iso(AS_OF - timedelta(days=rng.randint(0, 2000))),
        "GroupPolicyList": [],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a}
            for a in rng.sample(MANAGED, rng.randint(0, 2))
        ],
    }


def _policy(rng: random.Random, pools: _Pools, index: int) -> dict[str, Any]:
    name = f"policy-{index:05d}"
    created = AS_OF - timedelta(days=rng.randint(0, 2000))
    versions = rng.randint(1, 3)
    return {
        "PolicyName": name,
        "PolicyId": f"ANPA{index:016d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}",
        "Path": "/",
        "DefaultVersionId": f"v{versions}",
        "AttachmentCount": rng.randint(0, 20),
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": _iso(created),
        "UpdateDate": _iso(created + timedelta(days=rng.randint(0, 100))),
        "PolicyVersionList": [
            {
                "Document": pools.policy(rng),
                "VersionId": f"v{v}",
                "IsDefaultVersion": v == versions,
                "CreateDate": _iso(created + timedelta(days=v)),
            }
            for v in range(1, versions + 1)
        ],
    }


_Maker = Callable[[random.Random, _Pools, int], dict[str, Any]]


def _sections(roles: int) -> list[tuple[str, _Maker, int]]:
    return [
        ("UserDetailList", _user, max(1, roles // 20)),
        ("GroupDetailList", _group, max(1, min(200, roles // 100))),
        ("RoleDetailList", _role, roles),
        ("Policies", _policy, max(1, roles // 50)),
    ]


def snapshot_path(plan: OfflinePlan) -> Path:
    return DATA_DIR / f"snapshot-{plan.roles}-seed{plan.seed}-v{GENERATOR_VERSION}.json"


def generate_snapshot(plan: OfflinePlan) -> Path:
    """Write the snapshot (unless this exact one exists) and return its path."""
    path = snapshot_path(plan)
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(plan.seed)
    pools = _Pools(rng)
    # Per process: two runs at once (parallel test workers) must not write one file.
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write("{\n")
        for number, (key, make, count) in enumerate(_sections(plan.roles)):
            out.write(("" if number == 0 else ",\n") + f'    "{key}": [\n')
            out.write(",\n".join(pools.render(make(rng, pools, i)) for i in range(count)))
            out.write("\n    ]")
        out.write(',\n    "IsTruncated": false\n}\n')
    partial.replace(path)
    return path


def _scan_argv(snapshot: Path, out: Path) -> tuple[list[str], str]:
    """The real ``dormant scan`` when it exists, else the same pipeline by hand."""
    as_of = AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ")
    probe = run_child([sys.executable, "-m", "dormant", "scan", "--help"], ok_codes=(0, 1, 2))
    if probe.returncode == 0 and "--snapshot" in probe.stdout:
        argv = [sys.executable, "-m", "dormant", "scan", "--snapshot", str(snapshot)]
        argv += ["--format", "json", "--output", str(out), "--as-of", as_of]
        return argv, "dormant scan --snapshot FILE --format json --output OUT"
    return (
        client_argv("scan-fallback", str(snapshot), str(out), as_of),
        "read_snapshot + evaluate_roles + render_json (dormant scan not available)",
    )


def run_offline(plan: OfflinePlan) -> dict[str, Any]:
    log(f"offline: generating the {plan.roles}-role snapshot (cached in benchmarks/.data)")
    snapshot = generate_snapshot(plan)
    size_mb = snapshot.stat().st_size / 1024 / 1024
    out = DATA_DIR / f"scan-output-{plan.roles}-{os.getpid()}.json"
    scan_argv, scan_label = _scan_argv(snapshot, out)
    scans, loads, bare = [], [], []
    for rep in range(plan.reps):
        log(f"offline: json.load run {rep + 1}/{plan.reps}")
        loads.append(run_child(client_argv("json-load", str(snapshot))))
        log(f"offline: scan run {rep + 1}/{plan.reps}")
        # Exit code 1 means non-compliant roles were found: the normal outcome here.
        scans.append(run_child(scan_argv, ok_codes=(0, 1)))
        if scan_argv[1:3] == ["-m", "dormant"]:
            log(f"offline: scan --references none run {rep + 1}/{plan.reps}")
            bare_argv = [a if a != str(out) else f"{out}.none" for a in scan_argv]
            bare.append(run_child([*bare_argv, "--references", "none"], ok_codes=(0, 1)))
    with out.open(encoding="utf-8") as handle:
        written = json.load(handle)
    out.unlink()
    Path(f"{out}.none").unlink(missing_ok=True)
    found = len(written["findings"])
    if found != plan.roles or loads[0].report["roles"] != plan.roles:
        raise BenchmarkError(f"scan wrote {found} findings for {plan.roles} roles")
    checked = sum(1 for f in written["findings"] if f.get("references_checked", {}).get("sources"))
    if bare and checked != plan.roles:
        raise BenchmarkError(f"the default scan checked references of {checked} roles")
    scan_s = median([r.wall_s for r in scans])
    load_s = median([r.wall_s for r in loads])
    scan_rss = max(r.max_rss_mb for r in scans)
    load_rss = max(r.max_rss_mb for r in loads)
    bare_s = median([r.wall_s for r in bare]) if bare else None
    return {
        "scan_none_wall_s": bare_s,
        "scan_none_cpu_s": median([r.cpu_s for r in bare]) if bare else None,
        "scan_none_peak_rss_mb": round(max(r.max_rss_mb for r in bare), 1) if bare else None,
        "time_references_over_none": ratio(scan_s, bare_s) if bare_s else None,
        "cpu_references_over_none": (
            ratio(median([r.cpu_s for r in scans]), median([r.cpu_s for r in bare]))
            if bare
            else None
        ),
        "referenced_roles": sum(1 for f in written["findings"] if f.get("references")),
        "roles": plan.roles,
        "seed": plan.seed,
        "file_mb": round(size_mb, 1),
        "reps": plan.reps,
        "scan_command": scan_label,
        "scan_wall_s": scan_s,
        "scan_cpu_s": median([r.cpu_s for r in scans]),
        "scan_peak_rss_mb": round(scan_rss, 1),
        "json_load_wall_s": load_s,
        "json_load_cpu_s": median([r.cpu_s for r in loads]),
        "json_load_parse_s": median([float(r.report["load_s"]) for r in loads]),
        "json_load_peak_rss_mb": round(load_rss, 1),
        "time_scan_over_json_load": ratio(scan_s, load_s),
        "rss_scan_over_file": ratio(scan_rss, size_mb),
        "rss_scan_over_json_load": ratio(scan_rss, load_rss),
        "summary": written.get("summary"),
    }
