"""`dormant scan --references`: the sources, their fields in JSON, CSV and the table, their cost.

Subprocesses against the simulation on loopback, and the bundled snapshot offline.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dormant_sim import seed
from dormant_sim.server import SimulatedAws

HOME = seed.DEFAULT_ACCOUNT_ID
AS_OF = "2024-06-01T00:00:00Z"


def _seeded(sim_server: SimulatedAws) -> dict[str, str]:
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=400)
    app = sim_server.put_role(HOME, "app", created=old)
    lonely = sim_server.put_role(HOME, "lonely", created=old)
    sim_server.put_configuration_recorder(HOME, excluded_types=["AWS::Glue::Job"])
    sim_server.put_referencing_resource(HOME, "AWS::Lambda::Function", "quarterly", app.arn)
    sim_server.put_referencing_resource(HOME, "AWS::EC2::Instance", "box", app.arn)
    return {"app": app.arn, "lonely": lonely.arn, "as_of": now.isoformat()}


def test_scan_with_config_names_each_reference_and_what_was_not_covered(
    dormant, sim_server: SimulatedAws
) -> None:
    seeded = _seeded(sim_server)
    sim_server.recorder.reset()

    result = dormant(
        "scan",
        "-f",
        "json",
        "--as-of",
        seeded["as_of"],
        "--references",
        "config",
        "--regions",
        "us-east-1",
        env=sim_server.env(),
    )

    assert result.returncode == 1, result.stderr
    found = {f["role_name"]: f for f in json.loads(result.stdout)["findings"]}
    app = found["app"]
    assert {(r["type"], r["via"], r["source"]) for r in app["references"]} == {
        ("AWS::Lambda::Function", "configuration.role", "config"),
        ("AWS::EC2::Instance", "configuration.iamInstanceProfile.arn", "config"),
        ("AWS::IAM::InstanceProfile", "instance-profile", "iam"),
    }
    instance = next(r for r in app["references"] if r["type"] == "AWS::EC2::Instance")
    assert instance["state"] == "running"
    assert app["annotation"].endswith(" Referenced by 3 resources.")
    glue = {
        "type": "AWS::Glue::Job",
        "region": "us-east-1",
        "why": "AWS Config does not record this type",
    }
    assert app["references_checked"] == {"sources": ["iam", "config"], "not_covered": [glue]}
    assert found["lonely"]["references"] == []
    assert found["lonely"]["references_checked"]["not_covered"] == [glue]
    assert "Referenced by" not in found["lonely"]["annotation"]
    counts = sim_server.recorder.counts()
    assert counts["iam:GetAccountAuthorizationDetails"] == 1
    assert counts["config:SelectResourceConfig"] == 1


def test_csv_and_the_table_gain_a_referenced_by_column(dormant, sim_server: SimulatedAws) -> None:
    seeded = _seeded(sim_server)
    common = ("--as-of", seeded["as_of"], "--references", "live", "--regions", "us-east-1")

    table = dormant("scan", "-f", "table", *common, env=sim_server.env())
    written = dormant("scan", "-f", "csv", *common, env=sim_server.env())
    tsv = dormant("scan", "-f", "tsv", *common, env=sim_server.env())

    assert "Referenced by" in table.stdout.splitlines()[0]
    rows = {r["role_name"]: r for r in csv.DictReader(io.StringIO(written.stdout))}
    assert rows["app"]["referenced_by"].count(";") == 2  # three, none hidden
    assert "AWS::Lambda::Function quarterly (configuration.role)" in rows["app"]["referenced_by"]
    assert rows["app"]["references_checked"] == "iam, live"
    assert rows["lonely"]["referenced_by"] == ""
    assert all(len(line.split("\t")) == 3 for line in tsv.stdout.splitlines())


def test_scan_default_is_iam_only_and_none_reads_users_and_policies_not_at_all(
    dormant, sim_server: SimulatedAws
) -> None:
    seeded = _seeded(sim_server)
    default = dormant("scan", "-f", "json", "--as-of", seeded["as_of"], env=sim_server.env())
    none = dormant(
        "scan",
        "-f",
        "json",
        "--as-of",
        seeded["as_of"],
        "--references",
        "none",
        env=sim_server.env(),
    )

    app = {f["role_name"]: f for f in json.loads(default.stdout)["findings"]}["app"]
    assert [r["type"] for r in app["references"]] == ["AWS::IAM::InstanceProfile"]
    assert app["references_checked"] == {"sources": ["iam"], "not_covered": []}
    unchecked = {f["role_name"]: f for f in json.loads(none.stdout)["findings"]}["app"]
    assert unchecked["references_checked"] == {"sources": [], "not_covered": []}


def test_a_snapshot_gives_the_iam_source_when_asked(dormant, example: Path) -> None:
    result = dormant(
        "scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json", "--references", "iam"
    )
    found = [f for f in json.loads(result.stdout)["findings"] if f["references"]]
    assert found
    assert {r["source"] for f in found for r in f["references"]} == {"iam"}
    assert all(f["references_checked"]["sources"] == ["iam"] for f in found)


def test_a_snapshot_scan_checks_references_by_default(dormant, example: Path) -> None:
    default = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json")
    asked = dormant(
        "scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json", "--references", "iam"
    )
    findings = json.loads(default.stdout)["findings"]
    assert findings == json.loads(asked.stdout)["findings"]
    assert all(f["references_checked"]["sources"] == ["iam"] for f in findings)
    assert any(f["references"] for f in findings)
    html = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "html")
    assert 'id="unreferenced-only"' in html.stdout  # shown only when references were checked


def test_a_snapshot_on_standard_input_gets_its_references_in_the_one_pass(
    dormant, example: Path
) -> None:
    from_file = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json")
    from_stdin = dormant(
        "scan", "--snapshot", "-", "--as-of", AS_OF, "-f", "json", input=example.read_text()
    )
    assert from_stdin.returncode == from_file.returncode, from_stdin.stderr
    assert json.loads(from_stdin.stdout)["findings"] == json.loads(from_file.stdout)["findings"]


def test_bad_reference_options_are_one_line_usage_errors(dormant, example: Path) -> None:
    cases = [
        (("--aggregator", "org"), "--aggregator: needs --references config"),
        (("--references", "live", "--regions", "mars-1"), "--regions: expected Regions"),
        (("--references", "config"), "--references: a snapshot holds the iam source only"),
    ]
    for extra, message in cases:
        result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
