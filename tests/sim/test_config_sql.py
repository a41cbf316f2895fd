"""The simulated Config's SQL subset, on plain configuration items (no AWS at all)."""

from __future__ import annotations

from typing import Any

import pytest

from dormant_sim.config_sql import Condition, QueryError, matches, parse, project

ITEM: dict[str, Any] = {
    "resourceType": "AWS::Events::Rule",
    "resourceId": "rule-1",
    "configuration": {
        "RoleArn": "arn:aws:iam::111111111111:role/a",
        "Enabled": True,
        "Count": 1,
        "Targets": [
            {"Id": "1", "RoleArn": "arn:aws:iam::111111111111:role/b"},
            {"Id": "2"},
            {"Id": "3", "RoleArn": "arn:aws:iam::111111111111:role/c"},
        ],
        "Names": ["x", "y"],
    },
}


def test_parse_keeps_fields_in_order_and_conditions() -> None:
    query = parse(
        "SELECT resourceId, configuration.RoleArn WHERE resourceType IN ('A', 'B') "
        "AND configuration.Count = 1"
    )
    assert query.fields == ("resourceId", "configuration.RoleArn")
    assert query.conditions == (
        Condition(("resourceType",), ("A", "B")),
        Condition(("configuration", "Count"), (1,)),
    )
    assert query.resource_types() == frozenset({"A", "B"})
    assert parse("SELECT resourceId").resource_types() is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("configuration.Targets.RoleArn = 'arn:aws:iam::111111111111:role/c'", True),
        ("configuration.Targets.RoleArn = 'arn:aws:iam::111111111111:role/a'", False),
        ("configuration.Names = 'y'", True),
        ("configuration.Enabled = TRUE", True),
        ("configuration.Enabled = 1", False),  # a boolean is not a number
        ("configuration.Count = TRUE", False),
        ("configuration.Count = 1", True),
        ("configuration.Count = '1'", False),
        ("configuration.Missing = 'x'", False),
        # Each condition on a list holds for any element, on its own (Config's array rule).
        (
            "configuration.Targets.Id = '2' AND configuration.Targets.RoleArn IN "
            "('arn:aws:iam::111111111111:role/b')",
            True,
        ),
    ],
)
def test_conditions(where: str, expected: bool) -> None:
    assert matches(parse(f"SELECT resourceId WHERE {where}"), ITEM) is expected


def test_projection_merges_paths_through_one_list_and_drops_what_is_absent() -> None:
    selected = project(
        parse("SELECT configuration.Targets.Id, configuration.Targets.RoleArn, nothing.here"),
        ITEM,
    )
    assert selected == {
        "configuration": {
            "Targets": [
                {"Id": "1", "RoleArn": "arn:aws:iam::111111111111:role/b"},
                {"Id": "2"},
                {"Id": "3", "RoleArn": "arn:aws:iam::111111111111:role/c"},
            ]
        }
    }


def test_selecting_a_whole_property_and_a_part_of_it_gives_the_whole() -> None:
    selected = project(parse("SELECT configuration, configuration.RoleArn"), ITEM)
    assert selected == {"configuration": ITEM["configuration"]}


@pytest.mark.parametrize(
    "expression", ["SELECT a WHERE b = 1.5", "SELECT a WHERE b = c", "SELECT a, WHERE b = 'c'"]
)
def test_what_is_not_in_the_subset_is_refused(expression: str) -> None:
    with pytest.raises(QueryError, match="Invalid expression"):
        parse(expression)
