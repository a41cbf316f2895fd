"""IAM enforcement in the simulation: while it is on, every call is checked against its caller's
policies, and a call they do not allow answers AccessDenied, as IAM does.

It replaces moto's own check (INITIAL_NO_AUTH_ACTION_COUNT, which denies every Allow that has
a Condition and compares every resource with "*"). Off by default (most tests exercise logic,
not permissions). `Simulation.enforcing()` turns it on for a block; `Simulation.principal()`
(`dormant_sim.principals`) creates, with setup calls the simulation does not
check, a role or user holding exactly the given policies and returns its credentials. Seeding
clients (`SIM_INTERNAL_HEADER`) are never checked: they play the account's administrator and
the AWS services (Lambda, SSM) that assume a role for the code under test.

What is checked, per request (`dispatch` calls `authorize` for every operation of every
service that goes through moto's `call_action`: IAM, STS, Config, Organizations, Security Hub):

- the signature and the caller: an IAM user's access key, or an assumed-role session (moto's
  own `IAMRequest` resolves both; unknown keys answer InvalidClientTokenId);
- the caller's identity policies (inline, attached managed, and a user's groups'), with the
  role's or user's permissions boundary and an AssumeRole session policy, evaluated by
  `dormant_sim.policy` (explicit deny, allow, implicit deny; conditions; policy variables;
  resource ARNs);
- the resource: the ARN IAM authorizes the operation against (a role's ARN with its path, a
  user's, a policy's, a Config rule's, a Security Hub product's; every resource the request
  names), built by `dormant_sim.resource_reference.resources_of` for the actions IAM's service
  reference gives resource types; actions without resource types are authorized against "*";
- the resource's own policy (`decide`): a role's trust policy for sts:AssumeRole. Within one
  account an identity policy or the resource's policy allows (one naming the account only
  delegates to identity policies; one naming the role's ARN stays limited by the role's
  boundary and session policy; one naming the user's or the session's ARN by neither); a
  request for another account's resource needs its policy too, so another account's IAM
  resources are out of reach of identity policies alone;
- the request context: `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
  `aws:PrincipalOrgID`, `aws:PrincipalTag/*` (the user's or the role's tags),
  `aws:PrincipalIsAWSService`, `aws:username`, `aws:userid`, `aws:CurrentTime`,
  `aws:EpochTime`, `aws:TokenIssueTime` (sessions), `aws:RequestedRegion`, `aws:TagKeys` and
  `aws:RequestTag/*` (from the request's Tags), `aws:ResourceTag/*` and `iam:ResourceTag/*`
  (a role's or user's tags), `aws:ResourceAccount`, `aws:ResourceOrgID`, `iam:PolicyARN`,
  `iam:PermissionsBoundary`, `sts:ExternalId`, `sts:RoleSessionName`; `aws:SourceAccount`,
  `aws:SourceArn`, `aws:SourceOrgID`, `aws:PrincipalServiceName`, `aws:CalledVia` and
  `aws:ViaAWSService` are known and absent (a principal calls directly, not a service on
  its behalf).

A denial answers AccessDenied in AWS's words, naming the kind of policy: "... with an explicit
deny in a permissions boundary" (identity-based policy, resource-based policy, session
policy), or "... because no identity-based policy allows the iam:GetRole action".

Where it is weaker than IAM (tests must not rely on these; docs/simulation.md is the full
register, with what keeps the code from depending on each): service control policies and
resource control policies are not evaluated; resource-based policies other than trust
policies and S3 bucket policies (`dormant_sim.s3`) are not read (an explicit Deny in a
topic's or secret's policy is missed; a request for another account's resource of such a
service cannot be authorized); `iam:PassRole` is checked only where IAM hands a role over
(`PASSED_ROLES`: AddRoleToInstanceProfile), not on other services' operations; session tags
are not principal tags; IAM's eventual consistency is not simulated. It is strict rather
than lenient where it cannot be exact: an operation whose resource it cannot build, a
condition key it does not simulate (multi-factor, source IP, `aws:SecureTransport` outside
S3, service keys), a condition operator it does not implement, a malformed value, or a
policy variable IAM does not document for that place answer `SimulationCannotAuthorize`,
which no code under test handles, so such a test fails loudly instead of passing.

Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin

from dormant_sim import policy
from dormant_sim.denials import Denial, explicitly_denied, implicitly_denied
from dormant_sim.patching import Patch
from dormant_sim.principals import (
    Caller,
    PrincipalCredentials,
    acting_as,
    backend_of,
    caller_of,
    document_of,
)
from dormant_sim.request_context import IAM_ACTIONS, KNOWN_KEYS, context_of
from dormant_sim.resource_reference import resources_of

__all__ = [
    "CANNOT_AUTHORIZE",
    "PASSED_ROLES",
    "PATCHES",
    "Decision",
    "Denial",
    "PrincipalCredentials",
    "acting_as",
    "authorize",
    "decide",
    "enforcing",
    "is_enforcing",
    "reset",
    "resource_verdict",
    "set_enforcing",
]

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
class _ResourceSide:
    """The resource's own policy on this caller: its verdict and how an Allow names the caller."""

    verdict: policy.Verdict
    named: policy.Named | None


# Services whose resources have no resource-based policy at all (STS's roles have their trust
# policy, read below): the identity side decides alone within an account, and a request for
# another account's resource has nothing to allow it.
_WITHOUT_RESOURCE_POLICIES = frozenset({"iam", "config", "organizations", "securityhub"})


def _account_of(resource: str) -> str | None:
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4].isdigit() else None


def _resource_document(action: str, resource: str, caller: Caller) -> Any:
    """The resource's policy (None: it has none); `CannotEvaluate` where the simulation
    cannot read one that may exist in another account."""
    service = action.split(":", 1)[0].lower()
    if action.lower() == "sts:assumerole":
        account = _account_of(resource)
        if account is None:
            return None
        try:
            role = backend_of(account).get_role_by_arn(resource)
        except Exception:  # no such role: nothing trusts anyone
            return None
        return document_of(role.assume_role_policy_document)
    if service in _WITHOUT_RESOURCE_POLICIES:
        return None
    account = _account_of(resource)
    if account is not None and account != caller.account_id:
        raise policy.CannotEvaluate(
            f"a request for a resource of account {account}: the simulation does not read "
            f"{service}'s resource-based policies, which decide a cross-account request"
        )
    return None  # same account: an Allow there adds nothing the tests rely on (docs/simulation.md)


def _resource_side(document: Any, caller: Caller, request: policy.Request) -> _ResourceSide:
    named: policy.Named | None = None
    for statement, variables in policy.statements(document):
        if "NotPrincipal" in statement:
            raise policy.CannotEvaluate("NotPrincipal in a resource policy is not simulated")
        names = policy.named_in(
            statement.get("Principal"),
            kind=caller.kind,
            arn=caller.arn,
            principal_arn=caller.principal_arn,
            account=caller.account_id,
        )
        if names is None or not policy.statement_applies(statement, request, variables=variables):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return _ResourceSide(policy.Verdict.EXPLICIT_DENY, None)
        if effect != "Allow":
            raise policy.CannotEvaluate(f"a statement with Effect {effect!r}")
        named = names if named is None or names.value > named.value else named
    verdict = policy.Verdict.ALLOW if named is not None else policy.Verdict.IMPLICIT_DENY
    return _ResourceSide(verdict, named)


def resource_verdict(
    document: Mapping[str, Any], caller: Caller, request: policy.Request
) -> policy.Verdict:
    """A resource policy's own verdict on `request` by `caller` (S3's bucket policies)."""
    return _resource_side(document, caller, request).verdict


@dataclass(frozen=True)
class Decision:
    """IAM's verdict on one request, and the kind of policy that decided a denial."""

    verdict: policy.Verdict
    where: str | None = None  # "identity", "resource", "boundary" or "session" for a denial


def decide(
    caller: Caller, request: policy.Request, resource_policy: Mapping[str, Any] | None
) -> Decision:
    """IAM's evaluation logic, pure: explicit denies anywhere first, then what must allow.

    `resource_policy` is the resource's own policy (a role's trust policy for sts:AssumeRole;
    None when the resource has none). Within one account either an identity policy or the
    resource's policy allows (a resource policy naming the account only delegates to identity
    policies; one naming the user's or the session's ARN is not limited by a permissions
    boundary or session policy, IAM User Guide, "Permissions boundaries for IAM entities");
    across accounts both must ("Cross-account policy evaluation logic").
    """
    side = _resource_side(resource_policy, caller, request) if resource_policy is not None else None
    identity = policy.evaluate(caller.documents, request)
    boundary = policy.evaluate([caller.boundary], request) if caller.boundary is not None else None
    session = (
        policy.evaluate([caller.session_policy], request)
        if caller.session_policy is not None
        else None
    )
    verdicts = {
        "identity": identity,
        "resource": side.verdict if side is not None else None,
        "boundary": boundary,
        "session": session,
    }
    for where, verdict in verdicts.items():
        if verdict is policy.Verdict.EXPLICIT_DENY:
            return Decision(policy.Verdict.EXPLICIT_DENY, where)
    implicit = policy.Verdict.IMPLICIT_DENY
    resource_allows = side is not None and side.verdict is policy.Verdict.ALLOW
    named = side.named if side is not None and resource_allows else None
    account = _account_of(request.resource)
    cross_account = account is not None and account != caller.account_id
    if request.action.lower() == "sts:assumerole" and not resource_allows:
        return Decision(implicit, "resource")  # a role is assumed only as its trust allows
    if cross_account and not resource_allows:
        return Decision(implicit, "resource")
    if not cross_account and named is policy.Named.DIRECT:
        return Decision(policy.Verdict.ALLOW)
    identity_needed = cross_account or named is not policy.Named.ROLE
    if identity_needed and identity is not policy.Verdict.ALLOW:
        return Decision(implicit, "identity")
    for where, verdict in (("boundary", boundary), ("session", session)):
        if verdict is not None and verdict is not policy.Verdict.ALLOW:
            return Decision(implicit, where)
    return Decision(policy.Verdict.ALLOW)


def _decide(caller: Caller, action: str, resource: str, request: policy.Request) -> Denial | None:
    decision = decide(caller, request, _resource_document(action, resource, caller))
    if decision.verdict is policy.Verdict.ALLOW or decision.where is None:
        return None
    if decision.verdict is policy.Verdict.EXPLICIT_DENY:
        return explicitly_denied(caller, action, resource, decision.where)
    return implicitly_denied(caller, action, resource, decision.where)


# Operations that hand a role to a service, which IAM authorizes as iam:PassRole on that role
# too (the parameter that names it), as AWS does.
PASSED_ROLES = {"iam:addroletoinstanceprofile": "RoleName"}


def _pass_role(
    caller: Caller, account_id: str, region: str, params: Callable[[str], Any]
) -> Denial | None:
    for role_arn in resources_of("iam:PassRole", account_id, caller, params, region):
        request = policy.Request(
            action="iam:PassRole",
            resource=role_arn,
            context=context_of(caller, "iam:passrole", role_arn, region, params),
            known_keys=KNOWN_KEYS,
        )
        denial = _decide(caller, "iam:PassRole", role_arn, request)
        if denial is not None:
            return denial
    return None


def _query_only(query: str, response: Any) -> bool:
    return bool(query) and not response.raw_body


def _empty_body(response: Any) -> bool:
    # A POST with no body at all (GenerateRecommendedPolicyV2, its parameter in the path):
    # moto hands the headers over as its `data`, but the client signed an empty payload.
    return str(response.headers.get("Content-Length", "")) == "0"


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
            # A GET's data is its query; so is that of a POST with its parameters in the
            # URL and an empty body (GenerateFindingRecommendation), signed over no payload.
            data={}
            if response.method == "GET"
            or _query_only(parsed.query, response)
            or _empty_body(response)
            else response.data,
            body=response.raw_body,
            headers=headers,
            action=operation,
        )
        iam_request.check_signature()
    except HTTPException as error:
        code = getattr(error, "error_type", "AccessDenied")
        return Denial(str(code), str(getattr(error, "message", error)), 403)
    service = iam_request._service
    action = IAM_ACTIONS.get(f"{service}:{operation}".lower(), f"{service}:{operation}")
    if action.lower() == "sts:getcalleridentity":  # IAM never denies it
        return None
    region = iam_request._region

    def params(name: str) -> Any:
        return response._get_param(name)

    try:
        caller = caller_of(iam_request._access_key)
        for resource in resources_of(action, response.current_account, caller, params, region):
            request = policy.Request(
                action=action,
                resource=resource,
                context=context_of(caller, action.lower(), resource, region, params),
                known_keys=KNOWN_KEYS,
            )
            denial = _decide(caller, action, resource, request)
            if denial is not None:
                return denial
        if action.lower() in PASSED_ROLES:
            return _pass_role(caller, response.current_account, region, params)
        return None
    except policy.CannotEvaluate as exc:
        return Denial(CANNOT_AUTHORIZE, f"{action}: {exc}", 400)


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
