"""Read roles from the JSON that ``aws iam get-account-authorization-details`` writes.

Auditors get such files without credentials to the account; large accounts write
hundreds of MB. The file is read as a stream: the top-level object is walked by
hand and each element of ``RoleDetailList`` is decoded on its own with the standard
library's C decoder, so memory holds one role at a time (plus a read buffer), not
the file. Other top-level arrays (users, groups, policies) are skipped the same way.

Errors name the file (and the role); nothing here touches the network.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from dormant.core.errors import RoleDataError, SnapshotError
from dormant.roles.model import Role
from dormant.roles.records import role_from_detail

__all__ = [
    "SnapshotSource",
    "iter_snapshot_details",
    "iter_snapshot_roles",
    "open_snapshot",
    "read_snapshot",
]

ROLE_LIST_KEY = "RoleDetailList"


_CHUNK_CHARS = 1 << 20


_MAX_VALUE_CHARS = 64 << 20  # one role larger than this is not a real IAM role


_WS = re.compile(r"[ \t\n\r]*")


_DECODER = json.JSONDecoder()


class _Cursor:
    """A growing window over a text stream, consumed left to right."""

    def __init__(self, stream: IO[str], name: str) -> None:
        self._stream = stream
        self.name = name
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self._stream.read(_CHUNK_CHARS)
        except UnicodeDecodeError as exc:
            raise SnapshotError(f"{self.name}: not UTF-8 text ({exc.reason})") from None
        if not chunk:
            self.eof = True
            return False
        if self.pos > len(self.buf) // 2:
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += chunk
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            end = _WS.match(self.buf, self.pos)
            self.pos = end.end() if end else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str, context: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise SnapshotError(
                f"{self.name}: not valid JSON: expected {char!r} {context}, found {shown}"
            )
        self.pos += 1

    def value(self) -> Any:
        """Decode one whole JSON value starting at the next non-blank character."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > _MAX_VALUE_CHARS:
                    raise SnapshotError(f"{self.name}: a value is larger than 64 MB") from None
                if self._fill():
                    continue
                raise SnapshotError(f"{self.name}: not valid JSON ({exc.msg})") from None
            # A number at the very end of the buffer may continue in the next chunk.
            at_edge = end == len(self.buf) and not self.eof
            if at_edge and isinstance(obj, int | float) and self._fill():
                continue
            self.pos = end
            return obj

    def array_items(self, context: str) -> Iterator[Any]:
        self.expect("[", context)
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            nxt = self.peek()
            self.pos += 1
            if nxt == "]":
                return
            if nxt != ",":
                shown = repr(nxt) if nxt else "the end of the file"
                raise SnapshotError(
                    f"{self.name}: not valid JSON: expected ',' or ']' in {context}, found {shown}"
                )


def iter_snapshot_details(
    stream: IO[str], name: str, *, others: Callable[[str, Any], None] | None = None
) -> Iterator[dict[str, Any]]:
    """The raw RoleDetail objects of a snapshot, one at a time; ``others`` is handed each
    element of the other top-level arrays (users, groups, policies) instead of skipping it."""
    cursor = _Cursor(stream, name)
    first = cursor.peek()
    if first == "":
        raise SnapshotError(
            f"{name}: the file is empty, expected the JSON of "
            "'aws iam get-account-authorization-details'"
        )
    if first != "{":
        raise SnapshotError(
            f"{name}: not a JSON object (expected the output of "
            "'aws iam get-account-authorization-details')"
        )
    cursor.pos += 1
    found_roles = False
    if cursor.peek() == "}":
        cursor.pos += 1
    else:
        while True:
            key = cursor.value()
            if not isinstance(key, str):
                raise SnapshotError(f"{name}: not valid JSON: expected a key, found {key!r}")
            cursor.expect(":", f"after key {key!r}")
            if key == ROLE_LIST_KEY:
                found_roles = True
                for index, detail in enumerate(cursor.array_items(ROLE_LIST_KEY)):
                    if not isinstance(detail, dict):
                        raise SnapshotError(
                            f"{name}: {ROLE_LIST_KEY}[{index}] is not a JSON object"
                        )
                    yield detail
            elif cursor.peek() == "[":
                for element in cursor.array_items(key):
                    if others is not None:
                        others(key, element)
            else:
                cursor.value()
            nxt = cursor.peek()
            cursor.pos += 1
            if nxt == "}":
                break
            if nxt != ",":
                shown = repr(nxt) if nxt else "the end of the file"
                raise SnapshotError(f"{name}: not valid JSON: expected ',' or '}}', found {shown}")
    if cursor.peek() != "":
        raise SnapshotError(f"{name}: not valid JSON: extra data after the top-level object")
    if not found_roles:
        raise SnapshotError(
            f"{name}: has no {ROLE_LIST_KEY} (expected the output of "
            "'aws iam get-account-authorization-details')"
        )


def iter_snapshot_roles(stream: IO[str], name: str) -> Iterator[Role]:
    """Roles of a snapshot stream; a bad role entry raises SnapshotError naming the role."""
    for detail in iter_snapshot_details(stream, name):
        try:
            yield role_from_detail(detail, where=name)
        except SnapshotError:
            raise
        except RoleDataError as exc:
            raise SnapshotError(str(exc)) from None


def open_snapshot(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SnapshotError(f"{path}: is a directory, expected a JSON file") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot be read ({exc.strerror})") from None


def read_snapshot(source: str | Path) -> Iterator[Role]:
    """Roles of a snapshot file, or of standard input when ``source`` is ``-``."""
    if str(source) == "-":
        stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        yield from iter_snapshot_roles(stdin, "<stdin>")
        return
    path = Path(source)
    with open_snapshot(path) as handle:
        yield from iter_snapshot_roles(handle, str(path))


class SnapshotSource:
    """A ``RoleSource`` over a snapshot file (or stdin, ``-``), read as a stream."""

    def __init__(self, path: str) -> None:
        self._path = path

    def roles(self) -> Iterator[Role]:
        return read_snapshot(self._path)
