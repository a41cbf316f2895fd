"""The ``iam`` source of references from a snapshot file, for ``dormant scan --snapshot``.

Kept apart from ``dormant.roles.references.iam`` because the Lambda's zip carries no snapshot
reader. Standard library only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dormant.core.errors import RoleDataError, SnapshotError
from dormant.roles.references.iam import IamReferenceIndex
from dormant.roles.snapshot import ROLE_LIST_KEY, iter_snapshot_details, open_snapshot

__all__ = ["snapshot_references"]


def snapshot_references(source: str | Path) -> IamReferenceIndex:
    """The ``iam`` source of a snapshot file (the JSON of ``aws iam
    get-account-authorization-details``): one streamed pass over it, before the one that
    reads the roles, so standard input cannot be used."""
    if str(source) == "-":
        raise SnapshotError("references from a snapshot need a file, not standard input")
    path = Path(source)
    index = IamReferenceIndex()

    def add(key: str, element: Any) -> None:
        try:
            index.add_page({key: [element]}, where=str(path))
        except RoleDataError as exc:
            raise SnapshotError(str(exc)) from None

    with open_snapshot(path) as handle:
        for detail in iter_snapshot_details(handle, str(path), others=add):
            add(ROLE_LIST_KEY, detail)
    return index
