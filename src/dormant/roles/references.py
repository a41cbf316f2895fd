"""What references a role: the values every source of references fills, and the seam they fill.

A role unused for 60 days may still be the execution role of a Lambda function that runs
once a quarter; delete it and that function breaks. A ``ReferenceFinder`` answers, for many
roles at once, which resources and policies name each role, and which places it could not
look at (``not_covered``), so that "none found" can be told from "not looked". Remediation
asks it before a delete. Pure values and a protocol: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dormant.roles.model import Role

__all__ = [
    "NotCovered",
    "Reference",
    "ReferenceFinder",
    "RoleReferences",
]


@dataclass(frozen=True, slots=True)
class Reference:
    """One resource or policy that names a role.

    ``via`` is the field or relationship that names it (``configuration.role``,
    ``instance-profile``, ``trust-policy``, ``iam:PassRole``); ``source`` is where it was
    found (``iam``, ``config`` or ``live``); ``state`` is what the resource's state adds, for
    example an instance's ``stopped``, or None.
    """

    type: str
    arn: str
    name: str
    account_id: str
    region: str | None
    via: str
    source: str
    state: str | None = None


@dataclass(frozen=True, slots=True)
class NotCovered:
    """A resource type (in a Region, or None for a global one) that was not looked at."""

    type: str
    region: str | None
    why: str


@dataclass(frozen=True, slots=True)
class RoleReferences:
    """Everything the sources found for one role, and what they could not look at."""

    references: tuple[Reference, ...] = ()
    sources: tuple[str, ...] = ()
    not_covered: tuple[NotCovered, ...] = field(default=())


class ReferenceFinder(Protocol):
    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        """Each role's references, keyed by the role's ARN; never one call per role."""
        ...
