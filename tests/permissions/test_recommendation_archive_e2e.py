"""`dormant restrict ROLE --recommendation securityhub` end to end, and `--archive` on either
recommendation: the real command against the loopback simulation, under IAM enforcement with
exactly the policies docs/recommendations.md documents (checked against IAM's service
reference). Applied, the role's UnusedPermission finding archived in the service the
recommendation came from with a note naming the action and the backup; released to the exact
earlier state, the finding left as it is; an archive refused is its own failure line and the
restriction stands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.deploy.policy_reference import PolicyKind, check_policy
from tests.permissions.test_recommendation_e2e import (
    ACCOUNT,
    DOCS,
    authorization_details,
    documented_policy,
    dormant,
    seed,
)

from dormant_sim.server import SimulatedAws

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"


def documented(marker: str) -> Any:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```json\n(.*?)\n```", text, re.S)
    assert match is not None, f"docs/recommendations.md no longer documents {marker}"
    rendered = match.group(1).replace("<region>", "us-east-1").replace("<account-id>", ACCOUNT)
    return json.loads(rendered)


def securityhub_policy() -> dict[str, Any]:
    policy: dict[str, Any] = documented("restrict-recommendation-securityhub-policy")
    return policy


def with_archive(policy: dict[str, Any], source: str) -> dict[str, Any]:
    statement = documented(f"restrict-recommendation-archive-{source}")
    return {**policy, "Statement": [*policy["Statement"], statement]}


@pytest.mark.parametrize(
    "policy",
    [
        securityhub_policy(),
        with_archive(documented_policy(), "access-analyzer"),
        with_archive(securityhub_policy(), "securityhub"),
    ],
    ids=["securityhub", "archive-access-analyzer", "archive-securityhub"],
)
def test_the_documented_policies_hold_to_iams_service_reference(policy: dict[str, Any]) -> None:
    assert [str(v) for v in check_policy(policy, PolicyKind.IDENTITY)] == []


def hub_finding(sim: SimulatedAws) -> dict[str, Any]:
    """The role's UnusedPermission finding as the account's Security Hub shows it."""
    answer = sim.client("securityhub").get_findings_v2(
        Filters={
            "CompositeFilters": [
                {
                    "StringFilters": [
                        {
                            "FieldName": "finding_info.types",
                            "Filter": {"Value": "UnusedPermission", "Comparison": "EQUALS"},
                        },
                        {
                            "FieldName": "resources.uid",
                            "Filter": {"Value": ROLE_ARN, "Comparison": "EQUALS"},
                        },
                    ],
                    "Operator": "AND",
                }
            ]
        }
    )
    (finding,) = answer["Findings"]
    return dict(finding)


def analyzer_finding(sim: SimulatedAws) -> dict[str, Any]:
    client = sim.client("accessanalyzer")
    (analyzer,) = client.list_analyzers(type="ACCOUNT_UNUSED_ACCESS")["analyzers"]
    found = client.list_findings_v2(
        analyzerArn=analyzer["arn"],
        filter={"resource": {"eq": [ROLE_ARN]}, "findingType": {"eq": ["UnusedPermission"]}},
    )["findings"]
    (finding,) = found
    return dict(finding)


def seeded(sim: SimulatedAws) -> None:
    seed(sim, datetime.now(UTC).replace(microsecond=0))
    sim.client("securityhub").enable_security_hub()


def apply(sim: SimulatedAws, who: Any, source: str, backups: Path, *extra: str) -> Any:
    return dormant(
        sim,
        who,
        "restrict",
        "app",
        "--recommendation",
        source,
        "--apply",
        "--backup-dir",
        str(backups),
        *extra,
    )


def test_securityhub_applied_archived_then_released_to_the_exact_earlier_state(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    seeded(sim_server)
    operator = sim_server.principal(
        "hub-operator", kind="user", policies=[with_archive(securityhub_policy(), "securityhub")]
    )
    iam = sim_server.client("iam")
    before = authorization_details(iam)
    dry = dormant(
        sim_server, operator, "restrict", "app", "--recommendation", "securityhub", "--archive"
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert dry.stdout.splitlines()[1] == (
        "planned: would apply AWS's recommendation to 4 policies of role app"
    )
    # A dry run changes nothing and archives nothing.
    assert authorization_details(iam) == before
    assert hub_finding(sim_server)["status"] == "New"

    applied = apply(sim_server, operator, "securityhub", tmp_path, "--archive")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    lines = applied.stdout.splitlines()
    assert lines[0].startswith("done: applied AWS's recommendation to 4 policies of role app")
    backup = str(tmp_path / f"{ACCOUNT}-app.json")
    finding = hub_finding(sim_server)
    today = datetime.now(UTC).date().isoformat()
    note = f"dormant restricted role app on {today}; backup: {backup}"
    assert f"archived: securityhub finding {finding['metadata']['uid']} about app ({note})" in (
        lines
    )
    assert lines[-1].endswith("; archived 1, archive failed 0")
    assert (finding["status"], finding["comment"]) == ("Archived", note)
    app = authorization_details(iam)["roles"]["app"]
    assert {p["PolicyName"] for p in app["AttachedManagedPolicies"]} == {
        "dormant-recommended-app-1",
        "dormant-recommended-app-2",
    }

    sim_server.recorder.reset()
    released = dormant(sim_server, operator, "release", "app", "--only", "restriction", "--apply")
    assert released.returncode == 0, released.stderr
    # The release leaves AWS's finding as it is: no call to Security Hub at all.
    assert sim_server.recorder.calls(service="securityhub") == 0
    assert authorization_details(iam) == before
    assert hub_finding(sim_server) == finding


def test_access_analyzer_archived_after_the_restriction_and_left_by_the_release(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    seeded(sim_server)
    operator = sim_server.principal(
        "aa-operator",
        kind="user",
        policies=[with_archive(documented_policy(), "access-analyzer")],
    )
    before = authorization_details(sim_server.client("iam"))
    assert analyzer_finding(sim_server)["status"] == "ACTIVE"
    applied = apply(sim_server, operator, "access-analyzer", tmp_path, "--archive")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    finding = analyzer_finding(sim_server)
    assert finding["status"] == "ARCHIVED"
    assert any(
        line.startswith(f"archived: access-analyzer finding {finding['id']} about app (")
        and line.endswith(f"backup: {tmp_path / f'{ACCOUNT}-app.json'})")
        for line in applied.stdout.splitlines()
    ), applied.stdout
    released = dormant(sim_server, operator, "release", "app", "--only", "restriction", "--apply")
    assert released.returncode == 0, released.stderr
    assert authorization_details(sim_server.client("iam")) == before
    assert analyzer_finding(sim_server)["status"] == "ARCHIVED"


@pytest.mark.parametrize("source", ["access-analyzer", "securityhub"])
def test_an_archive_refused_is_its_own_failure_and_the_restriction_stands(
    sim_server: SimulatedAws, tmp_path: Path, source: str
) -> None:
    seeded(sim_server)
    # The recommendation's own grants, without the archive's.
    policy = documented_policy() if source == "access-analyzer" else securityhub_policy()
    operator = sim_server.principal(f"no-archive-{source}", kind="user", policies=[policy])
    applied = apply(sim_server, operator, source, tmp_path, "--archive")
    assert applied.returncode == 1
    lines = applied.stdout.splitlines()
    assert lines[0].startswith("done: applied AWS's recommendation to 4 policies of role app")
    failed = [line for line in lines if line.startswith("failed: archive ")]
    assert len(failed) == 1
    assert f"{source} finding " in failed[0]
    assert "(restricted, which stands)" in failed[0]
    assert "AccessDenied" in failed[0]
    assert lines[-1].endswith("; archived 0, archive failed 1")
    app = authorization_details(sim_server.client("iam"))["roles"]["app"]
    assert "dormant-recommended-app-1" in {p["PolicyName"] for p in app["AttachedManagedPolicies"]}
    status = (
        analyzer_finding(sim_server)["status"]
        if source == "access-analyzer"
        else hub_finding(sim_server)["status"]
    )
    assert status in ("ACTIVE", "New")


def test_without_the_recommendation_grants_securityhub_refuses_and_nothing_changes(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    seeded(sim_server)
    policy = securityhub_policy()
    statements = [s for s in policy["Statement"] if s["Sid"] != "TheRecommendation"]
    statements.append(
        {
            "Effect": "Allow",
            "Action": ["securityhub:GetFindings"],
            "Resource": f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hubv2/*",
        }
    )
    operator = sim_server.principal(
        "half-operator", kind="user", policies=[{**policy, "Statement": statements}]
    )
    before = authorization_details(sim_server.client("iam"))
    applied = apply(sim_server, operator, "securityhub", tmp_path)
    assert applied.returncode == 1
    assert "securityhub:GenerateRecommendedPolicyV2" in applied.stdout + applied.stderr
    assert "AccessDenied" in applied.stdout + applied.stderr
    assert authorization_details(sim_server.client("iam")) == before


def test_archive_applies_only_with_a_recommendation(
    sim_server: SimulatedAws, tmp_path: Path
) -> None:
    operator = sim_server.principal("plain", kind="user", policies=[documented_policy()])
    sim_server.recorder.reset()
    refused = dormant(sim_server, operator, "restrict", "app", "--archive")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "dormant: error: invalid parameter --archive: applies only with --recommendation"
    ]
    assert sim_server.recorder.calls() == 0
