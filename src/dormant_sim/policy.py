"""IAM's policy evaluation for the simulation, pure: documents and a request in, a verdict out.

moto's own evaluator (`moto.iam.access_control`) ignores most of what makes a policy least
privilege: it compares every resource with "*" (so a statement scoped to an ARN never
matches), fails every statement that has a Condition (an Allow with a condition denies), and
knows no condition operators beyond the trust policies'. This module evaluates identity
policies and trust policies the way IAM documents it:

- an explicit Deny wins, then an Allow, else the request is implicitly denied;
- `Action`/`NotAction` match case-insensitively, `Resource`/`NotResource` case-sensitively,
  both with the wildcards `*` and `?`;
- every condition operator in a statement must hold, every key under an operator must hold,
  and one of a key's values is enough; `...IfExists`, `Null`, and the set qualifiers
  `ForAllValues:` and `ForAnyValue:` behave as documented; a key missing from the request makes
  a positive operator false and a negated one (`StringNotEquals`, `ArnNotLike`, ...) true
  (`dormant_sim.policy_conditions`);
- policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}` and the
  escapes `${*}`, `${?}`, `${$}`) are replaced from the request context in `Resource`,
  `NotResource` and under the string and ARN operators, in documents of Version 2012-10-17 (in
  older ones they are literal text); a variable whose key the request lacks (and that has no
  default) makes that Resource entry, or that condition value, match nothing (IAM says any
  attempt to match it fails); under NotResource or a negated operator, where IAM says only
  that the statement may be invalid, it cannot be evaluated (`dormant_sim.policy_variables`);
  a variable before an ARN's resource part (the account, the Region) cannot be evaluated either;
- a resource or trust policy's Principal names the caller directly (the user's or the
  session's ARN), by its role's ARN, or by its account (`named_in`), which decides what else
  must allow (`dormant_sim.enforcement.decide`).

It is strict where it cannot be exact: a condition operator it does not implement, a key the
request context does not know (`known_keys`), a variable under an operator IAM does not
substitute (Numeric, Date, Bool, IpAddress, Null), a multi-valued key used as a variable, or a
malformed date, number, IP address or boolean raises `CannotEvaluate` (never a `ValueError`),
so that no test passes because the simulation skipped or guessed part of a policy.
Never imported by dormant's Lambda path.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from dormant_sim.policy_conditions import conditions_hold
from dormant_sim.policy_variables import (
    CannotEvaluate,
    ContextValue,
    Request,
    Unresolved,
    as_list,
    check_arn_variables,
    glob,
    substitute,
)

__all__ = [
    "CannotEvaluate",
    "ContextValue",
    "Named",
    "Request",
    "Verdict",
    "conditions_hold",
    "evaluate",
    "named_in",
    "statement_applies",
    "statements",
]


class Verdict(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


# The policy language version that has policy variables; in documents without it (or with
# 2008-10-17) `${...}` is literal text (IAM User Guide, "Variables and tags").
VARIABLES_VERSION = "2012-10-17"


def _action_matches(patterns: Any, action: str) -> bool:
    for pattern in as_list(patterns):
        if "${" in str(pattern):
            raise CannotEvaluate(f"a policy variable in an action: {pattern!r}")
        if glob(((str(pattern), False),), action, ignore_case=True):
            return True
    return False


def _resource_matches(patterns: Any, request: Request, variables: bool, *, negated: bool) -> bool:
    for pattern in as_list(patterns):
        check_arn_variables(str(pattern), variables)
        try:
            found = substitute(str(pattern), request, variables)
        except Unresolved as missing:
            if negated:
                # An entry that names nothing would widen NotResource to every resource; IAM
                # says only that the statement may be invalid: the simulation cannot tell.
                raise CannotEvaluate(
                    f"NotResource {pattern!r} with the variable {missing} the request lacks"
                ) from missing
            continue  # this entry names nothing; the others may still match
        if glob(found, request.resource, ignore_case=False):
            return True
    return False


# --- statements and documents -------------------------------------------------------------------


def statement_applies(
    statement: Mapping[str, Any], request: Request, *, variables: bool = True
) -> bool:
    """Whether a statement covers the request (its effect and Principal aside).

    `variables`: whether its document's Version has policy variables (see `statements`).
    """
    if "Action" in statement:
        if not _action_matches(statement["Action"], request.action):
            return False
    elif "NotAction" in statement:
        if _action_matches(statement["NotAction"], request.action):
            return False
    else:
        raise CannotEvaluate("a statement without Action or NotAction")
    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], request, variables, negated=False):
            return False
    elif "NotResource" in statement:
        if _resource_matches(statement["NotResource"], request, variables, negated=True):
            return False
    elif "Principal" not in statement and "NotPrincipal" not in statement:
        raise CannotEvaluate("an identity-policy statement without Resource or NotResource")
    return conditions_hold(statement.get("Condition"), request, variables=variables)


def statements(document: Mapping[str, Any]) -> Iterable[tuple[Mapping[str, Any], bool]]:
    """Each statement of a document, with whether policy variables apply in it."""
    variables = document.get("Version") == VARIABLES_VERSION
    for statement in as_list(document.get("Statement", [])):
        if not isinstance(statement, Mapping):
            raise CannotEvaluate("a statement that is not an object")
        yield statement, variables


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request) -> Verdict:
    """IAM's verdict for identity policies: explicit deny, else allow, else implicit deny."""
    allowed = False
    for document in documents:
        for statement, variables in statements(document):
            if not statement_applies(statement, request, variables=variables):
                continue
            effect = statement.get("Effect")
            if effect == "Deny":
                return Verdict.EXPLICIT_DENY
            if effect == "Allow":
                allowed = True
            else:
                raise CannotEvaluate(f"a statement with Effect {effect!r}")
    return Verdict.ALLOW if allowed else Verdict.IMPLICIT_DENY


class Named(enum.Enum):
    """How a resource policy's Principal names the caller; ordered from weakest to strongest.

    IAM User Guide, "Policy evaluation logic" and "Permissions boundaries for IAM entities":
    within one account, a resource-based policy naming the account delegates to the
    caller's identity policies; one naming a role's ARN grants without an identity policy but
    stays limited by the role's permissions boundary and session policy; one naming the user's
    ARN or the session's ARN is limited by neither.
    """

    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


def named_in(
    principal: Any, *, kind: str, arn: str, principal_arn: str, account: str
) -> Named | None:
    """How a Principal element names the caller (None: it does not).

    `kind` "User" or "AssumedRole"; `arn` the user's or the session's ARN; `principal_arn` the
    user's or the role's ARN. Service and federated principals never name a user or a session;
    `"*"` names everyone, as a grant to the account would.
    """
    if principal == "*":
        return Named.ACCOUNT
    if not isinstance(principal, Mapping):
        raise CannotEvaluate(f"a Principal that is not an object: {principal!r}")
    best: Named | None = None
    for principal_kind, values in principal.items():
        if principal_kind != "AWS":
            continue
        for value in as_list(values):
            text = str(value)
            found: Named | None = None
            if text == arn:
                found = Named.DIRECT
            elif text == principal_arn:
                found = Named.DIRECT if kind == "User" else Named.ROLE
            elif text in ("*", account, f"arn:aws:iam::{account}:root"):
                found = Named.ACCOUNT
            if found is not None and (best is None or found.value > best.value):
                best = found
    return best
