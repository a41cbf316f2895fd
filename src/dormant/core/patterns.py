"""Allow-list patterns: UNIX filename patterns matched against Path+Name, case-sensitively.

Pure: standard library only.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

__all__ = ["matching_pattern"]


def matching_pattern(path_and_name: str, patterns: Iterable[str]) -> str | None:
    """The first allow-list pattern matching Path+RoleName (case-sensitive), or None."""
    for pattern in patterns:
        if fnmatch.fnmatchcase(path_and_name, pattern):
            return pattern
    return None
