"""A role as remediation sees it: the decision's ``Role`` plus what only recreation needs.

``RoleState`` is what a backup holds and what a restore recreates. ``differences`` is the
one comparison used both to verify a backup against the live role before a delete and to
check a restored role against its backup. Standard library only; never import boto3 here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dormant.roles.model import Role

__all__ = ["IDENTITY_FIELDS", "InstanceProfileRef", "RoleState", "differences"]

# Fields IAM assigns (or that usage changes) and that a recreated role cannot keep.
IDENTITY_FIELDS = ("role_id", "created", "last_used", "last_used_region")


@dataclass(frozen=True, slots=True)
class InstanceProfileRef:
    """An instance profile the role belongs to, by name and path (enough to recreate it)."""

    name: str
    path: str = "/"


@dataclass(frozen=True, slots=True)
class RoleState:
    """Everything needed to describe, back up and recreate one role."""

    role: Role
    max_session_duration: int = 3600
    instance_profiles: tuple[InstanceProfileRef, ...] = ()

    @property
    def name(self) -> str:
        return self.role.name

    def inline_policy(self, name: str) -> dict[str, Any] | None:
        for policy_name, document in self.role.inline_policies:
            if policy_name == name:
                return document
        return None

    def tag(self, key: str) -> str | None:
        for tag_key, value in self.role.tags:
            if tag_key == key:
                return value
        return None


def _sorted_pairs(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return sorted(pairs, key=lambda pair: pair[0])


def comparable(state: RoleState, *, ignore_identity: bool = False) -> dict[str, Any]:
    """The fields that must survive a backup or a round trip, in an order-free form.

    IAM lists policies, tags and profiles in no promised order, so they compare as sets.
    An empty description and no description are the same thing to IAM.
    """
    role = state.role
    view: dict[str, Any] = {
        "path": role.path,
        "name": role.name,
        "arn": role.arn,
        "account_id": role.account_id,
        "trust_policy": role.trust_policy,
        "description": role.description or None,
        "max_session_duration": state.max_session_duration,
        "permissions_boundary_arn": role.permissions_boundary_arn,
        "tags": _sorted_pairs(role.tags),
        "inline_policies": _sorted_pairs(role.inline_policies),
        "attached_policy_arns": sorted(role.attached_policy_arns),
        "instance_profiles": sorted((p.name, p.path) for p in state.instance_profiles),
    }
    if not ignore_identity:
        view["role_id"] = role.role_id
        view["created"] = role.created
        view["last_used"] = role.last_used
        view["last_used_region"] = role.last_used_region
    return view


def differences(a: RoleState, b: RoleState, *, ignore_identity: bool = False) -> list[str]:
    """Names of the fields where two states differ (empty when they are equal)."""
    left = comparable(a, ignore_identity=ignore_identity)
    right = comparable(b, ignore_identity=ignore_identity)
    return [key for key in left if left[key] != right[key]]
