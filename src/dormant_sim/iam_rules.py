"""IAM's own refusals, beyond its service model, that moto does not make.

- **Principals must exist when a trust policy is written** (CreateRole, UpdateAssumeRolePolicy):
  a role or user ARN that names no existing role or user (a deleted role; the role being
  created, trusting itself), an assumed-role ARN of a missing role, or a unique id (`AROA...`,
  `AIDA...`) that belongs to no role or user answer `MalformedPolicyDocument: Invalid
  principal in policy`. Accounts (`123456789012`, `arn:aws:iam::123456789012:root`, of any
  account), `*`, and service, federated and canonical-user principals are accepted.
- **Policy sizes**, counted without whitespace as IAM counts them: a trust policy over 2,048
  characters, a managed policy (or a new version) over 6,144, a role's inline policies over
  10,240 together answer `LimitExceeded`.
- **Quotas**: an 11th managed policy attached to a role, a 51st tag on a role or user:
  `LimitExceeded`.
- **Roles only AWS changes**: a role under `/aws-reserved/` (IAM Identity Center's) refuses
  every change (policies, trust, tags, description, delete); a service-linked role
  (`/aws-service-role/`) refuses policy and trust changes and DeleteRole (it is deleted with
  DeleteServiceLinkedRole): `UnmodifiableEntity`. Seeding requests (`SIM_INTERNAL_HEADER`)
  play AWS and may set such roles up.

Test support over moto's private classes (`IamResponse`); never imported by dormant's Lambda
path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

from dormant_sim import iam
from dormant_sim.patching import Patch
from dormant_sim.principals import backend_of
from dormant_sim.protocol import AwsError

__all__ = [
    "INLINE_POLICIES_PER_ROLE_MAX",
    "MANAGED_POLICIES_PER_ROLE_MAX",
    "MANAGED_POLICY_MAX",
    "PATCHES",
    "TAGS_MAX",
    "TRUST_POLICY_MAX",
    "invalid_principals",
    "reset",
]

TRUST_POLICY_MAX = 2048
MANAGED_POLICY_MAX = 6144
INLINE_POLICIES_PER_ROLE_MAX = 10240
MANAGED_POLICIES_PER_ROLE_MAX = 10
TAGS_MAX = 50

_ACCOUNT = re.compile(r"\d{12}")
_ROOT = re.compile(r"arn:aws[\w-]*:iam::\d{12}:root")
_IAM_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):(role|user)(/.*)")
_SESSION_ARN = re.compile(r"arn:aws[\w-]*:sts::(\d{12}):assumed-role/([^/]+)/.+")
_UNIQUE_ID = re.compile(r"A(ROA|IDA)[A-Z0-9]{12,}")


def _compact_length(document: str) -> int:
    """A policy's size as IAM counts it: whitespace is not counted."""
    return sum(1 for character in document if not character.isspace())


def _aws_principals(document: Mapping[str, Any]) -> Iterator[str]:
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping):
            continue
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key)
            if not isinstance(principal, Mapping):
                continue
            values = principal.get("AWS", [])
            for value in values if isinstance(values, list) else [values]:
                yield str(value)


def _role_exists(account_id: str, name: str) -> bool:
    try:
        backend_of(account_id).get_role(name)
    except Exception:
        return False
    return True


def _principal_exists(value: str) -> bool:
    if value == "*" or _ACCOUNT.fullmatch(value) or _ROOT.fullmatch(value):
        return True
    if match := _IAM_ARN.fullmatch(value):
        account_id, kind, path_and_name = match.groups()
        name = path_and_name.rsplit("/", 1)[-1]
        backend = backend_of(account_id)
        if kind == "role":
            arns = {str(role.arn) for role in backend.roles.values()}
        else:
            arns = {str(user.arn) for user in backend.users.values()}
        return value in arns or (path_and_name == f"/{name}" and _named(backend, kind, name))
    if match := _SESSION_ARN.fullmatch(value):
        return _role_exists(match.group(1), match.group(2))
    if _UNIQUE_ID.fullmatch(value):
        return _unique_id_exists(value)
    return False


def _named(backend: Any, kind: str, name: str) -> bool:
    """A role or user ARN written without its path still names it (IAM resolves the name)."""
    entities = backend.roles.values() if kind == "role" else backend.users.values()
    return any(str(getattr(entity, "name", "")) == name for entity in entities)


def _unique_id_exists(unique_id: str) -> bool:
    from moto.iam.models import iam_backends

    for account_id in list(iam_backends.keys()):
        backend = iam_backends[account_id]["aws"]
        for entity in (*backend.roles.values(), *backend.users.values()):
            if str(getattr(entity, "id", "")) == unique_id:
                return True
    return False


def invalid_principals(document: Mapping[str, Any]) -> list[str]:
    """The AWS principals of a trust policy that IAM would refuse today, in order."""
    return [value for value in _aws_principals(document) if not _principal_exists(value)]


# --- the checks, each on one request ------------------------------------------------------


def _internal(self: IamResponse) -> bool:
    from dormant_sim.dispatch import SIM_INTERNAL_HEADER

    headers = getattr(self, "headers", None)
    return bool(headers is not None and headers.get(SIM_INTERNAL_HEADER))


def _trust_policy(param: str) -> Callable[[IamResponse], None]:
    def check(self: IamResponse) -> None:
        text = self._get_param(param)
        if not isinstance(text, str):
            return
        if _compact_length(text) > TRUST_POLICY_MAX:
            raise AwsError(
                "LimitExceeded", f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}"
            )
        try:
            document = json.loads(text)
        except ValueError:
            return  # moto's own check answers MalformedPolicyDocument
        if not isinstance(document, Mapping):
            return
        for value in invalid_principals(document):
            raise AwsError(
                "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{value}"'
            )

    return check


def _managed_policy_size(self: IamResponse) -> None:
    text = self._get_param("PolicyDocument")
    if isinstance(text, str) and _compact_length(text) > MANAGED_POLICY_MAX:
        raise AwsError("LimitExceeded", f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}")


def _inline_policies_size(self: IamResponse) -> None:
    name = str(self._get_param("RoleName"))
    policy_name = str(self._get_param("PolicyName"))
    text = self._get_param("PolicyDocument")
    if not isinstance(text, str):
        return
    try:
        role = self.backend.get_role(name)
    except Exception:
        return  # moto answers NoSuchEntity
    others = sum(
        _compact_length(str(document))
        for existing, document in role.policies.items()
        if existing != policy_name
    )
    if others + _compact_length(text) > INLINE_POLICIES_PER_ROLE_MAX:
        raise AwsError(
            "LimitExceeded",
            f"Maximum policy size of {INLINE_POLICIES_PER_ROLE_MAX} bytes exceeded for role {name}",
        )


def _managed_policies_per_role(self: IamResponse) -> None:
    arn = str(self._get_param("PolicyArn"))
    try:
        role = self.backend.get_role(str(self._get_param("RoleName")))
    except Exception:
        return
    attached = {str(policy.arn) for policy in role.managed_policies.values()}
    if arn not in attached and len(attached) >= MANAGED_POLICIES_PER_ROLE_MAX:
        raise AwsError(
            "LimitExceeded",
            f"Cannot exceed quota for PoliciesPerRole: {MANAGED_POLICIES_PER_ROLE_MAX}",
        )


def _tags_per_entity(kind: str) -> Callable[[IamResponse], None]:
    def check(self: IamResponse) -> None:
        new = {
            str(tag.get("Key"))
            for tag in self._get_param("Tags", []) or []
            if isinstance(tag, Mapping)
        }
        existing: set[str] = set()
        try:
            if kind == "role":
                existing = {
                    str(t["Key"]) for t in self.backend.get_role(self._get_param("RoleName")).tags
                }
            else:
                existing = {
                    str(t["Key"]) for t in self.backend.list_user_tags(self._get_param("UserName"))
                }
        except Exception:
            existing = set()  # CreateRole / CreateUser, or a missing entity (moto answers)
        if len(existing | new) > TAGS_MAX:
            raise AwsError(
                "LimitExceeded",
                f"The number of tags has reached the maximum limit of {TAGS_MAX} for {kind} "
                f"{self._get_param('RoleName' if kind == 'role' else 'UserName')}.",
            )

    return check


_RESERVED_PATH = "/aws-reserved/"
_SERVICE_LINKED_PATH = "/aws-service-role/"
_SERVICE_LINKED_MAY = frozenset(
    {"tag_role", "untag_role", "update_role", "update_role_description"}
)


def _protected(operation: str) -> Callable[[IamResponse], None]:
    # IAM lets a service-linked role's tags and description change, nothing else.
    tagging = operation in _SERVICE_LINKED_MAY

    def check(self: IamResponse) -> None:
        if _internal(self):
            return
        try:
            role = self.backend.get_role(str(self._get_param("RoleName")))
        except Exception:
            return
        path = str(role.path)
        reserved = path.startswith(_RESERVED_PATH)
        service_linked = path.startswith(_SERVICE_LINKED_PATH) and not tagging
        if reserved or service_linked:
            raise AwsError(
                "UnmodifiableEntity",
                f"Cannot perform the operation on the protected role '{role.name}' - this role "
                "is only modifiable by AWS",
            )

    return check


def _checked(operation: str, *checks: Callable[[IamResponse], None]) -> Patch:
    # Wrap `dormant_sim.iam`'s replacement where it has one, so both sets of checks run.
    earlier = [patch.replacement for patch in iam.PATCHES if patch.name == operation]
    original: Any = earlier[0] if earlier else getattr(IamResponse, operation)

    def checked(self: IamResponse) -> ActionResult:
        for check in checks:
            check(self)
        result: ActionResult = original(self)
        return result

    checked.__name__ = operation
    return Patch(IamResponse, operation, checked)


def reset() -> None:
    """IAM's rules keep no state of their own."""


# Installed after `dormant_sim.iam` (installer order): these replace the same methods.
PATCHES = (
    _checked("create_role", _trust_policy("AssumeRolePolicyDocument"), _tags_per_entity("role")),
    _checked(
        "update_assume_role_policy",
        _protected("update_assume_role_policy"),
        _trust_policy("PolicyDocument"),
    ),
    _checked("put_role_policy", _protected("put_role_policy"), _inline_policies_size),
    _checked("attach_role_policy", _protected("attach_role_policy"), _managed_policies_per_role),
    *(
        _checked(name, _protected(name))
        for name in (
            "detach_role_policy",
            "delete_role_policy",
            "delete_role",
            "put_role_permissions_boundary",
            "delete_role_permissions_boundary",
            "untag_role",
            "update_role",
            "update_role_description",
        )
    ),
    _checked("tag_role", _protected("tag_role"), _tags_per_entity("role")),
    _checked("create_user", _tags_per_entity("user")),
    _checked("tag_user", _tags_per_entity("user")),
    _checked("create_policy", _managed_policy_size),
    _checked("create_policy_version", _managed_policy_size),
)
