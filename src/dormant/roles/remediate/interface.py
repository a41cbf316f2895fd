"""The seam between remediation and AWS: what remediation needs from IAM, nothing more.

``dormant.roles.aws_mutator.IamRoleMutator`` is the boto3 implementation. Failures surface as
``DormantError`` (``AwsAccessError`` naming the call), which remediation records per role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from dormant.remediation.interface import Caller
from dormant.remediation.steps import Step
from dormant.roles.remediate.state import RoleState

__all__ = ["RoleMutator"]


class RoleMutator(Protocol):
    def caller(self) -> Caller:
        """The identity the calls are made as."""
        ...

    def describe_role(self, name: str) -> RoleState | None:
        """The role's full current state, or None if no role has that name."""
        ...

    def instance_profile_exists(self, name: str) -> bool: ...

    def trust_policies(self) -> Iterable[tuple[str, Mapping[str, Any]]]:
        """(role name, trust policy) of every role of the account (GAAD, paged)."""
        ...

    def execute(self, step: Step) -> None:
        """Make one write call exactly as planned."""
        ...
