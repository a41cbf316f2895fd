"""The ARNs IAM authorizes some services' calls against, built from a request: a secret's
full ARN, a stack's, the account's configuration recorders, Security Hub's hub and the
products of imported findings. Test support for the
simulation's enforcement (``dormant_sim.request_context``); never imported by dormant's
Lambda path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dormant_sim import policy
from dormant_sim.principals import PARTITION, Caller

__all__ = ["analyzer", "finding_products", "hub_v2", "recorders", "secret", "stack"]

Params = Callable[[str], Any]


def secret(account: str, _caller: Caller, params: Params, region: str) -> str:
    """The secret's full ARN (with its random suffix), whether the request names it by name,
    partial ARN or full ARN: IAM matches policies against that ARN, never the SecretId."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = str(params("SecretId"))
    try:
        return str(secretsmanager_backends[account][region].describe_secret(secret_id).arn)
    except Exception:
        # No such secret: IAM authorizes the ARN as written (a name gets the pattern's form),
        # then Secrets Manager answers ResourceNotFoundException.
        if secret_id.startswith("arn:"):
            return secret_id
        return f"arn:{PARTITION}:secretsmanager:{region}:{account}:secret:{secret_id}"


def stack(account: str, _caller: Caller, params: Params, region: str) -> str:
    name = str(params("StackName"))
    if name.startswith("arn:"):
        return name
    from moto.cloudformation.models import cloudformation_backends

    stacks = cloudformation_backends[account][region].stacks.values()
    found = next((s.stack_id for s in stacks if s.name == name), None)
    return str(found or f"arn:{PARTITION}:cloudformation:{region}:{account}:stack/{name}/*")


def recorders(account: str, _caller: Caller, _params: Params, region: str) -> str:
    return f"arn:{PARTITION}:config:{region}:{account}:configuration-recorder/*"


def analyzer(account: str, _caller: Caller, params: Params, region: str) -> str:
    return f"arn:{PARTITION}:access-analyzer:{region}:{account}:analyzer/{params('analyzerName')}"


def finding_products(
    _account: str, _caller: Caller, params: Params, _region: str
) -> tuple[str, ...]:
    """Security Hub authorizes BatchImportFindings on each finding's product ARN."""
    findings = params("Findings")
    products = {
        str(finding["ProductArn"])
        for finding in (findings if isinstance(findings, list) else [])
        if isinstance(finding, Mapping) and finding.get("ProductArn")
    }
    if not products:
        raise policy.CannotEvaluate("BatchImportFindings without a finding's ProductArn")
    return tuple(sorted(products))


def hub_v2(account: str, _caller: Caller, _params: Params, region: str) -> str:
    from dormant_sim.securityhub_v2 import hub_arn

    return hub_arn(account, region)
