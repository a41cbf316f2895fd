"""AWS Config aggregators' compliance reads, which moto does not implement.

moto stores configuration aggregators (PutConfigurationAggregator) but answers none of the
aggregate compliance calls, and lists an aggregator's IAM roles from the caller's own
account only. This module serves, over the evaluations `dormant_sim.config` stores per
account and Region:

- DescribeAggregateComplianceByConfigRules: one entry per (account, Region) of the
  aggregator's sources where the rule holds results, with the rule's compliance there;
  filters ConfigRuleName, ComplianceType, AccountId, AwsRegion; Limit at most 1000, paged.
- GetAggregateComplianceDetailsByConfigRule: one (account, Region)'s results, COMPLIANT and
  NON_COMPLIANT only (as AWS: the aggregator carries no NOT_APPLICABLE), Limit at most 100,
  paged; AccountId, AwsRegion and ConfigRuleName required.
- ListAggregateDiscoveredResources for AWS::IAM::Role: every source account's roles (name
  and id, SourceRegion "global", as Config records IAM), filters AccountId and
  ResourceName, Limit at most 100, paged. Other resource types go to moto.

An unknown aggregator is NoSuchConfigurationAggregatorException. Sources: the account
sources' AccountIds and AwsRegions (AllAwsRegions: any Region), or the organization's
accounts for an organization source. Test support over moto's private classes; never
imported by dormant's Lambda path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from moto.config.models import ConfigAggregator, config_backends
from moto.config.responses import ConfigResponse

from dormant_sim.config import stored_evaluations, stored_rules
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, constraint_error, decode_token, encode_token, json_body

__all__ = ["PATCHES", "find_aggregator", "reset", "source_filter"]

_DESCRIBE_MAX = 1000
_DETAILS_MAX = 100
_RESOURCES_MAX = 100
_AGGREGATE_TYPES = ("COMPLIANT", "NON_COMPLIANT")
_ROLE_TYPE = "AWS::IAM::Role"


def reset() -> None:
    """Nothing of its own: aggregators live in moto, results in `dormant_sim.config`."""


@dataclass(frozen=True)
class _Sources:
    accounts: frozenset[str] | None  # None: every account (organization source)
    regions: frozenset[str] | None  # None: every Region

    def covers(self, account_id: str, region: str) -> bool:
        return (self.accounts is None or account_id in self.accounts) and (
            self.regions is None or region in self.regions
        )


def find_aggregator(response: ConfigResponse, name: object) -> ConfigAggregator:
    """The caller's aggregator `name`, or AWS's error for a missing or unknown one."""
    if not isinstance(name, str) or not name:
        raise constraint_error(
            "ValidationException", name, "configurationAggregatorName", "Member must not be null"
        )
    found = config_backends[response.current_account][response.region].config_aggregators.get(name)
    if found is None:
        raise AwsError(
            "NoSuchConfigurationAggregatorException",
            f"The configuration aggregator {name} does not exist.",
        )
    return found


def _organization_accounts(management_account: str) -> frozenset[str]:
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[management_account]["aws"]
    return frozenset(a.id for a in getattr(backend, "accounts", []) if a.status == "ACTIVE")


def _sources(aggregator: ConfigAggregator, owner: str) -> list[_Sources]:
    sources: list[_Sources] = []
    for source in aggregator.account_aggregation_sources or []:
        regions = None if source.all_aws_regions else frozenset(source.aws_regions or [])
        sources.append(_Sources(frozenset(source.account_ids or []), regions))
    org = aggregator.organization_aggregation_source
    if org is not None:
        regions = None if org.all_aws_regions else frozenset(org.aws_regions or [])
        sources.append(_Sources(_organization_accounts(owner), regions))
    return sources


def source_filter(
    response: ConfigResponse, aggregator: ConfigAggregator
) -> Callable[[str, str], bool]:
    """Whether an (account, Region) is one of the aggregator's sources."""
    sources = _sources(aggregator, response.current_account)
    return lambda account, region: any(s.covers(account, region) for s in sources)


def _limit(body: dict[str, Any], maximum: int) -> int:
    limit = body.get("Limit") or maximum
    if not isinstance(limit, int) or not 0 <= limit <= maximum:
        raise constraint_error(
            "ValidationException",
            limit,
            "limit",
            f"Member must have value less than or equal to {maximum}",
        )
    return limit


def _page(items: Sequence[Any], body: dict[str, Any], kind: str, limit: int) -> tuple[Any, Any]:
    start = 0
    token = body.get("NextToken")
    if token:
        decoded = decode_token(str(token), kind)
        if decoded is None or decoded > len(items):
            raise AwsError("InvalidNextTokenException", "The nextToken provided is invalid")
        start = decoded
    end = start + limit
    return items[start:end], encode_token(kind, end) if end < len(items) else None


def _rule_compliance(rule_name: str, account: str, region: str) -> tuple[str, int]:
    types = [e.compliance_type for e in stored_evaluations(rule_name, account, region)]
    non_compliant = types.count("NON_COMPLIANT")
    if non_compliant:
        return "NON_COMPLIANT", non_compliant
    return ("COMPLIANT", 0) if "COMPLIANT" in types else ("INSUFFICIENT_DATA", 0)


def _describe_aggregate_compliance_by_config_rules(self: ConfigResponse) -> str:
    body = json_body(self)
    aggregator = find_aggregator(self, body.get("ConfigurationAggregatorName"))
    covered = source_filter(self, aggregator)
    filters = body.get("Filters") or {}
    limit = _limit(body, _DESCRIBE_MAX)
    entries: list[dict[str, Any]] = []
    for account, region, rule_name in stored_rules():
        if filters.get("ConfigRuleName") and filters["ConfigRuleName"] != rule_name:
            continue
        if not covered(account, region):
            continue
        if filters.get("AccountId") and filters["AccountId"] != account:
            continue
        if filters.get("AwsRegion") and filters["AwsRegion"] != region:
            continue
        compliance, count = _rule_compliance(rule_name, account, region)
        if filters.get("ComplianceType") and filters["ComplianceType"] != compliance:
            continue
        entries.append(
            {
                "ConfigRuleName": rule_name,
                "Compliance": {
                    "ComplianceType": compliance,
                    "ComplianceContributorCount": {
                        "CappedCount": min(count, 100),
                        "CapExceeded": count > 100,
                    },
                },
                "AccountId": account,
                "AwsRegion": region,
            }
        )
    page, token = _page(entries, body, "aggregate-rules", limit)
    response: dict[str, Any] = {"AggregateComplianceByConfigRules": page}
    if token:
        response["NextToken"] = token
    return json.dumps(response)


def _get_aggregate_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    body = json_body(self)
    aggregator = find_aggregator(self, body.get("ConfigurationAggregatorName"))
    for member in ("ConfigRuleName", "AccountId", "AwsRegion"):
        if not body.get(member):
            raise constraint_error(
                "ValidationException",
                None,
                member[0].lower() + member[1:],
                "Member must not be null",
            )
    rule_name, account, region = body["ConfigRuleName"], body["AccountId"], body["AwsRegion"]
    wanted = body.get("ComplianceType")
    if wanted is not None and wanted not in _AGGREGATE_TYPES:
        raise AwsError(
            "InvalidParameterValueException",
            f"ComplianceType {wanted} is not supported: an aggregator holds only "
            "COMPLIANT and NON_COMPLIANT results",
        )
    limit = _limit(body, _DETAILS_MAX)
    if not source_filter(self, aggregator)(account, region):
        results: list[Any] = []
    else:
        types = {wanted} if wanted else set(_AGGREGATE_TYPES)
        results = [
            e for e in stored_evaluations(rule_name, account, region) if e.compliance_type in types
        ]
    page, token = _page(results, body, "aggregate-details", limit)
    response: dict[str, Any] = {
        "AggregateEvaluationResults": [
            {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": e.config_rule_name,
                        "ResourceType": e.resource_type,
                        "ResourceId": e.resource_id,
                        "EvaluationMode": "DETECTIVE",
                    },
                    "OrderingTimestamp": e.ordering_timestamp.timestamp(),
                },
                "ComplianceType": e.compliance_type,
                "ResultRecordedTime": e.result_recorded_time.timestamp(),
                "ConfigRuleInvokedTime": e.config_rule_invoked_time.timestamp(),
                **({"Annotation": e.annotation} if e.annotation is not None else {}),
                "AccountId": account,
                "AwsRegion": region,
            }
            for e in page
        ]
    }
    if token:
        response["NextToken"] = token
    return json.dumps(response)


_original_list_aggregate = ConfigResponse.list_aggregate_discovered_resources


def _role_identifiers(account: str) -> list[dict[str, str]]:
    from moto.iam.models import iam_backends

    try:
        roles = iam_backends[account]["global"].roles.values()
    except KeyError:
        return []
    return [
        {
            "SourceAccountId": account,
            "SourceRegion": "global",
            "ResourceId": role.id,
            "ResourceType": _ROLE_TYPE,
            "ResourceName": role.name,
        }
        for role in sorted(roles, key=lambda r: r.name)
    ]


def _list_aggregate_discovered_resources(self: ConfigResponse) -> str:
    body = json_body(self)
    if body.get("ResourceType") != _ROLE_TYPE:
        result: str = _original_list_aggregate(self)
        return result
    aggregator = find_aggregator(self, body.get("ConfigurationAggregatorName"))
    filters = body.get("Filters") or {}
    limit = _limit(body, _RESOURCES_MAX)
    sources = _sources(aggregator, self.current_account)
    if filters.get("AccountId"):
        accounts = [filters["AccountId"]]
    else:
        from moto.iam.models import iam_backends

        accounts = sorted(iam_backends.keys())
    identifiers = [
        identifier
        for account in accounts
        if any(s.accounts is None or account in s.accounts for s in sources)
        for identifier in _role_identifiers(account)
        if not filters.get("ResourceName") or identifier["ResourceName"] == filters["ResourceName"]
    ]
    page, token = _page(identifiers, body, "aggregate-resources", limit)
    response: dict[str, Any] = {"ResourceIdentifiers": page}
    if token:
        response["NextToken"] = token
    return json.dumps(response)


PATCHES = (
    Patch(
        ConfigResponse,
        "describe_aggregate_compliance_by_config_rules",
        _describe_aggregate_compliance_by_config_rules,
    ),
    Patch(
        ConfigResponse,
        "get_aggregate_compliance_details_by_config_rule",
        _get_aggregate_compliance_details_by_config_rule,
    ),
    Patch(
        ConfigResponse, "list_aggregate_discovered_resources", _list_aggregate_discovered_resources
    ),
)
