"""IAM enforcement in the simulation: while it is on, every call is checked against its caller's
policies, and a call they do not allow answers AccessDenied, as IAM does.

It replaces moto's own check (INITIAL_NO_AUTH_ACTION_COUNT, which denies every Allow that has
a Condition and compares every resource with "*"). Off by default (most tests exercise logic,
not permissions). `Simulation.enforcing()` turns it
on for a block; `Simulation.principal(...)` creates, with setup calls the simulation does not
check, a role or user holding exactly the given policies and returns its credentials. Seeding
clients (`SIM_INTERNAL_HEADER`) are never checked: they play the account's administrator and
the AWS services (Lambda, SSM) that assume a role for the code under test.

What is checked, per request (`dispatch` calls `authorize` for every operation of every
service that goes through moto's `call_action`: IAM, STS, Config, Organizations, Security Hub):

- the signature and the caller: an IAM user's access key, or an assumed-role session (moto's
  own `IAMRequest` resolves both; unknown keys answer InvalidClientTokenId);
- the caller's identity policies (inline, attached managed, and a user's groups'), with the
  role's or user's permissions boundary and an AssumeRole session policy, evaluated by
  `dormant_sim.policy` (explicit deny, allow, implicit deny; conditions; resource ARNs);
- the resource: the ARN IAM authorizes the operation against (a role's ARN with its path, a
  user's, a policy's, a Config rule's), from `_RESOURCES`; operations without resource types
  are authorized against "*";
- the request context: `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
  `aws:PrincipalOrgID`, `aws:username`, `aws:userid`, `aws:CurrentTime`, `aws:EpochTime`,
  `aws:TokenIssueTime` (sessions), `aws:RequestedRegion`, `aws:TagKeys` and
  `aws:RequestTag/*` (from the request's Tags), `aws:ResourceTag/*` and `iam:ResourceTag/*`
  (a role's or user's tags), `aws:ResourceAccount`, `aws:ResourceOrgID`, `iam:PolicyARN`,
  `iam:PermissionsBoundary`, `sts:ExternalId`, `sts:RoleSessionName`; `aws:SourceAccount`,
  `aws:SourceArn`, `aws:SourceOrgID`, `aws:CalledVia` and `aws:ViaAWSService` are known and
  absent (a principal calls directly, not a service on its behalf);
- sts:AssumeRole: also the target role's trust policy (its Principal and conditions); a
  trust policy that names the caller's own ARN in the same account needs no identity grant.

Where it is weaker than IAM (tests must not rely on these): service control policies,
resource control policies and resource-based policies other than trust policies are not
evaluated; `iam:PassRole` is never checked (no simulated service creates resources with a
role); S3 requests are not checked; multi-factor, source IP and `aws:SecureTransport` keys
are not simulated. It is strict rather than lenient where it cannot be exact: an operation
whose resource it does not know, a condition key it does not simulate, a condition operator or
a policy variable it does not implement answer `SimulationCannotAuthorize`, which no code
under test handles, so such a test fails loudly instead of passing.

Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.models import iam_backends

from dormant_sim import policy
from dormant_sim.patching import Patch

__all__ = [
    "CANNOT_AUTHORIZE",
    "PATCHES",
    "Denial",
    "PrincipalCredentials",
    "acting_as",
    "authorize",
    "enforcing",
    "is_enforcing",
    "reset",
    "set_enforcing",
]

PARTITION = "aws"
# The error code for what the simulation cannot evaluate (no AWS service sends it).
CANNOT_AUTHORIZE = "SimulationCannotAuthorize"

_lock = threading.Lock()
_state = {"enforcing": False}


def set_enforcing(on: bool) -> None:
    with _lock:
        _state["enforcing"] = on


def is_enforcing() -> bool:
    with _lock:
        return _state["enforcing"]


@contextlib.contextmanager
def enforcing() -> Iterator[None]:
    """Enforce IAM for the block (process-wide: the loopback server's threads too)."""
    before = is_enforcing()
    set_enforcing(True)
    try:
        yield
    finally:
        set_enforcing(before)


@dataclass(frozen=True)
class Denial:
    """An error the simulation answers instead of calling the operation."""

    code: str
    message: str
    status: int


@dataclass(frozen=True)
class PrincipalCredentials:
    """Credentials of a simulated principal: a user's access key or a role session."""

    account_id: str
    arn: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str]:
        """The AWS_* variables that make boto3 act as this principal."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token is not None:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@contextlib.contextmanager
def acting_as(credentials: PrincipalCredentials) -> Iterator[None]:
    """Run in-process code (boto3's default session and new sessions) as `credentials`.

    boto3's default session keeps the credentials it first found, so it is replaced for the
    block, as Lambda and SSM start their code with the role's credentials in the environment.
    """
    import boto3

    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    saved_session = boto3.DEFAULT_SESSION
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.update(credentials.environment())
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = saved_session


# --- the caller ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Caller:
    account_id: str
    kind: str  # "User" or "AssumedRole"
    name: str  # the user's or the role's name
    arn: str  # the user's ARN or the session's ARN
    principal_arn: str  # the user's or the role's ARN (with its path)
    user_id: str
    documents: tuple[Mapping[str, Any], ...]
    boundary: Mapping[str, Any] | None
    session_policy: Mapping[str, Any] | None
    token_issue_time: datetime | None


def _document(text: Any) -> Mapping[str, Any]:
    if isinstance(text, Mapping):
        return text
    raw = str(text)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = json.loads(unquote(raw))
    if not isinstance(parsed, Mapping):
        raise policy.CannotEvaluate("a policy document that is not an object")
    return parsed


def _managed_document(managed: Any) -> Mapping[str, Any]:
    default = next(version for version in managed.versions if version.is_default)
    return _document(default.document)


def _backend(account_id: str) -> Any:
    return iam_backends[account_id][PARTITION]


def _boundary(backend: Any, arn: str | None) -> Mapping[str, Any] | None:
    if not arn:
        return None
    return _managed_document(backend.get_policy(arn))


def _caller(access_key: Any) -> _Caller:
    """The user or role session behind moto's resolved access key."""
    account_id = str(access_key.account_id)
    backend = _backend(account_id)
    user_name = getattr(access_key, "_owner_user_name", None)
    if user_name is not None:
        user = backend.get_user(user_name)
        documents = [_document(text) for text in user.policies.values()]
        documents += [_managed_document(p) for p in user.managed_policies.values()]
        for group in backend.get_groups_for_user(user_name):
            documents += [_document(text) for text in group.policies.values()]
            documents += [_managed_document(p) for p in group.managed_policies.values()]
        return _Caller(
            account_id=account_id,
            kind="User",
            name=user_name,
            arn=user.arn,
            principal_arn=user.arn,
            user_id=user.id,
            documents=tuple(documents),
            boundary=_boundary(backend, getattr(user, "permissions_boundary_arn", None)),
            session_policy=None,
            token_issue_time=None,
        )
    from moto.sts.models import sts_backends

    key_id = access_key._access_key_id
    session = sts_backends[account_id][PARTITION].get_assumed_role_from_access_key(key_id)
    if session is None:
        raise policy.CannotEvaluate(f"no session for access key {key_id}")
    role = backend.get_role_by_arn(session.role_arn)
    documents = [_document(text) for text in role.policies.values()]
    documents += [_managed_document(p) for p in role.managed_policies.values()]
    return _Caller(
        account_id=account_id,
        kind="AssumedRole",
        name=role.name,
        arn=session.arn,
        principal_arn=role.arn,
        user_id=f"{role.id}:{session.session_name}",
        documents=tuple(documents),
        boundary=_boundary(backend, role.permissions_boundary_arn),
        session_policy=_document(session.policy) if session.policy else None,
        token_issue_time=session.access_key.create_date,
    )


# --- the resource -------------------------------------------------------------------------------

Params = Callable[[str], Any]
# (account, caller, request parameters, region) -> the resource's ARN
Builder = Callable[[str, "_Caller", Params, str], str]


def _role_arn(account_id: str, name: str) -> str:
    try:
        return str(_backend(account_id).get_role(name).arn)
    except Exception:  # an unknown role: IAM authorizes its name, then answers NoSuchEntity
        return f"arn:{PARTITION}:iam::{account_id}:role/{name}"


def _user_arn(account_id: str, name: str) -> str:
    try:
        return str(_backend(account_id).get_user(name).arn)
    except Exception:
        return f"arn:{PARTITION}:iam::{account_id}:user/{name}"


def _role(param: str = "RoleName") -> Builder:
    return lambda account, _caller, params, _region: _role_arn(account, str(params(param)))


def _user(account: str, caller: _Caller, params: Params, _region: str) -> str:
    name = params("UserName")
    if not name:  # the operations on "the caller's own user"
        return caller.principal_arn
    return _user_arn(account, str(name))


def _access_key_user(account: str, caller: _Caller, params: Params, _region: str) -> str:
    key_id = str(params("AccessKeyId") or "")
    key = _backend(account).access_keys.get(key_id)
    owner = getattr(key, "user_name", None)
    return _user_arn(account, owner) if owner else caller.principal_arn


def _new_role(account: str, _caller: _Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:role{path}{params('RoleName')}"


def _new_user(account: str, _caller: _Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:user{path}{params('UserName')}"


def _new_policy(account: str, _caller: _Caller, params: Params, _region: str) -> str:
    path = str(params("Path") or "/")
    return f"arn:{PARTITION}:iam::{account}:policy{path}{params('PolicyName')}"


def _param(name: str) -> Builder:
    return lambda _account, _caller, params, _region: str(params(name))


def _config_rule(account: str, _caller: _Caller, params: Params, region: str) -> str:
    name = str(params("ConfigRuleName"))
    from moto.config.models import config_backends

    try:
        rule = config_backends[account][region].config_rules.get(name)
    except Exception:
        rule = None
    arn = getattr(rule, "config_rule_arn", None)
    return str(arn) if arn else f"arn:{PARTITION}:config:{region}:{account}:config-rule/{name}"


_ANY = "*"
# Action (lower case) -> the resource IAM authorizes it against. Absent: the simulation does
# not know, and refuses to guess. "*": the action has no resource types in IAM's reference.
_RESOURCES: dict[str, Builder | str] = {
    # IAM, account-wide
    **{
        f"iam:{name}": _ANY
        for name in (
            "getaccountauthorizationdetails",
            "listroles",
            "listusers",
            "listpolicies",
            "listgroups",
            "generatecredentialreport",
            "getcredentialreport",
            "getaccountsummary",
            "listaccountaliases",
            "getservicelastaccesseddetails",
            "getservicelastaccesseddetailswithentities",
            "getaccountpasswordpolicy",
        )
    },
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
    "config:putevaluations": _ANY,
    "config:describeconfigrules": _ANY,
    "config:describecompliancebyconfigrule": _ANY,
    "config:describeconfigruleevaluationstatus": _ANY,
    "config:getcompliancedetailsbyconfigrule": _config_rule,
    "config:startconfigrulesevaluation": _ANY,
    "config:describeconfigurationaggregators": _ANY,
    # Organizations (the management account's reads)
    "organizations:listaccounts": _ANY,
    "organizations:describeorganization": _ANY,
    "organizations:listroots": _ANY,
    # Security Hub
    "securityhub:batchimportfindings": _ANY,
}

_KNOWN_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
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
    backend = _backend(parts[4])
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


def _context(
    caller: _Caller, action: str, resource: str, region: str, params: Params
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
    }
    if caller.kind == "User":
        context["aws:username"] = caller.name
    if caller.token_issue_time is not None:
        issued = caller.token_issue_time
        issued = issued if issued.tzinfo is not None else issued.replace(tzinfo=UTC)
        context["aws:TokenIssueTime"] = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    principal_org = _organization_of(caller.account_id)
    if principal_org is not None:
        context["aws:PrincipalOrgID"] = principal_org
    if resource != _ANY:
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


# --- the verdict --------------------------------------------------------------------------------


def _denied(caller: _Caller, action: str, resource: str, because: str) -> Denial:
    on = f" on resource: {resource}" if resource != _ANY else ""
    return Denial(
        "AccessDenied",
        f"User: {caller.arn} is not authorized to perform: {action}{on} {because}",
        403,
    )


def _trust_verdict(
    caller: _Caller, role_arn: str, request: policy.Request
) -> tuple[policy.Verdict, bool]:
    """The role's trust policy on this caller; and whether it names the caller's own ARN."""
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[4].isdigit():
        return policy.Verdict.IMPLICIT_DENY, False
    try:
        role = _backend(parts[4]).get_role_by_arn(role_arn)
    except Exception:
        return policy.Verdict.IMPLICIT_DENY, False
    trust = _document(role.assume_role_policy_document)
    caller_arns = {caller.principal_arn, caller.arn}
    allowed = named = False
    for statement in policy._statements(trust):
        if "NotPrincipal" in statement:
            raise policy.CannotEvaluate("NotPrincipal in a trust policy is not simulated")
        if not policy.principal_matches(statement.get("Principal"), caller_arns, caller.account_id):
            continue
        if not policy.statement_applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return policy.Verdict.EXPLICIT_DENY, False
        allowed = True
        named = named or policy.principal_matches(
            statement.get("Principal"), caller_arns, caller_account="-"
        )
    return (policy.Verdict.ALLOW if allowed else policy.Verdict.IMPLICIT_DENY), named


def _decide(caller: _Caller, action: str, resource: str, request: policy.Request) -> Denial | None:
    identity = policy.evaluate(caller.documents, request)
    if identity is policy.Verdict.EXPLICIT_DENY:
        return _denied(
            caller, action, resource, "with an explicit deny in an identity-based policy"
        )
    trust_named = False
    if action.lower() == "sts:assumerole":
        trust, trust_named = _trust_verdict(caller, resource, request)
        if trust is not policy.Verdict.ALLOW:
            return _denied(
                caller, action, resource, "because the role's trust policy does not allow it"
            )
        same_account = resource.split(":", 5)[4] == caller.account_id
        trust_named = trust_named and same_account
    if identity is not policy.Verdict.ALLOW and not trust_named:
        return _denied(
            caller, action, resource, f"because no identity-based policy allows the {action} action"
        )
    if (
        caller.boundary is not None
        and policy.evaluate([caller.boundary], request) is not policy.Verdict.ALLOW
    ):
        return _denied(
            caller,
            action,
            resource,
            f"because no permissions boundary allows the {action} action",
        )
    if (
        caller.session_policy is not None
        and policy.evaluate([caller.session_policy], request) is not policy.Verdict.ALLOW
    ):
        return _denied(
            caller, action, resource, f"because no session policy allows the {action} action"
        )
    return None


def authorize(response: Any) -> Denial | None:
    """The error IAM would answer for this request, or None when its caller may make it."""
    from moto.iam.access_control import IAMRequest
    from werkzeug.exceptions import HTTPException

    if not is_enforcing():
        return None
    headers = response.headers
    if "Authorization" not in headers:
        return Denial("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    operation = str(response._get_action())
    parsed = urlparse(response.uri)
    path = response.raw_path + (f"?{parsed.query}" if parsed.query else "")
    try:
        iam_request = IAMRequest(
            account_id=response.current_account,
            method=response.method,
            path=path,
            data=response.data,
            body=response.raw_body,
            headers=headers,
            action=operation,
        )
        iam_request.check_signature()
    except HTTPException as error:
        code = getattr(error, "error_type", "AccessDenied")
        return Denial(str(code), str(getattr(error, "message", error)), 403)
    service = iam_request._service
    action = f"{service}:{operation}"
    if action.lower() == "sts:getcalleridentity":  # IAM never denies it
        return None
    region = iam_request._region

    def params(name: str) -> Any:
        return response._get_param(name)

    try:
        caller = _caller(iam_request._access_key)
        builder = _RESOURCES.get(action.lower())
        if builder is None:
            raise policy.CannotEvaluate(
                f"the simulation does not know which resource {action} is authorized against"
            )
        if isinstance(builder, str):
            resource = builder
        else:
            resource = builder(response.current_account, caller, params, region)
        request = policy.Request(
            action=action,
            resource=resource,
            context=_context(caller, action.lower(), resource, region, params),
            known_keys=_KNOWN_KEYS,
        )
        return _decide(caller, action, resource, request)
    except policy.CannotEvaluate as exc:
        return Denial(CANNOT_AUTHORIZE, f"{action}: {exc}", 400)


def create_role_principal(
    account_id: str,
    name: str,
    *,
    policies: Mapping[str, Mapping[str, Any]],
    managed_policy_arns: Sequence[str],
    trust: Mapping[str, Any],
    path: str,
    session_name: str,
    endpoint_url: str | None,
) -> PrincipalCredentials:
    """A role with exactly these policies, and a session of it, made by unchecked setup calls.

    The session is what the service the trust policy names (Lambda, SSM) would get: the
    simulation plays that service, so the trust policy is stored, not evaluated, here.
    """
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    role = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]
    for policy_name, document in policies.items():
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for arn in managed_policy_arns:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    sts = internal_client("sts", account_id, endpoint_url=endpoint_url)
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=session_name)
    credentials = session["Credentials"]
    return PrincipalCredentials(
        account_id=account_id,
        arn=str(session["AssumedRoleUser"]["Arn"]),
        access_key_id=str(credentials["AccessKeyId"]),
        secret_access_key=str(credentials["SecretAccessKey"]),
        session_token=str(credentials["SessionToken"]),
    )


def create_user_principal(
    account_id: str,
    name: str,
    *,
    policies: Mapping[str, Mapping[str, Any]],
    managed_policy_arns: Sequence[str],
    path: str,
    endpoint_url: str | None,
) -> PrincipalCredentials:
    """An IAM user with exactly these policies and an access key, made by unchecked calls."""
    from dormant_sim.seed.clients import internal_client

    iam = internal_client("iam", account_id, endpoint_url=endpoint_url)
    user = iam.create_user(UserName=name, Path=path)["User"]
    for policy_name, document in policies.items():
        iam.put_user_policy(
            UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    for arn in managed_policy_arns:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return PrincipalCredentials(
        account_id=account_id,
        arn=str(user["Arn"]),
        access_key_id=str(key["AccessKeyId"]),
        secret_access_key=str(key["SecretAccessKey"]),
    )


def reset() -> None:
    """Enforcement is off after a reset, and no account belongs to an organization.

    moto keeps Organizations' member-to-management map across its backends' resets, so an
    account would stay in the organization of an earlier test (aws:ResourceOrgID).
    """
    from moto.organizations.models import organizations_backends

    set_enforcing(False)
    organizations_backends.master_accounts.clear()


def _moto_authorization(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    """moto's own check, replaced: `dispatch` calls `authorize` while `enforcing()` is on.

    moto's evaluator (enabled by INITIAL_NO_AUTH_ACTION_COUNT) denies every Allow statement
    that has a Condition and matches every resource against "*"; two checks that disagree
    would make a test's outcome depend on which ran, so the simulation has one.
    """


PATCHES = (
    Patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _moto_authorization),
)
