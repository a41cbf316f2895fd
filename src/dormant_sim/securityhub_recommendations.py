"""Security Hub's recommended policies for unused permissions (V2, OCSF), which moto lacks.

Shaped by botocore's `securityhub` model:

- GenerateRecommendedPolicyV2 (POST /recommendedPolicyV2/{MetadataUid}): starts the
  recommendation of one finding the account's Security Hub shows (`dormant_sim.securityhub_v2`)
  by its `metadata.uid`. A uid it does not show is ResourceNotFoundException; a finding that
  is not `UnusedPermission`, or is not open (status New or In Progress, and ACTIVE in the
  analyzer), is a ValidationException. The steps are the ones the simulated Access Analyzer
  computes for the same finding (`dormant_sim.recommendations`, through
  `dormant_sim.recommendation_jobs`), in a job of Security Hub's own: IN_PROGRESS for the
  first polls, then SUCCEEDED (or FAILED for the roles `fail_recommendations` names).
- GetRecommendedPolicyV2 (GET, same path; MaxResults 1..100, NextToken): Status,
  RecommendationType UNUSED_PERMISSION_RECOMMENDATION, ResourceArn, Error when FAILED, and
  once SUCCEEDED the RecommendationSteps, each `{"UnusedPermissions": {RecommendedAction,
  ExistingPolicyId, ExistingPolicy (the document as it is, for CREATE_POLICY),
  RecommendedPolicy, PolicyUpdatedAt}}`, paged. A uid never generated is
  ResourceNotFoundException.
- Security Hub must be enabled in the account and Region (else AccessDeniedException).

Authorization (under `Simulation.enforcing()`): IAM's service reference has both actions, as
`securityhub:GenerateRecommendedPolicyV2` and `securityhub:GetRecommendedPolicyV2`, on the
`hubv2` resource type (`dormant_sim.request_context`). The routes sit in
`securityhub_v2`'s patch of moto's URL table, which replaces it as a whole. Test support over
moto's private classes; never imported by dormant's Lambda path. It must never weaken a check
that AWS makes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from moto.securityhub.responses import SecurityHubResponse

from dormant_sim import recommendation_jobs as jobs
from dormant_sim import recommendations
from dormant_sim import securityhub_v2 as hub
from dormant_sim import unused_access as store
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, decode_token, encode_token

__all__ = ["PATCHES", "reset"]

_MAX_RESULTS = 100
_OPEN = ("New", "In Progress")


def reset() -> None:
    """The jobs live in `recommendation_jobs`, which Access Analyzer's simulation resets."""


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _uid(response: SecurityHubResponse) -> str:
    # moto's router matched the path against the model's /recommendedPolicyV2/{MetadataUid}.
    uid = (response.uri_match or {}).get("MetadataUid")
    if not uid:
        raise _validation("MetadataUid is required")
    return unquote(str(uid))


def _job_key(response: SecurityHubResponse) -> str:
    return f"securityhub:{response.current_account}:{response.region}"


def _stored(finding_uid: str) -> tuple[store.Analyzer, store.Finding] | None:
    with store.lock:
        for by_name in store.ANALYZERS.values():
            for analyzer in by_name.values():
                found = store.FINDINGS.get(analyzer.arn, {}).get(finding_uid)
                if found is not None:
                    return analyzer, found
    return None


def _generate(self: SecurityHubResponse) -> str:
    uid = _uid(self)
    hub.require_hub(self)
    shown = next(
        (
            f
            for f in hub.ocsf_findings(self.current_account, self.region)
            if f["metadata"]["uid"] == uid
        ),
        None,
    )
    if shown is None:
        raise AwsError("ResourceNotFoundException", f"Finding {uid} not found")
    if "UnusedPermission" not in shown["finding_info"]["types"]:
        raise _validation("GenerateRecommendedPolicyV2 only supports unused permission findings")
    pair = _stored(shown["finding_info"]["uid"])
    if shown["status"] not in _OPEN or pair is None or pair[1].status != "ACTIVE":
        raise _validation(f"Finding {uid} is {shown['status']}, not open")
    analyzer, finding = pair
    jobs.generate(analyzer, finding, key=(_job_key(self), uid))
    return json.dumps({})


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _step(raw: dict[str, Any], existing: dict[str, str]) -> dict[str, Any]:
    step = raw["unusedPermissionsRecommendedStep"]
    shaped: dict[str, Any] = {
        "RecommendedAction": step["recommendedAction"],
        "ExistingPolicyId": step["existingPolicyId"],
    }
    if step.get("recommendedPolicy") is not None:
        shaped["RecommendedPolicy"] = step["recommendedPolicy"]
        if step["existingPolicyId"] in existing:
            shaped["ExistingPolicy"] = existing[step["existingPolicyId"]]
    if step.get("policyUpdatedAt") is not None:
        shaped["PolicyUpdatedAt"] = _iso(step["policyUpdatedAt"])
    return {"UnusedPermissions": shaped}


def _existing(account_id: str, role_arn: str) -> dict[str, str]:
    """The role's policies as they are now, by the id a step names them with."""
    try:
        return {
            policy_id: json.dumps(document)
            for policy_id, document, _ in recommendations.role_policies(
                account_id, role_arn.rsplit("/", 1)[-1]
            )
        }
    except Exception:  # the role is gone: the steps still say what AWS computed
        return {}


def _get(self: SecurityHubResponse) -> str:
    uid = _uid(self)
    size = self.querystring.get("MaxResults", [str(_MAX_RESULTS)])[0]
    if not str(size).isdigit() or not 1 <= int(size) <= _MAX_RESULTS:
        raise _validation(f"MaxResults must be between 1 and {_MAX_RESULTS}")
    hub.require_hub(self)
    answer = jobs.poll(_job_key(self), uid)
    result: dict[str, Any] = {
        "Status": answer["status"],
        "RecommendationType": "UNUSED_PERMISSION_RECOMMENDATION",
        "ResourceArn": answer["resourceArn"],
    }
    if answer.get("error"):
        result["Error"] = {"Code": answer["error"]["code"], "Message": answer["error"]["message"]}
    steps = answer.get("recommendedSteps") or []
    if steps:
        owner = str(answer["resourceArn"]).split(":")[4]
        existing = _existing(owner, str(answer["resourceArn"]))
        start = 0
        token = self.querystring.get("NextToken", [None])[0]
        if token:
            decoded = decode_token(str(token), "recommendedpolicyv2")
            if decoded is None or decoded > len(steps):
                raise _validation("The NextToken provided is invalid")
            start = decoded
        end = start + int(size)
        result["RecommendationSteps"] = [_step(s, existing) for s in steps[start:end]]
        if end < len(steps):
            result["NextToken"] = encode_token("recommendedpolicyv2", end)
    return json.dumps(result)


PATCHES = (
    Patch(SecurityHubResponse, "generate_recommended_policy_v2", _generate),
    Patch(SecurityHubResponse, "get_recommended_policy_v2", _get),
)
