"""The benchmark harness still runs, and the API call counts it reports are the exact ones.

Runs ``python benchmarks/run.py --quick`` (tiny sizes, a simulated AWS on loopback) and checks
the numbers that do not depend on the machine: calls by operation, roles seen, modules loaded.
Timings are not asserted: they belong in benchmarks/README.md, not in a test.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from dormant_sim.server import clean_aws_environment

    output = tmp_path_factory.mktemp("bench") / "quick.json"
    # This fixture outlives the per-test fake credentials: give the run a clean environment.
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        cwd=REPO,
        env=clean_aws_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "## Targets" in done.stdout
    results: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return results


def test_results_name_the_machine(quick_results: dict[str, Any]) -> None:
    machine = quick_results["machine"]
    assert machine["cores"] >= 1
    assert machine["python"].startswith("3.")
    assert machine["cpu_model"]
    assert quick_results["mode"] == "quick"
    assert not quick_results.get("errors")


def test_dormant_pages_1000_roles_per_discovery_call_and_100_per_delivery(
    quick_results: dict[str, Any],
) -> None:
    sizes = quick_results["live"]["sizes"]
    assert sorted(int(n) for n in sizes) == [120, 1001]
    for n_text, entry in sizes.items():
        n = int(n_text)
        first = entry["dormant"]["first_run_calls"]
        steady = entry["dormant"]["steady_calls"]
        for calls in (first, steady):
            assert calls["iam:GetAccountAuthorizationDetails"] == math.ceil(n / 1000)
            assert calls["config:PutEvaluations"] == math.ceil(n / 100)
            assert not any(key in calls for key in ("iam:ListRoles", "iam:GetRole"))
        # Config holds nothing before the first run, then one result per role (100 a page).
        assert first["config:GetComplianceDetailsByConfigRule"] == 1
        assert steady["config:GetComplianceDetailsByConfigRule"] == math.ceil(n / 100)


def test_baselines_make_the_calls_they_stand_for(quick_results: dict[str, Any]) -> None:
    for n_text, entry in quick_results["live"]["sizes"].items():
        n = int(n_text)
        blog = entry["gaad100"]["calls"]
        assert blog == {
            "iam:GetAccountAuthorizationDetails": math.ceil(n / 100),
            "config:PutEvaluations": math.ceil(n / 100),
        }
        list_get = entry["list_get"]["calls"]
        assert list_get["iam:ListRoles"] == math.ceil(n / 100)
        assert list_get["iam:GetRole"] == n
        assert list_get["config:PutEvaluations"] == math.ceil(n / 100)
        assert entry["ratios"]["iam_calls_list_get_over_dormant"] == round(
            (math.ceil(n / 100) + n) / math.ceil(n / 1000), 2
        )
    # The 1001-role list+get run is sampled, and says so.
    assert quick_results["live"]["sizes"]["1001"]["list_get"]["measured"].startswith("sample")
    assert quick_results["live"]["sizes"]["120"]["list_get"]["measured"] == "full"


def test_offline_scan_decides_every_role_of_the_snapshot(quick_results: dict[str, Any]) -> None:
    offline = quick_results["offline"]
    assert offline["summary"]["roles"] == offline["roles"] == 1500
    assert offline["scan_peak_rss_mb"] > 0
    assert offline["json_load_peak_rss_mb"] > 0


def test_the_handler_loads_no_command_line_or_simulation_package(
    quick_results: dict[str, Any],
) -> None:
    assert quick_results["coldstart"]["forbidden_loaded"] == []


def test_org_scan_costs_one_assume_role_and_one_discovery_call_per_account(
    quick_results: dict[str, Any],
) -> None:
    org = quick_results["org"]
    assert [run["workers"] for run in org["runs"]] == [1, 2]
    for run in org["runs"]:
        assert run["calls"]["per_member_account"] == {
            "sts:AssumeRole": 1,
            "iam:GetAccountAuthorizationDetails": 1,
        }
        assert run["calls"]["management_account"]["sts:AssumeRole"] == org["accounts"]


def test_churn_changes_mode_posts_a_small_share_of_full(quick_results: dict[str, Any]) -> None:
    churn = quick_results["churn"]
    assert churn["days"] == 30
    full, changes = churn["posted_by_day"]["full"], churn["posted_by_day"]["changes"]
    assert len(full) == len(changes) == 30
    # The first run finds Config empty: both modes post every role.
    assert full[0] == changes[0] == churn["roles_at_start"]
    assert sum(full) == churn["full"]["evaluations"]
    assert sum(changes) == churn["changes"]["evaluations"]
    assert churn["changes_share_of_full"] <= 0.05


def test_aggregator_report_reads_each_account_in_pages_of_100(
    quick_results: dict[str, Any],
) -> None:
    aggregate = quick_results["aggregate"]
    assert [run["workers"] for run in aggregate["runs"]] == [1, 4]
    pages = math.ceil(aggregate["roles_per_account"] / 100)
    for run in aggregate["runs"]:
        assert run["calls"] == {
            "sts:GetCallerIdentity": 1,
            "config:DescribeAggregateComplianceByConfigRules": 1,
            "config:GetAggregateComplianceDetailsByConfigRule": aggregate["accounts"] * pages,
            "config:ListAggregateDiscoveredResources": aggregate["accounts"] * pages,
        }


def test_users_cost_one_report_and_one_discovery_call_per_1000(
    quick_results: dict[str, Any],
) -> None:
    users = quick_results["users"]
    calls = {k: v for k, v in users["calls"].items() if k.startswith("iam:")}
    assert calls == {
        "iam:GenerateCredentialReport": users["report_polls"] + 1,
        "iam:GetCredentialReport": 1,
        "iam:GetAccountAuthorizationDetails": math.ceil(users["users"] / 1000),
    }
    assert users["users"] == 1500


def test_unused_permissions_cost_one_generate_and_two_polls_per_role(
    quick_results: dict[str, Any],
) -> None:
    section = quick_results["permissions"]
    assert [(r["workers"], r["in_flight"], r["throttled"]) for r in section["runs"]] == [
        (4, 32, False),
        (4, 32, True),
    ]
    for run in section["runs"]:
        roles = run["roles"]
        assert run["calls_per_role"] == 3
        assert run["calls"]["iam:GenerateServiceLastAccessedDetails"] == roles
        assert run["calls"]["iam:GetServiceLastAccessedDetails"] == 2 * roles
        assert run["floor_s"] > 0
    assert section["runs"][1]["throttled_calls"] > 0


def test_the_permissions_rule_covers_every_role_in_one_run(
    quick_results: dict[str, Any],
) -> None:
    section = quick_results["permissions_rule"]
    assert section["runs_to_cover"] == 1
    (run,) = section["runs"]
    assert (run["roles"], run["left"], run["held"]) == (section["roles"], 0, section["roles"])
    assert run["calls"]["iam:GetServiceLastAccessedDetails"] == 2 * section["roles"]


def test_aws_findings_are_read_in_pages_with_no_call_per_role(
    quick_results: dict[str, Any],
) -> None:
    result = quick_results["aws_findings"]
    pages = math.ceil(result["roles"] / 1000)
    assert result["calls"] == {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": pages,
        "iam:GetAccountAuthorizationDetails": pages,
    }
    assert result["findings"] == result["agreed"] == result["roles"] == 1001
    assert result["securityhub_calls"] == {"securityhub:GetFindingsV2": 11}


def test_user_findings_ask_for_details_only_about_users_with_two_keys(
    quick_results: dict[str, Any],
) -> None:
    result = quick_results["aws_findings_users"]
    assert result["calls"] == {
        "accessanalyzer:ListAnalyzers": 1,
        "accessanalyzer:ListFindingsV2": 1,
        "accessanalyzer:GetFindingV2": 6,  # 3 users with two keys, a finding for each key
        "iam:ListAccessKeys": 3,
    }
    assert result["findings"] == result["agreed"] == 100 + 6  # a third of 300 keys, and 6


def test_permission_findings_ask_for_details_only_about_weighed_roles(
    quick_results: dict[str, Any],
) -> None:
    result = quick_results["aws_findings_permissions"]
    assert result["findings"] == 60
    assert result["weighed"] == result["agreed"] == 30  # the 30 exempt roles are spared
    calls = result["calls"]
    assert calls["accessanalyzer:ListFindingsV2"] == 1
    assert calls["accessanalyzer:GetFindingV2"] == 30
    assert calls["iam:GenerateServiceLastAccessedDetails"] == 30
