"""AWS Config aggregator adapter: where a rule has results, each pair's results, role names.

Every read is paged through botocore's paginators at the API's largest page
(DescribeAggregateComplianceByConfigRules 1,000, GetAggregateComplianceDetailsByConfigRule
and ListAggregateDiscoveredResources 100), and every error becomes an ``AwsAccessError``
naming the call and the account. Must never decide anything: the join is
``dormant.report.aggregated``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from dormant.aws.calls import each_page
from dormant.aws.session import aws_call
from dormant.core.errors import AwsAccessError, InvalidParameter
from dormant.core.model import RESOURCE_TYPE_ROLE
from dormant.engine.rule import RecordedResult
from dormant.roles.aggregated import SourcePair

if TYPE_CHECKING:
    from mypy_boto3_config import ConfigServiceClient


__all__ = ["ConfigAggregateReader"]

_RULES_PAGE = 1000
_DETAILS_PAGE = 100
_RESOURCES_PAGE = 100


_NO_AGGREGATOR = "NoSuchConfigurationAggregatorException"


class ConfigAggregateReader:
    """An ``AggregateReader`` over one aggregator, from the account that owns it."""

    def __init__(
        self, config: ConfigServiceClient, aggregator_name: str, *, account_id: str = ""
    ) -> None:
        self._config = config
        self._name = aggregator_name
        self._account_id = account_id

    def _pages(self, operation: str, call: str, page_size: int, **params: Any) -> Iterator[Any]:
        return each_page(
            self._config,
            operation,
            partial(aws_call, call, self._account_id),
            page_size=page_size,
            ConfigurationAggregatorName=self._name,
            **params,
        )

    def pairs(self, rule_name: str) -> list[SourcePair]:
        pages = self._pages(
            "describe_aggregate_compliance_by_config_rules",
            "config:DescribeAggregateComplianceByConfigRules",
            _RULES_PAGE,
            Filters={"ConfigRuleName": rule_name},
        )
        try:
            return sorted(
                {
                    SourcePair(str(entry["AccountId"]), str(entry["AwsRegion"]))
                    for page in pages
                    for entry in page.get("AggregateComplianceByConfigRules", [])
                    if entry.get("ConfigRuleName") == rule_name
                }
            )
        except AwsAccessError as exc:
            if _NO_AGGREGATOR not in str(exc):
                raise
            region = self._config.meta.region_name
            raise InvalidParameter(
                "--aggregator",
                f"aggregator {self._name} not found in {region} "
                "(run in the account and --region that hold it)",
            ) from None

    def results(
        self, rule_name: str, pair: SourcePair, compliance_type: str | None
    ) -> Iterator[RecordedResult]:
        extra = {} if compliance_type is None else {"ComplianceType": compliance_type}
        pages = each_page(
            self._config,
            "get_aggregate_compliance_details_by_config_rule",
            partial(aws_call, "config:GetAggregateComplianceDetailsByConfigRule", pair.account_id),
            page_size=_DETAILS_PAGE,
            ConfigurationAggregatorName=self._name,
            ConfigRuleName=rule_name,
            AccountId=pair.account_id,
            AwsRegion=pair.region,
            **extra,
        )
        for page in pages:
            for result in page.get("AggregateEvaluationResults", []):
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                yield RecordedResult(
                    resource_type=str(qualifier.get("ResourceType", "")),
                    resource_id=str(qualifier.get("ResourceId", "")),
                    compliance=str(result.get("ComplianceType", "")),
                    annotation=result.get("Annotation"),
                    recorded_at=result.get("ResultRecordedTime"),
                )

    def role_names(self, account_id: str) -> Mapping[str, str]:
        pages = self._pages(
            "list_aggregate_discovered_resources",
            "config:ListAggregateDiscoveredResources",
            _RESOURCES_PAGE,
            ResourceType=RESOURCE_TYPE_ROLE,
            Filters={"AccountId": account_id},
        )
        return {
            str(r["ResourceId"]): str(r["ResourceName"])
            for page in pages
            for r in page.get("ResourceIdentifiers", [])
            if r.get("ResourceName")
        }
