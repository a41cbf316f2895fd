"""IAM Identity Center (sso-admin, identitystore) as strict as AWS where dormant depends on it.

moto's sso-admin stores permission sets and assignments but is lenient where it matters:

- CreateAccountAssignment and DeleteAccountAssignment take effect at once and answer
  SUCCEEDED. Here they answer IN_PROGRESS and take effect when a later
  DescribeAccountAssignment{Creation,Deletion}Status reports them done (the second describe
  of the request, or `settle()`): a caller that does not poll does not see its change.
  A creation for a principal the identity store does not hold ends FAILED with a reason.
- a created assignment does not provision the set to the account nor make its role there.
  Here the account is added to the set's provisioned accounts and gets the reserved role
  `/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<name>_<16 hex>` (once per pair).
- CreatePermissionSet takes any name. Here 1 to 32 of `[\\w+=,.@-]` (ValidationException).
- ListAccountsForProvisionedPermissionSet answers the caller's account only, unpaged. Here
  every provisioned account, paged by MaxResults (1..100) and NextToken.
- ListTagsForResource is missing. Here a permission set's tags.
- ListAccountAssignments and ListPermissionSets take any MaxResults. Here 1..100.
- a permission set's ARN is ``<instance ARN>/ps-<id>``. Here AWS's
  ``arn:aws:sso:::permissionSet/<instance id>/ps-<16 hex>``, which policies grant on.

`UnmodifiableEntity` on IAM's `/aws-reserved/` roles belongs to the IAM simulation.
State is process-global, as moto's backends are; `reset()` clears it. Test support over
moto's private classes; never imported by dormant's Lambda path. It must never weaken a
check that AWS makes.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import iam_backends
from moto.identitystore.models import identitystore_backends
from moto.ssoadmin.models import PermissionSet, SSOAdminBackend, ssoadmin_backends
from moto.ssoadmin.responses import SSOAdminResponse

from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, constraint_error, decode_token, encode_token, json_body

__all__ = ["PATCHES", "RESOURCES", "provision", "reserved_role_name", "reset", "settle"]

_NAME = re.compile(r"[\w+=,.@-]{1,32}")
_ACCOUNT = re.compile(r"\d{12}")
_PAGE_MAX = 100
_RESERVED_PATH = "/aws-reserved/sso.amazonaws.com/"
# Describes of a request that answer IN_PROGRESS before it is done.
_IN_PROGRESS_DESCRIBES = 1


@dataclass
class _Request:
    kind: str  # "creation" or "deletion"
    owner: tuple[str, str]  # the sso-admin backend: account, region
    params: dict[str, Any]
    request_id: str
    created: float
    describes: int = 0
    status: str = "IN_PROGRESS"
    failure: str | None = None


@dataclass
class _State:
    requests: dict[str, _Request] = field(default_factory=dict)
    provisioned: dict[str, set[str]] = field(default_factory=dict)  # set ARN -> accounts
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, set) -> role


_lock = threading.RLock()
_state = _State()


def reset() -> None:
    global _state
    with _lock:
        _state = _State()


def _backend(response: SSOAdminResponse) -> SSOAdminBackend:
    return ssoadmin_backends[response.current_account][response.region]


def reserved_role_name(account_id: str, permission_set_arn: str) -> str | None:
    """The reserved role the simulation made for the pair, or None."""
    with _lock:
        return _state.roles.get((account_id, permission_set_arn))


def _ensure_role(account_id: str, permission_set: Any) -> None:
    key = (account_id, permission_set.permission_set_arn)
    if key in _state.roles:
        return
    name = f"AWSReservedSSO_{permission_set.name}_{secrets.token_hex(8)}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": f"arn:aws:iam::{account_id}:saml-provider/AWSSSO_DO_NOT_DELETE"
                },
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            }
        ],
    }
    iam_backends[account_id]["aws"].create_role(
        name, json.dumps(trust), _RESERVED_PATH, None, "", [], None
    )
    _state.roles[key] = name


def provision(owner: tuple[str, str], permission_set_arn: str, account_id: str) -> None:
    """Provision the set to the account (ProvisionPermissionSet's effect): its role there."""
    backend = ssoadmin_backends[owner[0]][owner[1]]
    permission_set = next(
        p for p in backend.permission_sets if p.permission_set_arn == permission_set_arn
    )
    with _lock:
        _state.provisioned.setdefault(permission_set_arn, set()).add(account_id)
        _ensure_role(account_id, permission_set)


def _principal_exists(owner: tuple[str, str], instance_arn: str, kind: str, pid: str) -> bool:
    backend = ssoadmin_backends[owner[0]][owner[1]]
    instance = next((i for i in backend.instances if i.instance_arn == instance_arn), None)
    if instance is None:
        return False
    store = identitystore_backends[owner[0]][owner[1]]
    try:
        if kind == "USER":
            store.describe_user(instance.identity_store_id, pid)
        else:
            store.describe_group(instance.identity_store_id, pid)
    except Exception:  # moto's ResourceNotFoundException
        return False
    return True


def _complete(request: _Request) -> None:
    """Apply a request's effect, once, and set its final status."""
    backend = ssoadmin_backends[request.owner[0]][request.owner[1]]
    p = request.params
    args = (
        p["InstanceArn"],
        p["TargetId"],
        p["TargetType"],
        p["PermissionSetArn"],
        p["PrincipalType"],
        p["PrincipalId"],
    )
    exists = any(
        (
            a.instance_arn,
            a.target_id,
            a.target_type,
            a.permission_set_arn,
            a.principal_type,
            a.principal_id,
        )
        == args
        for a in backend.account_assignments
    )
    if request.kind == "deletion":
        if exists:
            backend.delete_account_assignment(*args)
        request.status = "SUCCEEDED"
        return
    if not _principal_exists(request.owner, p["InstanceArn"], p["PrincipalType"], p["PrincipalId"]):
        request.status = "FAILED"
        request.failure = (
            f"{p['PrincipalType']} {p['PrincipalId']} does not exist in the identity store"
        )
        return
    if not exists:
        backend.create_account_assignment(*args)
    provision(request.owner, p["PermissionSetArn"], p["TargetId"])
    request.status = "SUCCEEDED"


def settle() -> None:
    """Complete every request still in progress (what time does in AWS)."""
    with _lock:
        for request in _state.requests.values():
            if request.status == "IN_PROGRESS":
                _complete(request)


def _status(request: _Request) -> dict[str, Any]:
    p = request.params
    status: dict[str, Any] = {
        "Status": request.status,
        "RequestId": request.request_id,
        "TargetId": p["TargetId"],
        "TargetType": p["TargetType"],
        "PermissionSetArn": p["PermissionSetArn"],
        "PrincipalType": p["PrincipalType"],
        "PrincipalId": p["PrincipalId"],
        "CreatedDate": request.created,
    }
    if request.failure is not None:
        status["FailureReason"] = request.failure
    return status


_KEYS = {
    "creation": "AccountAssignmentCreationStatus",
    "deletion": "AccountAssignmentDeletionStatus",
}


def _assignment_request(self: SSOAdminResponse, kind: str) -> str:
    body = json_body(self)
    for member in ("InstanceArn", "TargetId", "TargetType", "PermissionSetArn", "PrincipalType"):
        if not isinstance(body.get(member), str):
            raise AwsError("ValidationException", f"{member} is required")
    if not _ACCOUNT.fullmatch(body["TargetId"]) or body["TargetType"] != "AWS_ACCOUNT":
        raise constraint_error("ValidationException", body["TargetId"], "targetId", r"\d{12}")
    if body["PrincipalType"] not in ("USER", "GROUP"):
        raise constraint_error(
            "ValidationException", body["PrincipalType"], "principalType", "[USER, GROUP]"
        )
    backend = _backend(self)
    backend._find_permission_set(body["InstanceArn"], body["PermissionSetArn"])  # or NotFound
    if kind == "deletion":
        backend._find_account(  # AWS refuses to delete what is not there
            body["InstanceArn"],
            body["TargetId"],
            body["TargetType"],
            body["PermissionSetArn"],
            body["PrincipalType"],
            body["PrincipalId"],
        )
    request = _Request(
        kind, (self.current_account, self.region), body, str(uuid.uuid4()), time.time()
    )
    with _lock:
        _state.requests[request.request_id] = request
        return json.dumps({_KEYS[kind]: _status(request)})


def _create_account_assignment(self: SSOAdminResponse) -> str:
    return _assignment_request(self, "creation")


def _delete_account_assignment(self: SSOAdminResponse) -> str:
    return _assignment_request(self, "deletion")


def _describe(self: SSOAdminResponse, kind: str) -> str:
    body = json_body(self)
    request_id = body.get(f"AccountAssignment{kind.capitalize()}RequestId")
    with _lock:
        request = _state.requests.get(str(request_id))
        if request is None or request.kind != kind or request.owner[0] != self.current_account:
            raise AwsError("ResourceNotFoundException", f"Request {request_id} does not exist")
        request.describes += 1
        if request.status == "IN_PROGRESS" and request.describes > _IN_PROGRESS_DESCRIBES:
            _complete(request)
        return json.dumps({_KEYS[kind]: _status(request)})


def _describe_creation(self: SSOAdminResponse) -> str:
    return _describe(self, "creation")


def _describe_deletion(self: SSOAdminResponse) -> str:
    return _describe(self, "deletion")


_ORIGINAL_CREATE_SET = SSOAdminResponse.create_permission_set


_ORIGINAL_LIST_ASSIGNMENTS = SSOAdminResponse.list_account_assignments


_ORIGINAL_LIST_SETS = SSOAdminResponse.list_permission_sets


def _check_max_results(self: SSOAdminResponse) -> None:
    limit = json_body(self).get("MaxResults")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= _PAGE_MAX):
        raise constraint_error("ValidationException", limit, "maxResults", "1..100")


def _list_account_assignments(self: SSOAdminResponse) -> str:
    _check_max_results(self)
    return _ORIGINAL_LIST_ASSIGNMENTS(self)


def _list_permission_sets(self: SSOAdminResponse) -> str:
    _check_max_results(self)
    return _ORIGINAL_LIST_SETS(self)


def _create_permission_set(self: SSOAdminResponse) -> str:
    name = json_body(self).get("Name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise constraint_error(
            "ValidationException",
            name,
            "name",
            r"Member must have length less than or equal to 32; Member must satisfy regular "
            r"expression pattern: [\w+=,.@-]+",
        )
    return _ORIGINAL_CREATE_SET(self)


def _page(self: SSOAdminResponse, kind: str, items: list[Any]) -> tuple[list[Any], str | None]:
    body = json_body(self)
    limit = body.get("MaxResults", _PAGE_MAX)
    if not isinstance(limit, int) or not 1 <= limit <= _PAGE_MAX:
        raise constraint_error("ValidationException", limit, "maxResults", "1..100")
    token = body.get("NextToken")
    start = 0 if token is None else decode_token(str(token), kind)
    if start is None:
        raise AwsError("ValidationException", "The NextToken is not valid")
    end = start + limit
    return items[start:end], (encode_token(kind, end) if end < len(items) else None)


def _list_accounts_for_provisioned_permission_set(self: SSOAdminResponse) -> str:
    body = json_body(self)
    backend = _backend(self)
    arn = str(body.get("PermissionSetArn"))
    backend._find_permission_set(str(body.get("InstanceArn")), arn)
    with _lock:
        accounts = set(_state.provisioned.get(arn, ()))
    for instance in backend.instances:
        if any(p.permission_set_arn == arn for p in instance.provisioned_permission_sets):
            accounts.add(backend.account_id)
    page, token = _page(self, "accounts", sorted(accounts))
    answer: dict[str, Any] = {"AccountIds": page}
    if token is not None:
        answer["NextToken"] = token
    return json.dumps(answer)


def _list_tags_for_resource(self: SSOAdminResponse) -> str:
    body = json_body(self)
    permission_set = _backend(self)._find_permission_set(
        str(body.get("InstanceArn")), str(body.get("ResourceArn"))
    )
    return json.dumps({"Tags": list(permission_set.tags or [])})


def _permission_set_arn(instance_arn: str) -> str:
    partition = instance_arn.split(":")[1]
    instance_id = instance_arn.rsplit("/", 1)[1]
    return f"arn:{partition}:sso:::permissionSet/{instance_id}/ps-{secrets.token_hex(8)}"


PATCHES = (
    Patch(PermissionSet, "generate_id", staticmethod(_permission_set_arn)),
    Patch(SSOAdminResponse, "create_account_assignment", _create_account_assignment),
    Patch(SSOAdminResponse, "delete_account_assignment", _delete_account_assignment),
    Patch(SSOAdminResponse, "describe_account_assignment_creation_status", _describe_creation),
    Patch(SSOAdminResponse, "describe_account_assignment_deletion_status", _describe_deletion),
    Patch(SSOAdminResponse, "create_permission_set", _create_permission_set),
    Patch(
        SSOAdminResponse,
        "list_accounts_for_provisioned_permission_set",
        _list_accounts_for_provisioned_permission_set,
    ),
    Patch(SSOAdminResponse, "list_tags_for_resource", _list_tags_for_resource),
    Patch(SSOAdminResponse, "list_account_assignments", _list_account_assignments),
    Patch(SSOAdminResponse, "list_permission_sets", _list_permission_sets),
)


def _param(name: str) -> Any:
    return lambda _account, _caller, params, _region: str(params(name))


def _identity_store(account: str, _caller: Any, params: Any, _region: str) -> str:
    return f"arn:aws:identitystore::{account}:identitystore/{params('IdentityStoreId')}"


# What IAM authorizes each call against (`dormant_sim.request_context.RESOURCES`): the
# permission set for the calls on one, the instance for the others, the identity store.
RESOURCES: dict[str, Any] = {
    "sso:listinstances": "*",
    "sso:listpermissionsets": _param("InstanceArn"),
    "sso:describepermissionset": _param("PermissionSetArn"),
    "sso:listtagsforresource": _param("ResourceArn"),
    "sso:listaccountsforprovisionedpermissionset": _param("PermissionSetArn"),
    "sso:listaccountassignments": _param("PermissionSetArn"),
    "sso:createaccountassignment": _param("PermissionSetArn"),
    "sso:deleteaccountassignment": _param("PermissionSetArn"),
    "sso:describeaccountassignmentcreationstatus": _param("InstanceArn"),
    "sso:describeaccountassignmentdeletionstatus": _param("InstanceArn"),
    "identitystore:describeuser": _identity_store,
    "identitystore:describegroup": _identity_store,
    "identitystore:listgroupmemberships": _identity_store,
}
