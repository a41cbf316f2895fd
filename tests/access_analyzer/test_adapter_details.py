"""GetFindingV2 through the adapter: an UnusedPermission finding's services over every page of
its details, an access key's id, and the reader chosen from --source in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.permissions.permissions_support import seed_role

from dormant.aws.access_analyzer import find_analyzer, with_details
from dormant.aws.findings_source import AccessAnalyzerReader, finding_reader
from dormant.core.aws_findings import FindingSource, UnusedAction
from dormant.core.errors import InvalidParameter
from dormant_sim import access_analyzer
from dormant_sim.seed.users import KeySeed
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"


@pytest.mark.parametrize("page_size", [1, 2, 1000])
def test_a_permission_findings_services_over_every_page(
    sim: Simulation, now: datetime, page_size: int
) -> None:
    seed_role(
        sim,
        "app",
        now,
        actions=("s3:GetObject", "s3:PutObject", "kms:Decrypt", "sqs:SendMessage"),
        used={"s3:GetObject": 3, "kms": 120},
    )
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    reader = AccessAnalyzerReader(client, find_analyzer(client, ACCOUNT), ACCOUNT)
    (summary,) = reader.findings(["UnusedPermission"])
    assert (summary.detailed, summary.services) == (False, ())
    detailed = with_details(client, summary, account_id=ACCOUNT, page_size=page_size)
    assert detailed.detailed
    by_namespace = {s.namespace: s for s in detailed.services}
    assert sorted(by_namespace) == ["kms", "s3", "sqs"]
    assert by_namespace["kms"].last_accessed == now - timedelta(days=120)
    assert by_namespace["sqs"].last_accessed is None
    assert by_namespace["s3"].actions == (UnusedAction("PutObject"),)
    # A permission finding's last access is its most recent service's.
    assert detailed.last_accessed == now - timedelta(days=3)
    assert reader.details(detailed) is detailed  # held already: no second call


def test_an_access_key_findings_id_and_last_access(sim: Simulation, now: datetime) -> None:
    old = now - timedelta(days=300)
    user = sim.put_user(ACCOUNT, "alice", created=old, keys=[KeySeed(created=old, last_used=old)])
    access_analyzer.create_analyzer(ACCOUNT, "unused")
    access_analyzer.analyze(now)
    client = sim.client("accessanalyzer")
    reader = AccessAnalyzerReader(client, find_analyzer(client, ACCOUNT), ACCOUNT)
    (summary,) = reader.findings(["UnusedIAMUserAccessKey"])
    assert summary.access_key_id is None  # summaries never name the key
    detailed = reader.details(summary)
    assert detailed.access_key_id == user.access_key_ids[0]
    assert detailed.last_accessed == old


def test_the_reader_is_chosen_from_the_source(sim: Simulation) -> None:
    import boto3

    arn = access_analyzer.create_analyzer(ACCOUNT, "unused")
    session = boto3.session.Session(region_name="us-east-1")
    reader = finding_reader(FindingSource.ACCESS_ANALYZER, session, ACCOUNT)
    assert reader.where == f"access-analyzer {arn}"
    with pytest.raises(InvalidParameter, match="has no findings to read"):
        finding_reader(FindingSource.DORMANT, session, ACCOUNT)
