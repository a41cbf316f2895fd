"""An in-memory Identity Center for assignments' remediation (``AssignmentWriter``).

Holds assignments, the principals the identity store knows and the permission sets the
instance has; answers as the boto3 adapter does (an assignment deleted that is not there:
ResourceNotFoundException), can be told to fail any call (``failures``), and records the
calls it was given. Standard library and dormant's pure core only.
"""

from __future__ import annotations

from collections.abc import Iterable

from dormant.assignments.model import Assignment, Principal
from dormant.testing.injection import Failures, aws_error

__all__ = ["InMemoryAssignmentWriter"]


def _key(assignment: Assignment) -> tuple[str, str, str, str, str]:
    p = assignment.principal
    return (
        assignment.instance_arn,
        assignment.account_id,
        assignment.permission_set_arn,
        p.principal_type.value,
        p.principal_id,
    )


class InMemoryAssignmentWriter:
    def __init__(
        self,
        assignments: Iterable[Assignment] = (),
        *,
        principals: Iterable[Principal] = (),
        permission_sets: Iterable[str] = (),
    ) -> None:
        self.assigned: dict[tuple[str, str, str, str, str], Assignment] = {
            _key(a): a for a in assignments
        }
        self.principals = {(p.principal_type.value, p.principal_id) for p in principals}
        self.permission_sets = set(permission_sets)
        self.failures = Failures()
        self.calls: list[tuple[str, str]] = []

    def _call(self, operation: str, subject: str) -> None:
        self.calls.append((operation, subject))
        failure = self.failures.take(operation, subject)
        if failure is not None:
            raise aws_error(f"sso:{operation}", failure.code, failure.message)

    def delete(self, assignment: Assignment) -> None:
        self._call("DeleteAccountAssignment", assignment.principal.principal_id)
        if self.assigned.pop(_key(assignment), None) is None:
            raise aws_error(
                "sso:DeleteAccountAssignment", "ResourceNotFoundException", "no such assignment"
            )

    def create(self, assignment: Assignment) -> None:
        self._call("CreateAccountAssignment", assignment.principal.principal_id)
        self.assigned[_key(assignment)] = assignment

    def is_assigned(self, assignment: Assignment) -> bool:
        return _key(assignment) in self.assigned

    def principal_exists(self, identity_store_id: str, principal: Principal) -> bool:
        return (principal.principal_type.value, principal.principal_id) in self.principals

    def permission_set_exists(self, instance_arn: str, permission_set_arn: str) -> bool:
        return permission_set_arn in self.permission_sets
