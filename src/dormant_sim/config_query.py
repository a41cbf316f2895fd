"""AWS Config's advanced queries answered over the simulated resources, which moto only fakes.

moto's SelectResourceConfig returns canned results and it has no
SelectAggregateResourceConfig. This module answers both for real:

- SelectResourceConfig(Expression, Limit, NextToken): the caller's account and Region;
- SelectAggregateResourceConfig(ConfigurationAggregatorName, Expression, Limit | MaxResults,
  NextToken): every (account, Region) of the aggregator's sources
  (`dormant_sim.config_aggregate.source_filter`) that has a configuration recorder; an
  unknown aggregator is NoSuchConfigurationAggregatorException.

The items are `dormant_sim.config_items`' configuration items of the types each account's
recorder records (a type not recorded yields nothing); the language is
`dormant_sim.config_sql`'s subset (anything else is InvalidExpressionException). As AWS:
the expression is 1 to 4,096 characters and Limit (MaxResults) 0 to 100
(ValidationException otherwise); without one, a page holds 25 results; NextToken pages on
through the results the first page computed, and is tied to the expression (and aggregator)
it was issued for (InvalidNextTokenException otherwise). Each result is the JSON of the
selected properties; QueryInfo.SelectFields names them. The results come in a stable order
(account, Region, resource type, resource id).

Calls are recorded by `dormant_sim.dispatch` like any other. Test support over moto's
private classes (`ConfigResponse`); never imported by dormant's Lambda path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from moto.config.models import config_backends
from moto.config.responses import ConfigResponse

from dormant_sim.config_aggregate import find_aggregator, source_filter
from dormant_sim.config_items import configuration_items, regions_with_recorder
from dormant_sim.config_sql import Query, QueryError, matches, parse, project
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, constraint_error, decode_token, encode_token, json_body

__all__ = ["DEFAULT_PAGE_SIZE", "EXPRESSION_MAX", "PAGE_MAX", "PATCHES", "reset"]

EXPRESSION_MAX = 4096
PAGE_MAX = 100
DEFAULT_PAGE_SIZE = 25  # AWS's page for a non-aggregation query without Limit or MaxResults


# The results of a query whose later pages were not read yet, by its NextToken kind: a
# NextToken pages on through the results the first page computed, as Config answers a query
# from one index (and a 20,000-item query is not rebuilt for each of its 200 pages).
_PENDING: dict[str, list[dict[str, Any]]] = {}


def reset() -> None:
    """Forget the results held for unfinished pagings; the items themselves are built from
    moto's backends at each first page."""
    _PENDING.clear()


def _paged_results(
    body: dict[str, Any], kind: str, compute: Callable[[], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    if body.get("NextToken") and kind in _PENDING:
        return _PENDING[kind]
    results = compute()
    _PENDING[kind] = results
    return results


def _expression(body: dict[str, Any]) -> tuple[str, Query]:
    expression = body.get("Expression")
    if not isinstance(expression, str) or not expression:
        raise constraint_error(
            "ValidationException", expression, "expression", "Member must not be null"
        )
    if len(expression) > EXPRESSION_MAX:
        raise constraint_error(
            "ValidationException",
            expression,
            "expression",
            f"Member must have length less than or equal to {EXPRESSION_MAX}",
        )
    try:
        return expression, parse(expression)
    except QueryError as exc:
        raise AwsError("InvalidExpressionException", str(exc)) from None


def _page_size(body: dict[str, Any], members: Sequence[str]) -> int:
    for member in members:
        value = body.get(member)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= PAGE_MAX:
            raise constraint_error(
                "ValidationException",
                value,
                member[0].lower() + member[1:],
                f"Member must have value less than or equal to {PAGE_MAX}",
            )
        if value:
            return value
    return DEFAULT_PAGE_SIZE


def _results(query: Query, places: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    types = query.resource_types()
    return [
        project(query, item)
        for account, region in places
        for item in configuration_items(account, region, types)
        if matches(query, item)
    ]


def _respond(
    body: dict[str, Any],
    query: Query,
    results: list[dict[str, Any]],
    page_size: int,
    token_kind: str,
) -> str:
    start = 0
    token = body.get("NextToken")
    if token:
        decoded = decode_token(str(token), token_kind)
        if decoded is None or decoded > len(results):
            raise AwsError("InvalidNextTokenException", "The nextToken provided is invalid")
        start = decoded
    end = start + page_size
    response: dict[str, Any] = {
        "Results": [json.dumps(r, separators=(",", ":")) for r in results[start:end]],
        "QueryInfo": {"SelectFields": [{"Name": f} for f in dict.fromkeys(query.fields)]},
    }
    if end < len(results):
        response["NextToken"] = encode_token(token_kind, end)
    return json.dumps(response)


def _token_kind(*parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
    return f"select-{digest}"


def _select_resource_config(self: ConfigResponse) -> str:
    body = json_body(self)
    expression, query = _expression(body)
    page_size = _page_size(body, ("Limit",))
    account, region = self.current_account, self.region
    kind = _token_kind(account, region, expression)
    results = _paged_results(body, kind, lambda: _results(query, [(account, region)]))
    return _respond(body, query, results, page_size, kind)


def _source_places(covered: Callable[[str, str], bool]) -> list[tuple[str, str]]:
    accounts = sorted(dict.keys(config_backends))
    return [
        (account, region)
        for account in accounts
        for region in regions_with_recorder(account)
        if covered(account, region)
    ]


def _select_aggregate_resource_config(self: ConfigResponse) -> str:
    body = json_body(self)
    name = body.get("ConfigurationAggregatorName")
    aggregator = find_aggregator(self, name)
    expression, query = _expression(body)
    page_size = _page_size(body, ("Limit", "MaxResults"))
    kind = _token_kind(self.current_account, self.region, str(name), expression)
    places = _source_places(source_filter(self, aggregator))
    results = _paged_results(body, kind, lambda: _results(query, places))
    return _respond(body, query, results, page_size, kind)


PATCHES = (
    Patch(ConfigResponse, "select_resource_config", _select_resource_config),
    # moto dispatches to any method named after the operation, so adding one implements it.
    Patch(ConfigResponse, "select_aggregate_resource_config", _select_aggregate_resource_config),
)
