"""Translate IAM's RoleDetail records into ``Role`` values, once, for every source.

The live adapter (boto3 gives datetimes and decoded policy documents) and the
offline snapshot reader (the AWS CLI's JSON gives ISO strings ending in ``Z`` or
``+00:00``) both come through ``role_from_detail``, so a role reads the same either
way. Standard library only.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from dormant.core.errors import RoleDataError
from dormant.core.time import parse_timestamp
from dormant.roles.model import Role

__all__ = ["policy_document", "role_from_detail"]

_REQUIRED = ("RoleName", "RoleId", "Arn", "Path", "CreateDate")


def policy_document(value: object) -> dict[str, Any]:
    """IAM's raw API URL-encodes policy documents; boto3 and the CLI decode them.

    Raises ValueError for anything that is not a JSON object."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        text = value if value.lstrip().startswith("{") else urllib.parse.unquote(value)
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return parsed
    raise ValueError("policy document is not a JSON object")


def role_from_detail(detail: Mapping[str, Any], *, where: str = "") -> Role:
    """One RoleDetail (as GetAccountAuthorizationDetails returns it) -> Role.

    ``where`` names the source for error messages (a file name, an account).
    Raises RoleDataError naming the role and the missing or bad field.
    """
    suffix = f" in {where}" if where else ""
    if not isinstance(detail, Mapping):
        raise RoleDataError(f"role entry{suffix} is not a JSON object: {detail!r:.80}")
    label = detail.get("RoleName") or detail.get("RoleId") or detail.get("Arn") or "<unnamed>"
    for key in _REQUIRED:
        value = detail.get(key)
        if value is None or value == "":
            raise RoleDataError(f"role {label}{suffix} has no {key}")
    try:
        created = parse_timestamp(detail["CreateDate"], what="CreateDate")
        last_used_info = detail.get("RoleLastUsed") or {}
        last_used_raw = last_used_info.get("LastUsedDate")
        last_used = (
            None
            if last_used_raw in (None, "")
            else parse_timestamp(last_used_raw, what="RoleLastUsed.LastUsedDate")
        )
        trust_raw = detail.get("AssumeRolePolicyDocument")
        trust = None if trust_raw in (None, "") else policy_document(trust_raw)
        inline = tuple(
            (str(p["PolicyName"]), policy_document(p["PolicyDocument"]))
            for p in detail.get("RolePolicyList") or ()
        )
        attached = tuple(str(p["PolicyArn"]) for p in detail.get("AttachedManagedPolicies") or ())
        tags = tuple((str(t["Key"]), str(t.get("Value", ""))) for t in detail.get("Tags") or ())
        boundary = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        profiles = tuple(
            str(p["Arn"]) for p in detail.get("InstanceProfileList") or () if p.get("Arn")
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RoleDataError(f"role {label}{suffix} has a bad value: {problem}") from None
    arn = str(detail["Arn"])
    arn_parts = arn.split(":")
    return Role(
        role_id=str(detail["RoleId"]),
        name=str(detail["RoleName"]),
        path=str(detail["Path"]),
        arn=arn,
        created=created,
        last_used=last_used,
        last_used_region=last_used_info.get("Region") or None,
        trust_policy=trust,
        inline_policies=inline,
        attached_policy_arns=attached,
        tags=tags,
        description=detail.get("Description"),
        permissions_boundary_arn=boundary,
        account_id=arn_parts[4] if len(arn_parts) > 4 else "",
        instance_profile_arns=profiles,
    )
