"""The seams between remediation and AWS that every kind shares: who is calling, and what
executes a planned call. Each kind's mutator (``dormant.roles.remediate.interface.RoleMutator``
for roles) adds its reads on top. Failures surface as ``DormantError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dormant.remediation.steps import Step

__all__ = ["Caller", "StepExecutor"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who the credentials act as (sts:GetCallerIdentity)."""

    account_id: str
    arn: str


class StepExecutor(Protocol):
    """What making a plan's calls needs of a mutator, a role's or a user's."""

    def execute(self, step: Step) -> None: ...
