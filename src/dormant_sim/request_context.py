"""What IAM authorizes a request against: its resource's ARN and its condition keys.

`RESOURCES` maps an action IAM's service reference gives resource types (lower case) to how
the ARN IAM authorizes it on is built from the request: a role's with its path, a user's, a
policy's, a Config rule's (`dormant_sim.resource_reference.resources_of` reads the
reference and uses this table).
`context_of` gives the request context (`KNOWN_KEYS` are the keys it can supply at all). Test
support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from dormant_sim import identity_center_resources, policy
from dormant_sim.principals import PARTITION, Caller, backend_of
from dormant_sim.service_arns import (
    analyzer,
    finding_products,
    hub_v2,
    recorders,
    secret,
    stack,
)

__all__ = [
    "ANY",
    "DENIED_CODES",
    "IAM_ACTIONS",
    "KNOWN_KEYS",
    "RESOURCES",
    "Builder",
    "Params",
    "context_of",
]


Params = Callable[[str], Any]
# (account, caller, request parameters, region) -> the resource's ARN, or the ARNs of each
# resource the request names (every one is authorized)
Builder = Callable[[str, "Caller", Params, str], "str | tuple[str, ...]"]


def _role_arn(account_id: str, name: str) -> str:
    try:
        return str(backend_of(account_id).get_role(name).arn)
    except Exception:  # an unknown role: IAM authorizes its name, then answers NoSuchEntity
        return f"arn:{PARTITION}:iam::{account_id}:role/{name}"


def _user_arn(account_id: str, name: str) -> str:
    try:
        return str(backend_of(account_id).get_user(name).arn)
    except Exception:
        return f"arn:{PARTITION}:iam::{account_id}:user/{name}"


def _role(param: str = "RoleName") -> Builder:
    return lambda account, _caller, params, _region: _role_arn(account, str(params(param)))


def _user(account: str, caller: Caller, params: Params, _region: str) -> str:
    name = params("UserName")
    if not name:  # the operations on "the caller's own user"
        return caller.principal_arn
    return _user_arn(account, str(name))


def _access_key_user(account: str, caller: Caller, params: Params, _region: str) -> str:
    key_id = str(params("AccessKeyId") or "")
    key = backend_of(account).access_keys.get(key_id)
    owner = getattr(key, "user_name", None)
    return _user_arn(account, owner) if owner else caller.principal_arn


def _new_role(account: str, _caller: Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:role{path}{params('RoleName')}"


def _new_user(account: str, _caller: Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:user{path}{params('UserName')}"


def _new_policy(account: str, _caller: Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:policy{path}{params('PolicyName')}"


def _instance_profile(account: str, _caller: Caller, params: Params, _region: str) -> str:
    """The instance profile's ARN, with its path (the request names only the profile)."""
    name = str(params("InstanceProfileName"))
    try:
        return str(backend_of(account).get_instance_profile(name).arn)
    except Exception:
        return f"arn:{PARTITION}:iam::{account}:instance-profile/{name}"


def _param(name: str) -> Builder:
    return lambda _account, _caller, params, _region: str(params(name))


def _config_rule(account: str, _caller: Caller, params: Params, region: str) -> str:
    return _config_rule_arn(account, region, str(params("ConfigRuleName")))


def _config_rules(account: str, _caller: Caller, params: Params, region: str) -> tuple[str, ...]:
    names = params("ConfigRuleNames")
    if not isinstance(names, list) or not names:
        raise policy.CannotEvaluate(
            "a request for every Config rule: the simulation does not enumerate the rules IAM "
            "would authorize it against"
        )
    return tuple(_config_rule_arn(account, region, str(name)) for name in names)


def _config_rule_arn(account: str, region: str, name: str) -> str:
    from moto.config.models import config_backends

    try:
        rule = config_backends[account][region].config_rules.get(name)
    except Exception:
        rule = None
    arn = getattr(rule, "config_rule_arn", None)
    return str(arn) if arn else f"arn:{PARTITION}:config:{region}:{account}:config-rule/{name}"


ANY = "*"
# Operations IAM authorizes under another action's name (the API reference says so).
IAM_ACTIONS = {
    "access-analyzer:listfindingsv2": "access-analyzer:ListFindings",
    "access-analyzer:getfindingv2": "access-analyzer:GetFinding",
    "securityhub:getfindingsv2": "securityhub:GetFindings",
    "securityhub:batchupdatefindingsv2": "securityhub:BatchUpdateFindings",
}
# The error code of a denial, where a service's protocol names it otherwise (rest-json).
DENIED_CODES = {"access-analyzer": "AccessDeniedException", "securityhub": "AccessDeniedException"}
# Action (lower case) -> how to build the ARN of the resource IAM authorizes it against, for
# the actions IAM's reference gives resource types. Actions without resource types are
# authorized against "*" and need no entry; `tests/sim/test_enforcement_evaluation.py` checks this
# table against the reference.
RESOURCES: dict[str, Builder] = {
    # IAM, one role
    **{
        f"iam:{name}": _role()
        for name in (
            "getrole",
            "getrolepolicy",
            "putrolepolicy",
            "deleterolepolicy",
            "listrolepolicies",
            "listattachedrolepolicies",
            "attachrolepolicy",
            "detachrolepolicy",
            "tagrole",
            "untagrole",
            "listroletags",
            "deleterole",
            "updaterole",
            "updateroledescription",
            "updateassumerolepolicy",
            "putrolepermissionsboundary",
            "deleterolepermissionsboundary",
            "listinstanceprofilesforrole",
        )
    },
    "iam:createrole": _new_role,
    # What AddRoleToInstanceProfile passes (enforcement.PASSED_ROLES): the role, by name.
    "iam:passrole": _role(),
    # IAM, one user
    **{
        f"iam:{name}": _user
        for name in (
            "getuser",
            "listaccesskeys",
            "createaccesskey",
            "updateaccesskey",
            "deleteaccesskey",
            "getloginprofile",
            "deleteloginprofile",
            "updateloginprofile",
            "createloginprofile",
            "listuserpolicies",
            "listattacheduserpolicies",
            "getuserpolicy",
            "putuserpolicy",
            "deleteuserpolicy",
            "attachuserpolicy",
            "detachuserpolicy",
            "listgroupsforuser",
            "taguser",
            "untaguser",
            "listusertags",
            "deleteuser",
            "listmfadevices",
            "listsigningcertificates",
            "listsshpublickeys",
            "listservicespecificcredentials",
            "deactivatemfadevice",
            "removeuserfromgroup",
        )
    },
    "iam:createuser": _new_user,
    "iam:getaccesskeylastused": _access_key_user,
    "iam:generateservicelastaccesseddetails": _param("Arn"),
    "iam:createpolicy": _new_policy,
    "iam:removerolefrominstanceprofile": _instance_profile,
    "iam:addroletoinstanceprofile": _instance_profile,
    **{
        f"iam:{name}": _param("PolicyArn")
        for name in (
            "getpolicy",
            "getpolicyversion",
            "listpolicyversions",
            "createpolicyversion",
            "deletepolicyversion",
            "deletepolicy",
            "listentitiesforpolicy",
        )
    },
    # STS
    "sts:assumerole": _param("RoleArn"),
    # Config
    "config:getcompliancedetailsbyconfigrule": _config_rule,
    "config:startconfigrulesevaluation": _config_rules,
    # CloudFormation's stacks (which roles a stack holds) and Config's recorders (what the
    # references' source covers); actions without resource types need no builder.
    "cloudformation:liststackresources": stack,
    "config:describeconfigurationrecorders": recorders,
    "config:describeconfigurationrecorderstatus": recorders,
    # Security Hub
    "securityhub:batchimportfindings": finding_products,
    # GetFindingsV2 and BatchUpdateFindingsV2 are authorized as these two, on the V2 hub
    # (IAM's reference also gives them `hub`, the CSPM hub, for the V1 calls).
    "securityhub:getfindings": hub_v2,
    "securityhub:batchupdatefindings": hub_v2,
    "securityhub:generaterecommendedpolicyv2": hub_v2,
    "securityhub:getrecommendedpolicyv2": hub_v2,
    # IAM Access Analyzer (ListFindingsV2 and GetFindingV2 are authorized as these two)
    "access-analyzer:createanalyzer": analyzer,
    "access-analyzer:listfindings": _param("analyzerArn"),
    "access-analyzer:getfinding": _param("analyzerArn"),
    "access-analyzer:generatefindingrecommendation": _param("analyzerArn"),
    "access-analyzer:getfindingrecommendation": _param("analyzerArn"),
    "access-analyzer:updatefindings": _param("analyzerArn"),
    # SNS and Secrets Manager (the retire function's notices and webhook URL)
    "sns:publish": _param("TopicArn"),
    "secretsmanager:getsecretvalue": secret,
}
# Identity Center's calls: dormant_sim.identity_center_resources holds them.
RESOURCES.update(identity_center_resources.RESOURCES)


KNOWN_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:principaltag/",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalorgid",
        "aws:username",
        "aws:userid",
        "aws:currenttime",
        "aws:epochtime",
        "aws:tokenissuetime",
        "aws:requestedregion",
        "aws:tagkeys",
        "aws:requesttag/",
        "aws:resourcetag/",
        "iam:resourcetag/",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:calledvia",
        "aws:viaawsservice",
        "iam:policyarn",
        "iam:permissionsboundary",
        "sts:externalid",
        "sts:rolesessionname",
    }
)


def _organization_of(account_id: str) -> str | None:
    from moto.organizations.models import organizations_backends

    # A member maps to (management account, partition); the management account to nothing.
    owner = organizations_backends.master_accounts.get(account_id)
    master = str(owner[0] if isinstance(owner, tuple) else owner or account_id)
    try:
        organization = organizations_backends[master][PARTITION].org
    except Exception:
        return None
    return str(organization.id) if organization is not None else None


def _resource_tags(resource: str) -> dict[str, str]:
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[4].isdigit():
        return {}
    backend = backend_of(parts[4])
    kind, _, rest = parts[5].partition("/")
    name = rest.rsplit("/", 1)[-1]
    try:
        if kind == "role":
            role = backend.get_role_by_arn(resource)
            return {str(t["Key"]): str(t["Value"]) for t in role.tags}
        if kind == "user":
            return {str(t["Key"]): str(t["Value"]) for t in backend.list_user_tags(name)}
    except Exception:
        return {}
    return {}


def _request_tags(params: Params) -> dict[str, str]:
    tags = params("Tags") or []
    found: dict[str, str] = {}
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, Mapping) and "Key" in tag:
            found[str(tag["Key"])] = str(tag.get("Value", ""))
    return found


_UNTAG_ACTIONS = frozenset({"iam:untagrole", "iam:untaguser", "iam:untagpolicy"})


def context_of(
    caller: Caller, action: str, resource: str, region: str, params: Params
) -> dict[str, policy.ContextValue]:
    now = datetime.now(UTC)
    context: dict[str, policy.ContextValue] = {
        "aws:PrincipalArn": caller.principal_arn,
        "aws:PrincipalAccount": caller.account_id,
        "aws:PrincipalType": caller.kind,
        "aws:userid": caller.user_id,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:RequestedRegion": region,
        "aws:ViaAWSService": "false",
        "aws:PrincipalIsAWSService": "false",
    }
    for key, value in caller.tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    if caller.kind == "User":
        context["aws:username"] = caller.name
    if caller.token_issue_time is not None:
        issued = caller.token_issue_time
        issued = issued if issued.tzinfo is not None else issued.replace(tzinfo=UTC)
        context["aws:TokenIssueTime"] = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    principal_org = _organization_of(caller.account_id)
    if principal_org is not None:
        context["aws:PrincipalOrgID"] = principal_org
    if resource != ANY:
        resource_account = resource.split(":", 5)[4] if resource.count(":") >= 5 else ""
        if resource_account:
            context["aws:ResourceAccount"] = resource_account
            resource_org = _organization_of(resource_account)
            if resource_org is not None:
                context["aws:ResourceOrgID"] = resource_org
        for key, value in _resource_tags(resource).items():
            context[f"aws:ResourceTag/{key}"] = value
            context[f"iam:ResourceTag/{key}"] = value
    tags = _request_tags(params)
    if tags:
        context["aws:TagKeys"] = list(tags)
        for key, value in tags.items():
            context[f"aws:RequestTag/{key}"] = value
    removed = params("TagKeys") if action in _UNTAG_ACTIONS else None
    if isinstance(removed, list) and removed:
        # UntagRole, UntagUser: the keys removed are the request's aws:TagKeys.
        context["aws:TagKeys"] = [str(key) for key in removed]
    if action.startswith("iam:") and params("PolicyArn"):
        context["iam:PolicyARN"] = str(params("PolicyArn"))
    if action.startswith("iam:") and params("PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = str(params("PermissionsBoundary"))
    if action == "sts:assumerole":
        if params("ExternalId"):
            context["sts:ExternalId"] = str(params("ExternalId"))
        if params("RoleSessionName"):
            context["sts:RoleSessionName"] = str(params("RoleSessionName"))
    return context
