"""The seam between remediation and AWS: what remediation needs from IAM, nothing more.

``dormant.aws.mutator.IamRoleMutator`` is the boto3 implementation. Failures surface as
``DormantError`` (``AwsAccessError`` naming the call), which remediation records per role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dormant.remediation.plan import Step
from dormant.remediation.state import RoleState

__all__ = ["Caller", "RoleMutator", "StepExecutor"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who the credentials act as (sts:GetCallerIdentity)."""

    account_id: str
    arn: str


class RoleMutator(Protocol):
    def caller(self) -> Caller:
        """The identity the calls are made as."""
        ...

    def describe_role(self, name: str) -> RoleState | None:
        """The role's full current state, or None if no role has that name."""
        ...

    def instance_profile_exists(self, name: str) -> bool: ...

    def execute(self, step: Step) -> None:
        """Make one write call exactly as planned."""
        ...


class StepExecutor(Protocol):
    """What making a plan's calls needs of a mutator, a role's or a user's."""

    def execute(self, step: Step) -> None: ...
