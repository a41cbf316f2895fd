"""The simulated Security Hub refuses what AWS refuses and filters what AWS filters."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from dormant_sim import securityhub, seed

ACCOUNT = seed.DEFAULT_ACCOUNT_ID
OTHER = "222222222222"
PRODUCT = f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default"


def _finding(number: int, **overrides: Any) -> dict[str, Any]:
    finding = {
        "SchemaVersion": "2018-10-08",
        "Id": f"dormant/unused-iam-role/{ACCOUNT}/AROA{number}",
        "ProductArn": PRODUCT,
        "GeneratorId": "dormant/unused-iam-role",
        "AwsAccountId": ACCOUNT,
        "CreatedAt": "2026-03-15T12:00:00Z",
        "UpdatedAt": "2026-03-15T12:00:00Z",
        "Title": "Unused IAM role r",
        "Description": "No record of usage",
        "Resources": [{"Type": "AwsIamRole", "Id": f"arn:aws:iam::{ACCOUNT}:role/r{number}"}],
        "RecordState": "ACTIVE",
    }
    finding.update(overrides)
    return finding


@pytest.fixture
def hub(sim) -> Any:
    client = sim.client("securityhub")
    client.enable_security_hub()
    return client


def test_import_needs_security_hub_enabled(sim) -> None:
    client = sim.client("securityhub")
    with pytest.raises(ClientError) as caught:
        client.batch_import_findings(Findings=[_finding(1)])
    assert caught.value.response["Error"]["Code"] == "InvalidAccessException"
    with pytest.raises(ClientError) as caught:
        client.get_findings()
    assert caught.value.response["Error"]["Code"] == "InvalidAccessException"


def test_import_takes_at_most_100_findings_a_call(hub) -> None:
    with pytest.raises(ClientError) as caught:
        hub.batch_import_findings(Findings=[_finding(n) for n in range(101)])
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"
    # Security Hub's model refuses it before the operation runs, as AWS's validation does.
    assert "at 'findings'" in caught.value.response["Error"]["Message"]
    assert "less than or equal to 100" in caught.value.response["Error"]["Message"]
    answer = hub.batch_import_findings(Findings=[_finding(n) for n in range(100)])
    assert (answer["SuccessCount"], answer["FailedCount"]) == (100, 0)


def test_findings_of_another_account_or_product_are_refused(hub) -> None:
    answer = hub.batch_import_findings(
        Findings=[
            _finding(1),
            _finding(2, AwsAccountId=OTHER),
            _finding(3, ProductArn=PRODUCT.replace("us-east-1", "eu-west-1")),
            _finding(4, UpdatedAt="2026-03-15 12:00:00"),
        ]
    )
    assert answer["SuccessCount"] == 1
    refused = {f["Id"].rsplit("/", 1)[-1]: f["ErrorMessage"] for f in answer["FailedFindings"]}
    assert set(refused) == {"AROA2", "AROA3", "AROA4"}
    assert "RFC 3339" in refused["AROA4"]
    assert OTHER in refused["AROA2"]
    assert "eu-west-1" in refused["AROA3"]


def test_planned_failures_come_back_in_failed_findings(hub) -> None:
    securityhub.fail_findings(2)
    first = hub.batch_import_findings(Findings=[_finding(n) for n in range(5)])
    assert (first["SuccessCount"], first["FailedCount"]) == (3, 2)
    second = hub.batch_import_findings(Findings=[_finding(n) for n in range(2)])
    assert second["FailedCount"] == 0


def test_get_findings_filters_and_pages(hub) -> None:
    findings = [_finding(n) for n in range(7)]
    findings.append(_finding(8, GeneratorId="another-tool"))
    findings.append(_finding(9, RecordState="ARCHIVED"))
    hub.batch_import_findings(Findings=findings)
    filters = {
        "GeneratorId": [{"Value": "dormant/unused-iam-role", "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    pages = hub.get_paginator("get_findings").paginate(
        Filters=filters, PaginationConfig={"PageSize": 3}
    )
    sizes = [len(page["Findings"]) for page in pages]
    assert sizes == [3, 3, 1]
    prefix = {"Id": [{"Value": f"dormant/unused-iam-role/{ACCOUNT}/AROA8", "Comparison": "PREFIX"}]}
    assert len(hub.get_findings(Filters=prefix)["Findings"]) == 1


def test_get_findings_refuses_what_it_cannot_filter_or_page(hub) -> None:
    with pytest.raises(ClientError, match="Title"):
        hub.get_findings(Filters={"Title": [{"Value": "x", "Comparison": "EQUALS"}]})
    with pytest.raises(ClientError, match=r"at 'maxResults'.*less than or equal to 100"):
        hub.get_findings(MaxResults=101)
