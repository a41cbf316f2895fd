"""A seeded corpus of IAM authorization cases over what dormant and its templates use.

`corpus(seed)` returns the same cases for the same seed: requests for the actions dormant
calls and its templates grant (IAM roles and users, Config, Security Hub, STS, SNS, Secrets
Manager, S3, SQS, Logs, Organizations), on the ARNs they use, made by an IAM user or a role
session, against identity policies, permissions boundaries, session policies and resource
policies (a role's trust policy for sts:AssumeRole) drawn from the policy shapes those
policies have: exact and wildcard actions and ARNs, NotAction and NotResource, the condition
operators and keys dormant's policies use, policy variables, explicit denies. The templates'
own identity policies are cases too (`template_cases`), with requests for what each
statement names and for a neighbour it does not.

Each case carries `traits`: names of the constructs it uses where two evaluators may
legitimately differ (see the table in test_policy_differential.py). Nothing here evaluates.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OWN = "123456789012"
OTHER = "111111111111"
REGION = "us-east-1"
NOW = "2026-03-15T12:00:00Z"
NOW_EPOCH = "1773576000"
ISSUED = "2026-03-15T11:00:00Z"
VERSION = "2012-10-17"


@dataclass(frozen=True)
class Caller:
    """Who makes the request: an IAM user or a session of a role (path "/")."""

    kind: str  # "User" or "AssumedRole"
    account: str
    name: str  # the user's or the role's name
    arn: str  # the user's or the session's ARN
    principal_arn: str  # the user's or the role's ARN
    user_id: str


@dataclass(frozen=True)
class Case:
    number: int
    caller: Caller
    action: str
    resource: str
    resource_account: str
    context: dict[str, Any]
    identity: list[dict[str, Any]]
    boundary: dict[str, Any] | None = None
    session: dict[str, Any] | None = None
    resource_policy: dict[str, Any] | None = None
    traits: frozenset[str] = field(default_factory=frozenset)

    def oracle_input(self) -> dict[str, Any]:
        return {
            "principal": self.caller.arn,
            "action": self.action,
            "resource": self.resource,
            "resourceAccount": self.resource_account,
            "context": self.context,
            "identity": self.identity,
            "boundary": self.boundary,
            "session": self.session,
            "resourcePolicy": self.resource_policy,
        }

    def describe(self) -> str:
        parts = [
            f"case {self.number}: {self.caller.arn} {self.action} on {self.resource}",
            f"  context: {self.context}",
            f"  identity: {self.identity}",
        ]
        for label, document in (
            ("boundary", self.boundary),
            ("session", self.session),
            ("resource policy", self.resource_policy),
        ):
            if document is not None:
                parts.append(f"  {label}: {document}")
        return "\n".join(parts)


def user(account: str = OWN, name: str = "alice", path: str = "/") -> Caller:
    arn = f"arn:aws:iam::{account}:user{path}{name}"
    return Caller("User", account, name, arn, arn, "AIDAEXAMPLEUSERID1234")


def session(account: str = OWN, role: str = "app", name: str = "s1") -> Caller:
    return Caller(
        "AssumedRole",
        account,
        role,
        f"arn:aws:sts::{account}:assumed-role/{role}/{name}",
        f"arn:aws:iam::{account}:role/{role}",
        f"AROAEXAMPLEROLEID123:{name}",
    )


# --- the requests: actions and the resources IAM authorizes them on ------------------------------


def _targets(account: str) -> list[tuple[str, str, str]]:
    """(action, resource, kind of resource) for one account's resources."""
    role = f"arn:aws:iam::{account}:role/app-target"
    path_role = f"arn:aws:iam::{account}:role/team/blue-app"
    member = f"arn:aws:iam::{account}:user/bob"
    policy_arn = f"arn:aws:iam::{account}:policy/dormant-quarantine"
    rule = f"arn:aws:config:{REGION}:{account}:config-rule/config-rule-a1b2c3"
    product = f"arn:aws:securityhub:{REGION}:{account}:product/{account}/default"
    topic = f"arn:aws:sns:{REGION}:{account}:dormant-notices"
    secret = f"arn:aws:secretsmanager:{REGION}:{account}:secret:dormant/webhook-AbCdEf"
    queue = f"arn:aws:sqs:{REGION}:{account}:dormant-retire"
    stream = f"arn:aws:logs:{REGION}:{account}:log-group:/aws/lambda/dormant:log-stream:abc"
    return [
        *((f"iam:{name}", role, "role") for name in _ROLE_ACTIONS),
        *((f"iam:{name}", path_role, "role") for name in ("GetRole", "TagRole", "DeleteRole")),
        *((f"iam:{name}", member, "user") for name in _USER_ACTIONS),
        ("iam:GetPolicy", policy_arn, "policy"),
        ("iam:CreatePolicyVersion", policy_arn, "policy"),
        ("sts:AssumeRole", role, "role"),
        ("sts:AssumeRole", path_role, "role"),
        ("config:GetComplianceDetailsByConfigRule", rule, "rule"),
        ("config:StartConfigRulesEvaluation", rule, "rule"),
        ("securityhub:BatchImportFindings", product, "product"),
        ("sns:Publish", topic, "topic"),
        ("secretsmanager:GetSecretValue", secret, "secret"),
        ("sqs:SendMessage", queue, "queue"),
        ("logs:PutLogEvents", stream, "log"),
    ]


_ROLE_ACTIONS = (
    "GetRole",
    "TagRole",
    "UntagRole",
    "DeleteRole",
    "DeleteRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "PutRolePermissionsBoundary",
    "GenerateServiceLastAccessedDetails",
    "ListRolePolicies",
    "UpdateAssumeRolePolicy",
)
_USER_ACTIONS = (
    "GetUser",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteLoginProfile",
    "TagUser",
    "DeleteUser",
)
_ACCOUNT_WIDE = (
    "iam:ListRoles",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetServiceLastAccessedDetails",
    "config:PutEvaluations",
    "config:DescribeConfigRules",
    "organizations:ListAccounts",
)
_BUCKET = "arn:aws:s3:::dormant-backups-123456789012"
_S3 = (
    ("s3:PutObject", f"{_BUCKET}/roles/app-target.json"),
    ("s3:GetObject", f"{_BUCKET}/roles/app-target.json"),
    ("s3:ListBucket", _BUCKET),
)


# --- policy elements -----------------------------------------------------------------------------


def _action_pattern(rng: random.Random, action: str, traits: set[str]) -> tuple[str, Any]:
    service, name = action.split(":")
    choice = rng.randrange(10)
    if choice == 0:
        return "Action", action
    if choice == 1:
        return "Action", action.lower() if rng.random() < 0.5 else f"{service.upper()}:{name}"
    if choice == 2:
        return "Action", f"{service}:*"
    if choice == 3:
        return "Action", f"{service}:{name[: rng.randrange(1, len(name))]}*"
    if choice == 4:
        return "Action", "*"
    if choice == 5:
        return "Action", f"{service}:{name[:-1]}?"
    if choice == 6:
        return "Action", [_other_action(rng, action), action]
    if choice == 7:
        return "Action", _other_action(rng, action)
    if choice == 8:
        return "NotAction", _other_action(rng, action)
    return "NotAction", [action] if rng.random() < 0.5 else f"{service}:*"


def _other_action(rng: random.Random, action: str) -> str:
    pool = [f"iam:{n}" for n in (*_ROLE_ACTIONS, *_USER_ACTIONS)] + list(_ACCOUNT_WIDE)
    pool += ["sts:AssumeRole", "sns:Publish", "s3:GetObject", "secretsmanager:GetSecretValue"]
    return rng.choice([a for a in pool if a != action])


def _split(resource: str) -> list[str]:
    return resource.split(":", 5)


def _with(fields: list[str], index: int, value: str) -> str:
    """The ARN of `fields` with one field replaced."""
    return ":".join([*fields[:index], value, *fields[index + 1 :]])


def _resource_pattern(
    rng: random.Random, resource: str, caller: Caller, traits: set[str]
) -> tuple[str, Any]:
    if resource == "*":
        choice = rng.randrange(4)
        if choice == 0:
            traits.add("resource-arn-for-action-without-resource-types")
            return "Resource", f"arn:aws:iam::{caller.account}:role/*"
        return "Resource", "*"
    fields = _split(resource)
    head, _, tail = fields[5].rpartition("/")
    choice = rng.randrange(16)
    if choice == 0:
        return "Resource", resource
    if choice == 1:
        return "Resource", "*"
    if choice == 2 and head:
        return "Resource", _with(fields, 5, f"{head}/*")
    if choice == 3:
        return "Resource", _with(fields, 4, "*")
    if choice == 4:
        return "Resource", _with(fields, 5, fields[5] + "-other")
    if choice == 5:
        other = OTHER if fields[4] != OTHER else OWN
        return "Resource", _with(fields, 4, other)
    if choice == 6 and fields[3]:
        return "Resource", _with(fields, 3, "*")
    if choice == 7:
        # A `*` ending a field, the rest of the ARN left out: it spans the colons after it.
        traits.add("star-ending-a-field-spans-colons")
        return "Resource", ":".join(fields[:3]) + ":*"
    if choice == 8:
        return "NotResource", _with(fields, 5, fields[5] + "-other")
    if choice == 9:
        return "NotResource", resource if rng.random() < 0.5 else [resource, "arn:aws:sns:*:*:x"]
    if choice == 10 and fields[2] == "iam":
        return "Resource", f"arn:aws:iam::{fields[4]}:user/${{aws:username}}"
    if choice == 11 and fields[2] == "iam" and tail:
        kind = fields[5].split("/", 1)[0]
        return "Resource", f"arn:aws:iam::{fields[4]}:{kind}/*${{aws:PrincipalTag/team}}*"
    if choice == 12:
        return "Resource", [_with(fields, 5, "x"), resource]
    if choice == 13 and tail:
        return "Resource", _with(fields, 5, fields[5][:-1] + "?")
    if choice == 14:
        traits.add("notresource-short-arn")
        return "NotResource", ":".join(fields[:3]) + ":*:*"
    if choice == 15 and tail:
        default = rng.choice(["app-target", "bob", "nobody"])
        head_part = f"{head}/" if head else ""
        pattern = f"{head_part}${{aws:PrincipalTag/owner, '{default}'}}"
        return "Resource", _with(fields, 5, pattern)
    return "Resource", resource


_STRING_KEYS: Mapping[str, Sequence[str]] = {
    "aws:PrincipalTag/team": ("blue", "red", "b*", "${aws:username}"),
    "aws:RequestedRegion": ("us-east-1", "eu-west-1", "us-*"),
    "aws:PrincipalAccount": (OWN, OTHER, "${aws:ResourceAccount}"),
    "aws:ResourceAccount": (OWN, OTHER, "${aws:PrincipalAccount}"),
    "aws:PrincipalOrgID": ("o-abc123", "o-xyz789", "o-*"),
    "aws:username": ("alice", "bob", "a*"),
    "aws:PrincipalType": ("User", "AssumedRole"),
    "aws:SourceAccount": (OWN,),
    "aws:userid": ("AIDAEXAMPLEUSERID1234", "AROAEXAMPLEROLEID123:*", "AROA*:${aws:username}"),
}
_STRING_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "StringLikeIfExists",
)
_ARN_VALUES = (
    f"arn:aws:iam::{OWN}:role/app",
    f"arn:aws:iam::{OWN}:role/*",
    f"arn:aws:iam::{OWN}:user/alice",
    "arn:aws:iam::*:role/app",
    f"arn:aws:iam::{OTHER}:*",
    "arn:aws:iam::${aws:PrincipalAccount}:role/app",
)
_ARN_OPERATORS = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "ArnLikeIfExists")


def _condition(rng: random.Random, action: str, caller: Caller, traits: set[str]) -> dict[str, Any]:
    choice = rng.randrange(12)
    values: Any
    if choice <= 3:
        key = rng.choice(sorted(_STRING_KEYS))
        operator = rng.choice(_STRING_OPERATORS)
        values = rng.sample(list(_STRING_KEYS[key]), rng.randrange(1, len(_STRING_KEYS[key]) + 1))
        return {operator: {key: values if len(values) > 1 else values[0]}}
    if choice == 4:
        key = rng.choice(("aws:PrincipalArn", "aws:PrincipalArn", "iam:PolicyARN"))
        operator = rng.choice(_ARN_OPERATORS)
        return {operator: {key: rng.choice(_ARN_VALUES)}}
    if choice == 5:
        key = rng.choice(("aws:ResourceTag/owner", "iam:ResourceTag/owner"))
        operator = rng.choice(_STRING_OPERATORS)
        return {
            operator: {
                key: rng.choice(("alice", "bob", "${aws:username}", "${aws:PrincipalTag/team}"))
            }
        }
    if choice == 6:
        qualifier = rng.choice(("ForAllValues:", "ForAnyValue:"))
        operator = rng.choice(("StringEquals", "StringLike", "StringNotEquals"))
        keys = rng.sample(["owner", "team", "dormant:*", "cost"], rng.randrange(1, 3))
        return {f"{qualifier}{operator}": {"aws:TagKeys": keys}}
    if choice == 7:
        key = rng.choice(("aws:CurrentTime", "aws:TokenIssueTime"))
        operator = rng.choice(
            ("DateGreaterThan", "DateLessThan", "DateLessThanEquals", "DateNotEquals")
        )
        value = rng.choice(("2026-01-01T00:00:00Z", "2026-03-15T11:30:00Z", "2027-01-01T00:00:00Z"))
        if rng.random() < 0.3:
            traits.add("epoch-seconds-date")
            value = rng.choice(("1767225600", "1773574200", "1798761600"))
        return {operator: {key: value}}
    if choice == 8:
        operator = rng.choice(("NumericLessThan", "NumericGreaterThanEquals", "NumericEquals"))
        return {operator: {"aws:EpochTime": rng.choice(("1767225600", NOW_EPOCH, "1798761600"))}}
    if choice == 9:
        key = rng.choice(("aws:ViaAWSService", "aws:PrincipalIsAWSService"))
        return {rng.choice(("Bool", "BoolIfExists")): {key: rng.choice(("true", "false"))}}
    if choice == 10:
        key = rng.choice(
            ("aws:ResourceTag/owner", "aws:TokenIssueTime", "aws:username", "aws:PrincipalTag/team")
        )
        return {"Null": {key: rng.choice(("true", "false"))}}
    # Several operators in one block, each of which must hold.
    first = _condition(rng, action, caller, traits)
    second = _condition(rng, action, caller, traits)
    return {**second, **first}


def _statement(
    rng: random.Random,
    action: str,
    resource: str,
    caller: Caller,
    traits: set[str],
    *,
    allow_bias: float,
    principal: Any = None,
) -> dict[str, Any]:
    effect = "Allow" if rng.random() < allow_bias else "Deny"
    key, value = _action_pattern(rng, action, traits)
    statement: dict[str, Any] = {"Effect": effect, key: value}
    if principal is not None:
        statement["Principal"] = principal
    else:
        resource_key, resource_value = _resource_pattern(rng, resource, caller, traits)
        statement[resource_key] = resource_value
    if rng.random() < 0.45:
        statement["Condition"] = _condition(rng, action, caller, traits)
    return statement


def _document(statements: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    document: dict[str, Any] = {"Version": VERSION, "Statement": statements}
    if rng.random() < 0.2:
        document["Statement"] = statements[0] if len(statements) == 1 else statements
    return document


def _principal(rng: random.Random, caller: Caller, resource_account: str, traits: set[str]) -> Any:
    choice = rng.randrange(9)
    if choice == 0:
        return {"AWS": caller.principal_arn}
    if choice == 1:
        if caller.kind == "AssumedRole":
            traits.add("resource-policy-names-the-session")
        return {"AWS": caller.arn}
    if choice == 2:
        return {"AWS": caller.account}
    if choice == 3:
        return {"AWS": f"arn:aws:iam::{caller.account}:root"}
    if choice == 4:
        return {"AWS": f"arn:aws:iam::{resource_account}:root"}
    if choice == 5:
        return {"Service": "lambda.amazonaws.com"}
    if choice == 6:
        return {"AWS": [f"arn:aws:iam::{caller.account}:role/other", caller.principal_arn]}
    if choice == 7:
        return {"AWS": f"arn:aws:iam::{OTHER}:user/mallory"}
    return {"AWS": caller.arn if caller.kind == "User" else caller.principal_arn}


# --- the request context -------------------------------------------------------------------------


def _context(
    rng: random.Random, caller: Caller, action: str, resource: str, kind: str
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "aws:PrincipalArn": caller.principal_arn,
        "aws:PrincipalAccount": caller.account,
        "aws:PrincipalType": caller.kind,
        "aws:userid": caller.user_id,
        "aws:CurrentTime": NOW,
        "aws:EpochTime": NOW_EPOCH,
        "aws:RequestedRegion": rng.choice((REGION, REGION, "eu-west-1")),
        "aws:ViaAWSService": "false",
        "aws:PrincipalIsAWSService": "false",
    }
    if caller.kind == "User":
        context["aws:username"] = caller.name
    else:
        context["aws:TokenIssueTime"] = ISSUED
    if rng.random() < 0.6:
        context["aws:PrincipalTag/team"] = rng.choice(("blue", "red", "alice"))
    if rng.random() < 0.5:
        context["aws:PrincipalOrgID"] = "o-abc123"
    fields = _split(resource)
    if len(fields) == 6 and fields[4]:
        context["aws:ResourceAccount"] = fields[4]
    if kind in ("role", "user") and rng.random() < 0.6:
        owner = rng.choice(("alice", "bob", "blue"))
        context["aws:ResourceTag/owner"] = owner
        context["iam:ResourceTag/owner"] = owner
    if action in ("iam:TagRole", "iam:TagUser", "iam:UntagRole"):
        keys = rng.sample(["owner", "team", "dormant:quarantined-at", "cost"], rng.randrange(1, 3))
        context["aws:TagKeys"] = keys
        if action != "iam:UntagRole":
            for key in keys:
                context[f"aws:RequestTag/{key}"] = rng.choice(("alice", "blue"))
    if action in ("iam:AttachRolePolicy", "iam:DetachRolePolicy"):
        context["iam:PolicyARN"] = rng.choice(
            (
                f"arn:aws:iam::{OWN}:policy/dormant-quarantine",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            )
        )
    return context


# --- the corpus ----------------------------------------------------------------------------------


def corpus(seed: int, count: int) -> list[Case]:
    """`count` cases, the same for the same seed."""
    rng = random.Random(seed)
    cases = []
    callers = [user(), user(path="/team/"), session(), session(name="the-session")]
    requests: list[tuple[str, str, str, str]] = []
    for account in (OWN, OTHER):
        requests += [(a, r, kind, account) for a, r, kind in _targets(account)]
    requests += [(a, "*", "none", OWN) for a in _ACCOUNT_WIDE]
    requests += [(a, r, "object", OWN) for a, r in _S3]
    for number in range(count):
        caller = rng.choice(callers)
        action, resource, kind, account = rng.choice(requests)
        traits: set[str] = set()
        if account != caller.account:
            traits.add("cross-account")
        identity = [
            _document(
                [
                    _statement(rng, action, resource, caller, traits, allow_bias=0.8)
                    for _ in range(rng.randrange(1, 4))
                ],
                rng,
            )
            for _ in range(rng.randrange(1, 3))
        ]
        boundary = None
        if rng.random() < 0.25:
            boundary = _document(
                [
                    _statement(rng, action, resource, caller, traits, allow_bias=0.85)
                    for _ in range(rng.randrange(1, 3))
                ],
                rng,
            )
        session_policy = None
        if caller.kind == "AssumedRole" and rng.random() < 0.2:
            traits.add("session-policy")
            session_policy = _document(
                [_statement(rng, action, resource, caller, traits, allow_bias=0.85)], rng
            )
        resource_policy = None
        wants_policy = action == "sts:AssumeRole" or (
            kind in ("topic", "secret", "queue", "object") and rng.random() < 0.5
        )
        if wants_policy:
            statements = []
            for _ in range(rng.randrange(1, 3)):
                statement = _statement(
                    rng,
                    action,
                    resource,
                    caller,
                    traits,
                    allow_bias=0.8,
                    principal=_principal(rng, caller, account, traits),
                )
                if action != "sts:AssumeRole":
                    statement["Resource"] = resource if rng.random() < 0.7 else "*"
                statements.append(statement)
            resource_policy = _document(statements, rng)
            if action == "sts:AssumeRole":
                traits.add("trust-policy")
        cases.append(
            Case(
                number=number,
                caller=caller,
                action=action,
                resource=resource,
                resource_account=account,
                context=_context(rng, caller, action, resource, kind),
                identity=identity,
                boundary=boundary,
                session=session_policy,
                resource_policy=resource_policy,
                traits=frozenset(traits),
            )
        )
    return cases


def template_cases(documents: Sequence[Mapping[str, Any]], seed: int, start: int) -> Iterator[Case]:
    """Cases from real identity policies: what each statement names, and a neighbour of it.

    The caller is a session of the role holding the policy, in the account the templates
    resolve to (111111111111).
    """
    rng = random.Random(seed)
    caller = session(account=OTHER, role="dormant-role", name="run")
    number = start
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            resources = statement.get("Resource", "*")
            for action in actions if isinstance(actions, list) else [actions]:
                if "*" in action or "?" in action:
                    continue
                for resource in resources if isinstance(resources, list) else [resources]:
                    for concrete in (_concrete(resource), _neighbour(resource)):
                        fields = _split(concrete)
                        account = fields[4] if len(fields) == 6 and fields[4] else OTHER
                        context = _context(rng, caller, action, concrete, "role")
                        for key in _condition_keys(statement):
                            _fill(rng, context, key, statement)
                        yield Case(
                            number=number,
                            caller=caller,
                            action=action,
                            resource=concrete,
                            resource_account=account,
                            context=context,
                            identity=[dict(document)],
                            traits=frozenset({"template", *_protected(concrete)}),
                        )
                        number += 1


def _protected(resource: str) -> set[str]:
    reserved = (":role/aws-reserved/", ":role/aws-service-role/")
    return {"protected-role"} if any(part in resource for part in reserved) else set()


def _concrete(resource: str) -> str:
    return resource.replace("*", "x1").replace("?", "y")


def _neighbour(resource: str) -> str:
    if resource == "*":
        return "*"
    return _concrete(resource) + "-other"


def _condition_keys(statement: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    for by_key in (statement.get("Condition") or {}).values():
        for key, values in by_key.items():
            found.append(
                (key, [str(v) for v in (values if isinstance(values, list) else [values])])
            )
    return found


def _fill(rng: random.Random, context: dict[str, Any], key: tuple[str, list[str]], _s: Any) -> None:
    name, values = key
    choice = rng.randrange(3)
    if choice == 0:
        context.pop(name, None)
        return
    value = values[0] if choice == 1 else "other-value"
    value = value.replace("*", "x1")
    if name.lower() == "aws:tagkeys":
        context[name] = [value]
    else:
        context[name] = value


def repository_root() -> Path:
    return Path(__file__).resolve().parents[2]
