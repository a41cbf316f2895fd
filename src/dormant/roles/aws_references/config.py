"""The ``config`` source over boto3: AWS Config's advanced queries, a few queries in all.

In one account, per Region: DescribeConfigurationRecorders and
DescribeConfigurationRecorderStatus (what the recorder records, and whether it runs: a type
it does not record is not covered), then each of ``dormant.roles.references.config.queries``
(today one expression for every type) through SelectResourceConfig, 100 results a page.
Through an aggregator (``aggregator=NAME``): the same expressions through
SelectAggregateResourceConfig, once for the whole organization; an account of the roles
asked about that sends the aggregator nothing at all is not covered. Never a query per role.

A denied or failing call leaves the types it would have read not covered, names the call
through ``warn``, and the rest goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import DormantError
from dormant.roles.model import NotCovered
from dormant.roles.references.config import (
    CONFIG_FIELDS,
    PAGE_SIZE,
    SOURCE_CONFIG,
    items_of,
    not_recorded,
    queries,
)
from dormant.roles.references.join import ItemFinder, ReferencingItem, SourceResult

__all__ = ["config_finder"]

Warn = Callable[[str], None]


def _gaps(why: str, region: str | None) -> tuple[NotCovered, ...]:
    return tuple(NotCovered(t, region, why) for t in CONFIG_FIELDS)


def _select(
    client: Any, expression: str, *, account_id: str, aggregator: str | None
) -> list[ReferencingItem]:
    if aggregator is None:
        operation, method, params = (
            "config:SelectResourceConfig",
            "select_resource_config",
            {"Expression": expression},
        )
    else:
        operation, method = (
            "config:SelectAggregateResourceConfig",
            "select_aggregate_resource_config",
        )
        params = {"Expression": expression, "ConfigurationAggregatorName": aggregator}
    found: list[ReferencingItem] = []
    guard = partial(aws_call, operation, account_id)
    for page in each_page(client, method, guard, page_size=PAGE_SIZE, **params):
        for raw in page.get("Results", []):
            found.extend(items_of(json.loads(raw)))
    return found


def _account_region(client: Any, account_id: str, region: str, warn: Warn) -> SourceResult:
    try:
        with aws_call("config:DescribeConfigurationRecorders", account_id):
            recorders = client.describe_configuration_recorders()["ConfigurationRecorders"]
        with aws_call("config:DescribeConfigurationRecorderStatus", account_id):
            statuses = client.describe_configuration_recorder_status()[
                "ConfigurationRecordersStatus"
            ]
    except DormantError as exc:
        warn(f"references: AWS Config in {region} not read: {exc}")
        return SourceResult((), {"": _gaps(f"not read: {exc}", region)})
    missing = not_recorded(recorders, statuses)
    gaps = [NotCovered(t, region, why) for t, why in missing.items()]
    wanted = [t for t in CONFIG_FIELDS if t not in missing]
    items: list[ReferencingItem] = []
    for expression in queries(wanted) if wanted else ():
        try:
            items += _select(client, expression, account_id=account_id, aggregator=None)
        except DormantError as exc:
            warn(f"references: AWS Config query in {region} failed: {exc}")
            gaps = [NotCovered(t, region, f"query failed: {exc}") for t in CONFIG_FIELDS]
            items = []
            break
    return SourceResult(tuple(items), {"": tuple(gaps)})


def _aggregated(client: Any, account_id: str, aggregator: str, warn: Warn) -> SourceResult:
    items: list[ReferencingItem] = []
    try:
        for expression in queries():
            items += _select(client, expression, account_id=account_id, aggregator=aggregator)
    except DormantError as exc:
        warn(f"references: aggregator {aggregator} not read: {exc}")
        return SourceResult((), {"": _gaps(f"aggregator {aggregator} not read: {exc}", None)})
    return SourceResult(
        tuple(items),
        accounts=frozenset(item.account_id for item in items),
        types=tuple(CONFIG_FIELDS),
        elsewhere=f"aggregator {aggregator} holds no configuration item of this account",
    )


def config_finder(
    clients: Callable[[str], Any],
    *,
    account_id: str,
    regions: Sequence[str],
    aggregator: str | None = None,
    warn: Warn = lambda message: None,
) -> ItemFinder:
    """The ``config`` source: ``clients(region)`` gives a Config client in that Region.

    With ``aggregator``, the first Region's client queries it (where the aggregator lives).
    Nothing is called until the first question.
    """

    def fetch() -> SourceResult:
        if aggregator is not None:
            return _aggregated(clients(regions[0]), account_id, aggregator, warn)
        items: list[ReferencingItem] = []
        gaps: list[NotCovered] = []
        for region in regions:
            part = _account_region(clients(region), account_id, region, warn)
            items += part.items
            gaps += part.uncovered_in(account_id)
        return SourceResult(
            tuple(items),
            {account_id: tuple(gaps)},
            accounts=frozenset({account_id}),
            types=tuple(CONFIG_FIELDS),
            elsewhere=f"AWS Config was read in account {account_id} only (use --aggregator)",
        )

    return ItemFinder(SOURCE_CONFIG, fetch)
