"""GetAccountAuthorizationDetails pages like AWS, and roles carry CreateDate/RoleLastUsed."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dormant_sim.server import Simulation


def _all_pages(iam: object, max_items: int) -> list[dict[str, object]]:
    pages = []
    kwargs: dict[str, object] = {"Filter": ["Role"], "MaxItems": max_items}
    while True:
        page = iam.get_account_authorization_details(**kwargs)  # type: ignore[attr-defined]
        pages.append(page)
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return pages
        kwargs["Marker"] = page["Marker"]


def test_2500_roles_come_in_three_pages_of_at_most_1000_each_role_once(
    sim: Simulation, now: datetime
) -> None:
    seeded = sim.bulk_roles("123456789012", 2500, now=now)
    iam = sim.client("iam")

    pages = _all_pages(iam, 1000)

    assert [len(p["RoleDetailList"]) for p in pages] == [1000, 1000, 500]
    names = [r["RoleName"] for p in pages for r in p["RoleDetailList"]]
    assert sorted(names) == sorted(r.name for r in seeded)
    assert len(set(names)) == 2500
    assert sim.recorder.calls("iam", "GetAccountAuthorizationDetails") == 3


def test_default_page_is_100_items(sim: Simulation, now: datetime) -> None:
    sim.bulk_roles("123456789012", 150, now=now)
    page = sim.client("iam").get_account_authorization_details(Filter=["Role"])
    assert len(page["RoleDetailList"]) == 100
    assert page["IsTruncated"] is True


@pytest.mark.parametrize("max_items", [1001, 5000])
def test_max_items_above_1000_is_rejected(sim: Simulation, max_items: int) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("iam").get_account_authorization_details(Filter=["Role"], MaxItems=max_items)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "less than or equal to 1000" in caught.value.response["Error"]["Message"]


def test_a_forged_marker_is_rejected(sim: Simulation) -> None:
    with pytest.raises(ClientError) as caught:
        sim.client("iam").get_account_authorization_details(Filter=["Role"], Marker="nonsense")
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_role_details_carry_create_date_and_last_use(sim: Simulation, now: datetime) -> None:
    created = now - timedelta(days=400, hours=3)
    used = now - timedelta(days=46, hours=3)
    sim.put_role(
        "123456789012",
        "AdminRole",
        created=created,
        last_used=used,
        last_used_region="us-west-2",
    )
    sim.put_role("123456789012", "NeverUsed", created=created)

    details = sim.client("iam").get_account_authorization_details(Filter=["Role"], MaxItems=1000)
    roles = {r["RoleName"]: r for r in details["RoleDetailList"]}

    assert roles["AdminRole"]["CreateDate"] == created
    assert roles["AdminRole"]["RoleLastUsed"] == {"LastUsedDate": used, "Region": "us-west-2"}
    assert roles["NeverUsed"]["RoleLastUsed"] == {}
    assert details["UserDetailList"] == []


def test_service_linked_paths_can_be_seeded(sim: Simulation, now: datetime) -> None:
    role = sim.put_role(
        "123456789012",
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=now - timedelta(days=10),
    )
    assert role.arn.endswith(
        ":role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
    )


def test_direct_xml_pages_equal_moto_serializer_pages(sim: Simulation, now: datetime) -> None:
    from moto.iam.models import iam_backends

    from dormant_sim import strict
    from dormant_sim.seed import ADMINISTRATOR_ACCESS_ARN

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a+b%c/*"}
        ],
    }
    sim.put_role(
        "123456789012",
        "Rich",
        path="/team/x/",
        created=now - timedelta(days=3, microseconds=123456),
        last_used=now - timedelta(days=1),
        last_used_region="eu-west-1",
        inline_policies={"one": policy, "two": policy},
        managed_policy_arns=[ADMINISTRATOR_ACCESS_ARN],
        tags={"owner": "<a & b>", "empty": ""},
        permissions_boundary=ADMINISTRATOR_ACCESS_ARN,
    )
    sim.put_role("123456789012", "NoRegion", created=now, last_used=now)
    iam_backends["123456789012"]["aws"].get_role("NoRegion").last_used_region = None
    sim.bulk_roles("123456789012", 5, now=now, tags={"k": "v"}, inline_policies={"p": policy})
    iam = sim.client("iam")

    def pages() -> list[dict[str, object]]:
        result = []
        for page in _all_pages(iam, 3):
            page.pop("ResponseMetadata")
            result.append(page)
        return result

    try:
        strict.set_fast_gaad(False)
        by_moto = pages()
    finally:
        strict.set_fast_gaad(True)
    direct = pages()

    assert direct == by_moto
    assert len(direct) == 3


@pytest.fixture
def thirty_seven_roles(sim: Simulation, now: datetime) -> Simulation:
    sim.bulk_roles("123456789012", 37, now=now)
    return sim


@settings(
    max_examples=25,
    deadline=None,
    # The examples only read the account the fixture built, so sharing it is sound.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(max_items=st.integers(min_value=1, max_value=45))
def test_any_page_size_yields_every_role_once_in_ceil_n_over_size_pages(
    thirty_seven_roles: Simulation, max_items: int
) -> None:
    iam = thirty_seven_roles.client("iam")

    pages = _all_pages(iam, max_items)

    names = [r["RoleName"] for p in pages for r in p["RoleDetailList"]]
    assert len(pages) == math.ceil(37 / max_items)
    assert len(names) == len(set(names)) == 37
    assert all(len(p["RoleDetailList"]) <= max_items for p in pages)
