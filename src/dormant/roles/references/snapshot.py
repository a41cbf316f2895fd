"""``dormant scan --snapshot`` with the ``iam`` source of references, in one pass over the file.

A snapshot (the JSON of ``aws iam get-account-authorization-details``) holds everything the
``iam`` source needs, so an offline scan looks at references as a live one does. One streamed
pass decides each role as it is read and fills the reference index on the way (users, groups
and customer managed policies, which may come after the roles, included). A role's references
are known only once the whole file is read, so the findings wait, slimmed to what a report
shows (the trust policy and inline documents, already decided on, are dropped): memory grows
with the number of roles, never with the size of their policies. Standard input works too.

Kept apart from ``dormant.roles.references.iam`` because the Lambda's zip carries no snapshot
reader. Standard library only.
"""

from __future__ import annotations

import gc
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from dormant.core.errors import RoleDataError, SnapshotError
from dormant.roles.model import Finding, Role, RoleReferences
from dormant.roles.records import role_from_detail
from dormant.roles.references import referenced_annotation
from dormant.roles.references.iam import SOURCE_IAM, IamReferenceIndex
from dormant.roles.snapshot import iter_snapshot_details, open_snapshot

__all__ = ["Decide", "referenced_snapshot"]


def _slim(finding: Finding) -> Finding:
    """The finding without the role's policy documents: the decision already read them, the
    reports never show them, and the references' join needs only the ARN and profiles."""
    role = finding.role
    if role.trust_policy is None and not role.inline_policies:
        return finding
    # The role was read by this pass and is held by its finding alone: its documents are
    # dropped in place (frozen for its readers), which costs a third of building a second
    # Role for each of 100,000 findings. A path, a Region and an account id repeat across
    # the roles: one string each, shared, rather than one per role read.
    put = object.__setattr__
    put(role, "trust_policy", None)
    put(role, "inline_policies", ())
    put(role, "path", sys.intern(role.path))
    region = role.last_used_region
    if region is not None:
        put(role, "last_used_region", sys.intern(region))
    put(role, "account_id", sys.intern(role.account_id))
    return finding


Decide = Callable[[Iterator[Role]], Iterator[Finding]]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the findings pile up and are handed over, on
    again after.

    The pass makes no reference cycles (parsed JSON, frozen dataclasses), so the collector
    finds nothing to free; but every one of its full runs walks every finding held so far,
    which cost a tenth of a 100,000-role scan's time, and its first run once back on walks
    every object made while it was off. Kept off until the last finding is handed over, it
    wakes to find them freed. Peak memory is the same either way (``benchmarks/offline.py``
    measures both).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _findings(stream: IO[str], name: str, decide: Decide) -> Iterator[Finding]:
    index = IamReferenceIndex()

    def add(key: str, element: Any) -> None:
        try:
            index.add_entry(key, element, where=name)
        except RoleDataError as exc:
            raise SnapshotError(str(exc)) from None

    def roles() -> Iterator[Role]:
        for detail in iter_snapshot_details(stream, name, others=add):
            try:
                role = role_from_detail(detail, where=name)
                # The role's trust and inline documents, parsed once, feed the index too.
                index.add_role(role, detail.get("InstanceProfileList"), where=name)
            except SnapshotError:
                raise
            except RoleDataError as exc:
                raise SnapshotError(str(exc)) from None
            yield role

    with _collector_paused():
        waiting = [_slim(finding) for finding in decide(roles())]
        # Handed over first to last, each let go as it goes: a finding is freed once its
        # reader is done with it, as in a scan without references, and the collector (back
        # on once the last is handed over) never walks the whole pile it was kept off.
        waiting.reverse()
        take = waiting.pop
        # Most roles have no reference: they share one answer, and their annotation stays.
        none = RoleReferences((), sources=(SOURCE_IAM,))
        references_of = index.references_of
        while waiting:
            finding = take()
            references = references_of(finding.role)
            if references:
                found = RoleReferences(references, sources=(SOURCE_IAM,))
                # What ``with_references`` makes, set in place: each finding of this pass
                # is seen by nobody else yet, and dataclasses.replace costs more than the
                # answer.
                object.__setattr__(finding, "annotation", referenced_annotation(finding, found))
            else:
                found = none
            object.__setattr__(finding, "references", found)
            yield finding


def referenced_snapshot(source: str | Path, decide: Decide) -> Iterator[Finding]:
    """Each role of the snapshot file (or standard input, ``-``), decided by ``decide``, with
    what the ``iam`` source says references it; one pass over the input."""
    if str(source) == "-":
        stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        yield from _findings(stdin, "<stdin>", decide)
        return
    path = Path(source)
    with open_snapshot(path) as handle:
        yield from _findings(handle, str(path), decide)
