"""The join of resources to roles: items that name a role (or an instance profile) -> references.

Config's advanced queries and the live list/describe calls both come down to
``ReferencingItem``s: one resource, the field that names a role, the ARN (or, as ECS
allows, the bare name) it holds. ``join`` maps them onto the roles asked about in one pass:
by (account, role name), as IAM's role names are unique per account whatever their case or
path (a task definition may name ``arn:aws:iam::111111111111:role/app`` for the role at
``role/service/app``); an instance profile maps to the roles it holds, read from the roles
themselves (``Role.instance_profile_arns``). ``ItemFinder`` is the ``ReferenceFinder`` over
items a source fetched once. Pure: standard library only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock

from dormant.roles.model import NotCovered, Reference, Role, RoleReferences

__all__ = ["ItemFinder", "ReferencingItem", "SourceResult", "join", "role_key"]


@dataclass(frozen=True, slots=True)
class ReferencingItem:
    """One resource and one role (or instance profile) it names, as a source read it."""

    type: str
    arn: str
    name: str
    account_id: str
    region: str | None
    via: str
    target: str  # a role ARN, an instance profile ARN, or a bare role name
    state: str | None = None

    def reference(self, source: str) -> Reference:
        return Reference(
            self.type,
            self.arn,
            self.name,
            self.account_id,
            self.region,
            self.via,
            source,
            self.state,
        )


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one fetch of a source returned: its items, and what it could not look at.

    ``not_covered`` is keyed by account id (``""``: every account). ``accounts``, when
    given, are the only accounts the source looked at: a role of any other account has
    each of ``types`` not covered, for ``elsewhere``.
    """

    items: tuple[ReferencingItem, ...] = ()
    not_covered: Mapping[str, tuple[NotCovered, ...]] = field(default_factory=dict)
    accounts: frozenset[str] | None = None
    types: tuple[str, ...] = ()
    elsewhere: str = ""

    def uncovered_in(self, account_id: str) -> tuple[NotCovered, ...]:
        table = self.not_covered
        gaps = (*table.get("", ()), *table.get(account_id, ()))
        if self.accounts is not None and account_id not in self.accounts:
            gaps += tuple(NotCovered(t, None, self.elsewhere) for t in self.types)
        return gaps


def _split(arn_or_name: str, default_account: str) -> tuple[str, str, str]:
    """(kind, account, lower-case name) of a role or instance profile ARN, or a bare name."""
    if not arn_or_name.startswith("arn:"):
        return "role", default_account, arn_or_name.rsplit("/", 1)[-1].lower()
    parts = arn_or_name.split(":", 5)
    if len(parts) < 6:
        return "", "", ""
    kind, _, rest = parts[5].partition("/")
    return kind, parts[4], rest.rsplit("/", 1)[-1].lower()


def role_key(role: Role) -> tuple[str, str]:
    return role.account_id or _split(role.arn, "")[1], role.name.lower()


def join(
    items: Iterable[ReferencingItem], roles: Sequence[Role], *, source: str
) -> dict[str, list[Reference]]:
    """Each role's references among the items, keyed by the role's ARN; one pass each."""
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_profile: dict[tuple[str, str], list[str]] = defaultdict(list)
    for role in roles:
        by_key[role_key(role)].append(role.arn)
        for profile in role.instance_profile_arns:
            _, account, name = _split(profile, role.account_id)
            by_profile[account, name].append(role.arn)
    found: dict[str, list[Reference]] = {role.arn: [] for role in roles}
    seen: set[tuple[str, str, str]] = set()
    # Many resources name the same role: each target is resolved once.
    resolved: dict[tuple[str, str], tuple[str, ...]] = {}
    for item in items:
        targets = resolved.get((item.target, item.account_id))
        if targets is None:
            kind, account, name = _split(item.target, item.account_id)
            table = {"role": by_key, "instance-profile": by_profile}.get(kind, {})
            targets = tuple(table.get((account, name), ()))
            resolved[item.target, item.account_id] = targets
        for arn in targets:
            if (arn, item.arn, item.via) not in seen:
                seen.add((arn, item.arn, item.via))
                found[arn].append(item.reference(source))
    return found


class ItemFinder:
    """A ``ReferenceFinder`` over items fetched once, on the first question, by ``fetch``.

    Later questions (the remediation commands ask role by role) cost no call.
    """

    def __init__(self, source: str, fetch: Callable[[], SourceResult]) -> None:
        self.source = source
        self._fetch = fetch
        self._result: SourceResult | None = None
        self._lock = Lock()

    def result(self) -> SourceResult:
        with self._lock:
            if self._result is None:
                self._result = self._fetch()
            return self._result

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        result = self.result()
        found = join(result.items, roles, source=self.source)
        return {
            role.arn: RoleReferences(
                tuple(found[role.arn]),
                sources=(self.source,),
                not_covered=result.uncovered_in(role.account_id),
            )
            for role in roles
        }
