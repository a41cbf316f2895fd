"""Options and output every remediation command shares: --apply and --max-roles, --force,
the ROLE arguments and --from, and the per-role outcome lines with their summary.

Kind-agnostic: the commands of each kind build on these.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, TypeVar

import click

from dormant.core.errors import InvalidParameter
from dormant.remediation import (
    DEFAULT_MAX_ROLES,
    Outcome,
    Summary,
    Target,
    merge_targets,
)
from dormant.remediation.archive import ArchiveResult
from dormant.remediation.targets import (
    check_document_kind,
    parse_document,
    targets_from_document,
)

__all__ = [
    "consumer",
    "force_deleting_option",
    "force_option",
    "from_source",
    "print_nothing_to_do",
    "print_outcomes",
    "role_targets",
    "safety_options",
    "target_options",
]


F = TypeVar("F", bound=Callable[..., Any])


def safety_options(func: F) -> F:
    func = click.option(
        "--max-roles",
        type=click.IntRange(min=1),
        metavar="N",
        default=DEFAULT_MAX_ROLES,
        show_default=True,
        help="Refuse the whole run if it names more roles than this.",
    )(func)
    func = click.option(
        "--apply",
        is_flag=True,
        default=False,
        help="Make the changes. Without it, only print the plan (no write call is made).",
    )(func)
    return func


_FORCE_MANAGED = (
    "Also act on roles that CloudFormation, StackSets or Control Tower manage (refused by "
    "default: retire them there)"
)
_FORCE_REFERENCED = (
    ", and delete roles that something references (refused by default: delete or repoint "
    "those first)"
)


def force_option(func: F, *, deletes: bool = False) -> F:
    """--force; ``deletes``: the command deletes roles, so --force also lets it delete a
    referenced one (quarantine never refuses those: it is reversible)."""
    return click.option(
        "--force",
        is_flag=True,
        default=False,
        help=_FORCE_MANAGED
        + (_FORCE_REFERENCED if deletes else "")
        + ". Identity Center roles stay refused.",
    )(func)


def force_deleting_option(func: F) -> F:
    """--force for a command that deletes roles (``force_option`` with ``deletes``)."""
    return force_option(func, deletes=True)


def target_options(func: F) -> F:
    func = click.option(
        "--from",
        "from_file",
        type=click.File("r", encoding="utf-8"),
        default=None,
        metavar="FILE",
        help="Also act on the NON_COMPLIANT findings of a `dormant scan --format json` "
        "document ('-' reads standard input; a document of another kind is refused; of a "
        "report joined with AWS's findings, only those AWS and dormant agree on).",
    )(func)
    func = click.argument("roles", nargs=-1, metavar="[ROLE]...")(func)
    return func


def from_source(from_file: IO[str]) -> str:
    """How messages name a --from file."""
    return "standard input" if from_file.name == "<stdin>" else str(from_file.name)


def role_targets(
    roles: Sequence[str],
    from_file: IO[str] | None,
    *,
    kinds: Sequence[str] = ("scan",),
    also: Sequence[str] = (),
) -> list[Target]:
    """The ROLE arguments and the NON_COMPLIANT roles of --from, whose document must be of
    one of ``kinds``; ``also``: the other kinds the command takes (named when refusing)."""
    from_scan: list[Target] = []
    if from_file is not None:
        source = from_source(from_file)
        document = parse_document(from_file.read(), source=source)
        check_document_kind(
            document, source=source, accepted=kinds, consumer=consumer(), named=(*kinds, *also)
        )
        from_scan = targets_from_document(document, source=source)
    targets = merge_targets((Target(name) for name in roles), from_scan)
    if not roles and from_file is None:
        raise InvalidParameter("ROLE", "name at least one role, or give --from FILE")
    return targets


def consumer() -> str:
    context = click.get_current_context(silent=True)
    return "dormant" if context is None else context.command_path


def print_outcomes(
    outcomes: Iterable[Outcome], *, apply: bool, archives: Sequence[ArchiveResult] = ()
) -> None:
    """Each outcome and its calls, then (``--archive``) each finding's archive, then the
    summary; exit 1 when anything was refused or failed, an archive included."""
    if not apply:
        click.echo("dry run: nothing will be changed; add --apply to make these calls")
    seen: list[Outcome] = []
    for outcome in outcomes:
        click.echo(f"{outcome.status.value}: {outcome.message}")
        for step in outcome.steps:
            click.echo(f"  {step.describe()}")
        seen.append(outcome)
    for archived in archives:
        click.echo(archived.line())
    summary = Summary.of(seen)
    failed_archives = sum(1 for a in archives if a.failed)
    closed = sum(1 for a in archives if a.archived)
    extra = f"; archived {closed}, archive failed {failed_archives}" if archives else ""
    click.echo(f"summary: {summary.describe()}{extra}")
    if not summary.ok or failed_archives:
        sys.exit(1)


def print_nothing_to_do() -> None:
    click.echo("nothing to do: no role named and no NON_COMPLIANT finding in --from")
    click.echo(f"summary: {Summary.of(()).describe()}")
