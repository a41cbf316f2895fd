"""An in-memory ``ReferenceFinder``: say what references which role, and count the questions.

``InMemoryReferenceFinder({role_arn: [Reference, ...]}, not_covered=[...])`` answers like
the real sources: every role asked about gets an answer (no reference: an empty one), with
``sources`` and ``not_covered``; ``asked`` records each question's role ARNs, so a test can
check that a batch was asked once and never role by role. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dormant.roles.model import NotCovered, Reference, Role, RoleReferences

__all__ = ["InMemoryReferenceFinder"]


class InMemoryReferenceFinder:
    def __init__(
        self,
        references: Mapping[str, Iterable[Reference]] | None = None,
        *,
        source: str = "iam",
        not_covered: Sequence[NotCovered] = (),
    ) -> None:
        self._references = {arn: tuple(found) for arn, found in (references or {}).items()}
        self._source = source
        self._not_covered = tuple(not_covered)
        self.asked: list[tuple[str, ...]] = []

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        self.asked.append(tuple(role.arn for role in roles))
        return {
            role.arn: RoleReferences(
                self._references.get(role.arn, ()), (self._source,), self._not_covered
            )
            for role in roles
        }
