"""Where and how a command writes its report: format, --output file, progress, exit code.

Standard output receives a report only once it is whole (it is held until then), so a
malformed input found half-way leaves standard output empty. ``--output FILE`` is
written atomically when FILE is a regular file (or does not exist
yet): into a temporary file next to it, renamed over FILE only when the whole report is
written, so an error or Ctrl-C half-way (a bad role in a snapshot, a denied call) leaves
no half-written or empty file behind. A symbolic link is followed and its target
replaced that way; the link stays a link. Anything else (a character device such as
/dev/null, a FIFO, a socket) cannot be replaced without destroying it, so it is opened
and written directly. Progress bars go to stderr and only when stderr is a terminal, so
pipes and CI logs stay clean.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from dormant.core.errors import InvalidParameter
from dormant.core.model import AccountFailure
from dormant.report import FORMATS

__all__ = [
    "EXIT_ACCOUNTS_FAILED",
    "EXIT_CLEAN",
    "EXIT_NON_COMPLIANT",
    "Progress",
    "exit_code",
    "output_options",
    "output_stream",
    "print_failures",
    "resolve_format",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN = 0
EXIT_NON_COMPLIANT = 1
# 2 is every DormantError (usage, input, access), set by the command group.
EXIT_ACCOUNTS_FAILED = 3

_BY_SUFFIX = {
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}

EXIT_CODES_HELP = (
    "Exit codes: 0 nothing non-compliant; 1 non-compliant roles found; "
    "2 usage, input or AWS access error (nothing written to --output); "
    "3 some accounts could not be scanned (the others are reported); "
    "130 interrupted (--output left as it was); 141 standard output's reader went away."
)


def output_options(func: F) -> F:
    """--format and --output."""
    func = click.option(
        "--output",
        "-o",
        "output",
        metavar="FILE",
        default=None,
        help="Write the report to FILE instead of standard output: atomically for a regular "
        "file (a symlink's target is replaced), directly into a device or FIFO.",
    )(func)
    func = click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format. Default: from the --output suffix (.json .csv .tsv .md .html), "
        "else 'table' on a terminal and 'tsv' otherwise (name, compliance, annotation; "
        "the account id first when several accounts are listed).",
    )(func)
    return func


def resolve_format(fmt: str | None, output: str | None, stdout: TextIO | None = None) -> str:
    if fmt is not None:
        return fmt
    if output is not None:
        return _BY_SUFFIX.get(Path(output).suffix.lower(), "tsv")
    stream = stdout if stdout is not None else sys.stdout
    return "table" if stream.isatty() else "tsv"


# Standard output is held in memory up to this size, then in a temporary file.
_HELD_IN_MEMORY = 1 << 20


@contextlib.contextmanager
def output_stream(output: str | None) -> Iterator[TextIO]:
    """Standard output, held until the report is whole; a special file written directly;
    else an atomic replace."""
    if output is None or output == "-":
        with _held_stdout() as held:
            yield held
        return
    # A symlink's target is what gets replaced; renaming over the link would turn it
    # into a plain file and leave the file it points at stale.
    target = Path(os.path.realpath(output))
    try:
        mode: int | None = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _unwritable(output, exc) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InvalidParameter("--output", f"cannot write {output}: it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        with _special_file(output, target) as handle:
            yield handle
        return
    with _atomic_file(output, target) as handle:
        yield handle


@contextlib.contextmanager
def _held_stdout() -> Iterator[TextIO]:
    """Standard output gets the report only once it is whole.

    Snapshots are read as a stream (a 100,000-role file never sits in memory), so a
    truncated or malformed one is found only at its end: by then a streamed report would
    have reached the shell's ``> report.tsv`` or the next command. The report is held
    instead (in memory up to 1 MiB, then in a temporary file) and copied out once the
    command succeeds; on an error nothing reaches standard output.
    """
    held = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=_HELD_IN_MEMORY, mode="w+", encoding="utf-8", newline=""
    )
    with held:
        yield held  # type: ignore[misc]
        held.seek(0)
        while chunk := held.read(1 << 16):
            sys.stdout.write(chunk)
        sys.stdout.flush()


def _unwritable(output: str, exc: OSError) -> InvalidParameter:
    return InvalidParameter("--output", f"cannot write {output}: {exc.strerror or exc}")


@contextlib.contextmanager
def _special_file(output: str, target: Path) -> Iterator[TextIO]:
    """A device, FIFO or socket: replacing it would destroy it, so write into it.

    Opening a FIFO waits for a reader, as a shell redirection does.
    """
    try:
        handle = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        raise _unwritable(output, exc) from None
    with handle:
        yield handle


@contextlib.contextmanager
def _atomic_file(output: str, target: Path) -> Iterator[TextIO]:
    """A temporary file next to ``target``, renamed over it on success only."""
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as exc:
        raise _unwritable(output, exc) from None
    temp = Path(temp_name)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        # mkstemp makes the file private; a report gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class Progress:
    """A progress bar on stderr when stderr is a terminal; otherwise it does nothing."""

    def __init__(self, description: str, total: int | None = None, unit: str = "") -> None:
        self._enabled = sys.stderr.isatty()
        self._description = description
        self._total = total
        self._unit = unit
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
            if self._total is None:
                columns.append(TextColumn("{task.completed} " + self._unit))
            else:
                columns.append(MofNCompleteColumn())
            columns.append(TimeElapsedColumn())
            self._progress = RichProgress(*columns, console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task(self._description, total=self._total)
        return self

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)
            self._progress = None


def print_failures(failures: Sequence[AccountFailure]) -> None:
    for failure in failures:
        where = "" if failure.region is None else f" in {failure.region}"
        click.echo(
            f"dormant: account {failure.account_id}{where} failed: {failure.operation}: "
            f"{' '.join(failure.message.split())}",
            err=True,
        )


def exit_code(non_compliant: int, failures: Sequence[AccountFailure] = ()) -> int:
    """3 when accounts failed (an incomplete scan is the louder news), else 1 or 0."""
    if failures:
        return EXIT_ACCOUNTS_FAILED
    return EXIT_NON_COMPLIANT if non_compliant else EXIT_CLEAN
