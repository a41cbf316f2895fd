"""IAM as strict as AWS where dormant depends on it.

- GetAccountAuthorizationDetails pages like AWS (`MaxItems` 1..1000, default 100, opaque
  `Marker`, `IsTruncated`); moto ignores both. Pages of plain roles are written directly,
  since moto's generic serializer needs seconds per 1,000 roles (`set_fast_gaad`).
- ListRoles rejects `MaxItems` over 1000 (moto accepts any).
- A role used through assumed-role credentials gets a `RoleLastUsed.Region`, as in AWS.
- Its managed policies carry `PolicyName` and `PolicyId`, which moto leaves out.
- CreateRole, TagRole, CreateUser and TagUser refuse tag keys that begin with `aws:` (in any
  case) with InvalidInput, as IAM does: only AWS writes those (CloudFormation's
  `aws:cloudformation:*`). Seeds that need such tags write moto's backend directly
  (`dormant_sim.seed.roles.set_aws_written_tags`), as AWS itself does.

Test support over moto's private classes (`IamResponse`, `iam.models`); never imported by
dormant's Lambda path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote as url_quote
from xml.sax.saxutils import escape as xml_escape

from moto.core.responses import ActionResult
from moto.iam import models as iam_models
from moto.iam.responses import IamResponse

from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, constraint_error, decode_token, encode_token

__all__ = ["PATCHES", "reset", "set_fast_gaad"]

_GAAD_DEFAULT_MAX_ITEMS = 100
_GAAD_MAX_ITEMS = 1000


def _max_items(self: IamResponse) -> int:
    """IAM's MaxItems for list operations: 1..1000, 100 when absent."""
    raw_max_items = self._get_param("MaxItems")
    max_items = _GAAD_DEFAULT_MAX_ITEMS if raw_max_items is None else int(raw_max_items)
    if max_items < 1:
        raise constraint_error(
            "ValidationError",
            max_items,
            "maxItems",
            "Member must have value greater than or equal to 1",
        )
    if max_items > _GAAD_MAX_ITEMS:
        raise constraint_error(
            "ValidationError",
            max_items,
            "maxItems",
            f"Member must have value less than or equal to {_GAAD_MAX_ITEMS}",
        )
    return max_items


def _get_account_authorization_details(self: IamResponse) -> ActionResult | str:
    filter_param = self._get_param("Filter", [])
    marker = self._get_param("Marker")
    max_items = _max_items(self)
    details = self.backend.get_account_authorization_details(filter_param)
    sections = (
        ("UserDetailList", details["users"]),
        ("GroupDetailList", details["groups"]),
        ("RoleDetailList", details["roles"]),
        ("Policies", details["managed_policies"]),
    )
    items: list[tuple[str, Any]] = [(key, item) for key, values in sections for item in values]
    start = 0
    if marker is not None:
        decoded = decode_token(str(marker), "gaad")
        if decoded is None or decoded > len(items):
            raise AwsError("ValidationError", "Invalid Marker.")
        start = decoded
    end = start + max_items
    result: dict[str, Any] = {key: [] for key, _ in sections}
    for key, item in items[start:end]:
        result[key].append(item)
    result["IsTruncated"] = end < len(items)
    if end < len(items):
        result["Marker"] = encode_token("gaad", end)
    if _fast_gaad and _only_plain_roles(self.backend, result):
        return _RawXml(_gaad_roles_xml(result["RoleDetailList"], end < len(items), end))
    return ActionResult(result)


# moto's generic, model-driven serializer takes seconds for a page of 1,000 roles, which would
# make benchmarks measure the simulator instead of the code under test. Pages of roles outside
# instance profiles (the bulk of any account) are written directly; tests compare both paths.
_fast_gaad = True


def set_fast_gaad(enabled: bool) -> None:
    """Turn the direct XML writer for GAAD role pages on or off (on by default)."""
    global _fast_gaad
    _fast_gaad = enabled


class _RawXml(str):
    """An already serialized IAM response body."""


def _only_plain_roles(backend: Any, result: Mapping[str, Any]) -> bool:
    if result["UserDetailList"] or result["GroupDetailList"] or result["Policies"]:
        return False
    in_profiles = {id(r) for p in backend.instance_profiles.values() for r in p.roles}
    return not any(id(role) in in_profiles for role in result["RoleDetailList"])


def _xml_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{xml_escape(str(value))}</{tag}>"


def _role_detail_xml(role: Any) -> str:
    parts = [
        "<member>",
        _el("Path", role.path),
        _el("RoleName", role.name),
        _el("RoleId", role.id),
        _el("Arn", role.arn),
        _el("CreateDate", _xml_time(role.create_date)),
        _el("AssumeRolePolicyDocument", url_quote(role.assume_role_policy_document)),
        "<InstanceProfileList/>",
    ]
    if role.policies:
        parts.append("<RolePolicyList>")
        for name, document in role.policies.items():
            parts.append(
                f"<member>{_el('PolicyName', name)}"
                f"{_el('PolicyDocument', url_quote(document))}</member>"
            )
        parts.append("</RolePolicyList>")
    else:
        parts.append("<RolePolicyList/>")
    if role.managed_policies:
        parts.append("<AttachedManagedPolicies>")
        for policy in role.managed_policies.values():
            parts.append(
                f"<member>{_el('PolicyName', policy.name)}{_el('PolicyArn', policy.arn)}</member>"
            )
        parts.append("</AttachedManagedPolicies>")
    else:
        parts.append("<AttachedManagedPolicies/>")
    if role.permissions_boundary_arn:
        boundary = _el("PermissionsBoundaryArn", role.permissions_boundary_arn)
        parts.append(
            "<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy"
            f"</PermissionsBoundaryType>{boundary}</PermissionsBoundary>"
        )
    if role.tags:
        parts.append("<Tags>")
        for tag in role.tags:
            parts.append(f"<member>{_el('Key', tag['Key'])}{_el('Value', tag['Value'])}</member>")
        parts.append("</Tags>")
    else:
        parts.append("<Tags/>")
    if role.last_used is not None:
        region = _el("Region", role.last_used_region) if role.last_used_region else ""
        parts.append(
            f"<RoleLastUsed>{_el('LastUsedDate', _xml_time(role.last_used))}{region}</RoleLastUsed>"
        )
    else:
        parts.append("<RoleLastUsed/>")
    parts.append("</member>")
    return "".join(parts)


def _gaad_roles_xml(roles: list[Any], truncated: bool, next_offset: int) -> str:
    body = "".join(_role_detail_xml(role) for role in roles)
    role_list = f"<RoleDetailList>{body}</RoleDetailList>" if roles else "<RoleDetailList/>"
    marker = _el("Marker", encode_token("gaad", next_offset)) if truncated else ""
    return (
        '<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<GetAccountAuthorizationDetailsResult><UserDetailList/><GroupDetailList/>"
        f"{role_list}<Policies/><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        f"{marker}</GetAccountAuthorizationDetailsResult>"
        f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata>"
        "</GetAccountAuthorizationDetailsResponse>"
    )


_original_list_roles = IamResponse.list_roles


def _list_roles(self: IamResponse) -> ActionResult:
    _max_items(self)  # moto pages ListRoles itself but accepts any MaxItems
    return _original_list_roles(self)


_original_mark_account_as_visited = iam_models.mark_account_as_visited


def _mark_account_as_visited(account_id: str, access_key: str, service: str, region: str) -> None:
    _original_mark_account_as_visited(
        account_id=account_id, access_key=access_key, service=service, region=region
    )
    # moto stamps LastUsedDate on the assumed role but leaves Region empty; AWS records both.
    try:
        backend = iam_models.iam_backends[account_id]["aws"]
        key = backend.access_keys.get(access_key)
        if key is not None and key.role_arn:
            backend.get_role_by_arn(key.role_arn).last_used_region = region  # type: ignore[assignment]
    except Exception:  # unknown keys and missing roles are normal here
        return


_RESERVED_TAG_PREFIX = "aws:"


def _refuse_reserved_tag_keys(self: IamResponse) -> None:
    """IAM refuses tag keys that begin with aws: (any case): AWS alone writes those."""
    for tag in self._get_param("Tags", []) or []:
        key = str(tag.get("Key", "")) if isinstance(tag, Mapping) else ""
        if key[: len(_RESERVED_TAG_PREFIX)].lower() == _RESERVED_TAG_PREFIX:
            raise AwsError(
                "InvalidInput",
                f"Invalid tag key {key}: tag keys that begin with aws: are reserved for AWS use.",
            )


def _refusing_reserved_tags(original: Any) -> Any:
    def operation(self: IamResponse) -> ActionResult:
        _refuse_reserved_tag_keys(self)
        result: ActionResult = original(self)
        return result

    operation.__name__ = original.__name__
    return operation


def reset() -> None:
    """IAM keeps no state of its own beyond moto's backends."""


# GetAccountAuthorizationDetails' ManagedPolicyDetail carries PolicyName and PolicyId, which
# moto's serializer looks for under these names and its policies lack.
PATCHES = (
    Patch(IamResponse, "get_account_authorization_details", _get_account_authorization_details),
    Patch(iam_models.Policy, "policy_name", property(lambda self: self.name)),
    Patch(iam_models.Policy, "policy_id", property(lambda self: self.id)),
    Patch(IamResponse, "list_roles", _list_roles),
    Patch(iam_models, "mark_account_as_visited", _mark_account_as_visited),
    *(
        Patch(IamResponse, name, _refusing_reserved_tags(getattr(IamResponse, name)))
        for name in ("create_role", "tag_role", "create_user", "tag_user")
    ),
)
