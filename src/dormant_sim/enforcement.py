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
  `dormant_sim.policy` (explicit deny, allow, implicit deny; conditions; resource ARNs);
- the resource: the ARN IAM authorizes the operation against (a role's ARN with its path, a
  user's, a policy's, a Config rule's), from `dormant_sim.request_context.RESOURCES`;
  operations without resource types are authorized against "*";
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
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin

from dormant_sim import policy
from dormant_sim.patching import Patch
from dormant_sim.principals import (
    Caller,
    PrincipalCredentials,
    acting_as,
    backend_of,
    caller_of,
    document_of,
)
from dormant_sim.request_context import ANY, KNOWN_KEYS, RESOURCES, context_of

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


# --- the verdict --------------------------------------------------------------------------------


# Operations IAM authorizes under another action's name (the API reference says so).
_IAM_ACTIONS = {
    "access-analyzer:listfindingsv2": "access-analyzer:ListFindings",
    "access-analyzer:getfindingv2": "access-analyzer:GetFinding",
}
# The error code of a denial, where a service's protocol names it otherwise (rest-json).
_DENIED_CODES = {"access-analyzer": "AccessDeniedException"}


def _denied(caller: Caller, action: str, resource: str, because: str) -> Denial:
    on = f" on resource: {resource}" if resource != ANY else ""
    return Denial(
        _DENIED_CODES.get(action.split(":", 1)[0], "AccessDenied"),
        f"User: {caller.arn} is not authorized to perform: {action}{on} {because}",
        403,
    )


def _trust_verdict(
    caller: Caller, role_arn: str, request: policy.Request
) -> tuple[policy.Verdict, bool]:
    """The role's trust policy on this caller; and whether it names the caller's own ARN."""
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[4].isdigit():
        return policy.Verdict.IMPLICIT_DENY, False
    try:
        role = backend_of(parts[4]).get_role_by_arn(role_arn)
    except Exception:
        return policy.Verdict.IMPLICIT_DENY, False
    trust = document_of(role.assume_role_policy_document)
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


def _decide(caller: Caller, action: str, resource: str, request: policy.Request) -> Denial | None:
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
            # On a GET, moto's `data` is the parsed query string, which the signature check
            # would sign as a form body: a rest-json GET with a query never matched.
            data={} if response.method == "GET" else response.data,
            body=response.raw_body,
            headers=headers,
            action=operation,
        )
        iam_request.check_signature()
    except HTTPException as error:
        code = getattr(error, "error_type", "AccessDenied")
        return Denial(str(code), str(getattr(error, "message", error)), 403)
    service = iam_request._service
    action = _IAM_ACTIONS.get(f"{service}:{operation}".lower(), f"{service}:{operation}")
    if action.lower() == "sts:getcalleridentity":  # IAM never denies it
        return None
    region = iam_request._region

    def params(name: str) -> Any:
        return response._get_param(name)

    try:
        caller = caller_of(iam_request._access_key)
        builder = RESOURCES.get(action.lower())
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
            context=context_of(caller, action.lower(), resource, region, params),
            known_keys=KNOWN_KEYS,
        )
        return _decide(caller, action, resource, request)
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
