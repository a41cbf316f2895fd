"""The command-line options that choose whose findings a command reports (`--source`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from dormant.core.aws_findings import FindingSource, parse_finding_source

__all__ = [
    "finding_source_options",
    "live_source_options",
    "parse_finding_source",
    "source_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def finding_source_options(
    noun: str,
    finding_types: str,
    *,
    sources: Sequence[FindingSource] = tuple(FindingSource),
    scope: str = "One live account.",
) -> Callable[[F], F]:
    """--source and --analyzer-arn for a command about `noun`s (checked by
    `parse_finding_source`); `finding_types` are the ones it reads, as help names them, and
    `sources` the sources it offers."""
    readers = {
        FindingSource.ACCESS_ANALYZER: "IAM Access Analyzer (ACTIVE)",
        FindingSource.SECURITYHUB: "Security Hub (GetFindingsV2, open)",
    }
    offered = " or ".join(readers[s] for s in sources if s in readers)

    def decorate(func: F) -> F:
        func = click.option(
            "--analyzer-arn",
            default=None,
            metavar="ARN",
            help="With --source access-analyzer: the unused-access analyzer to read "
            "(default: the first active one of the account).",
        )(func)
        return click.option(
            "--source",
            type=click.Choice([s.value for s in sources]),
            default=FindingSource.DORMANT.value,
            show_default=True,
            help=f"Whose findings: dormant's own decision on every {noun}, or the "
            f"{finding_types} findings of {offered}, each decided again by dormant's rules "
            f"(the report adds aws_finding, agrees, disagreement). {scope}",
        )(func)

    return decorate


# `dormant retire`'s and `dormant delete`'s: the findings about the account's own roles.
live_source_options = finding_source_options("role", "UnusedIAMRole")

# `dormant scan`'s.
source_options = finding_source_options(
    "role",
    "UnusedIAMRole",
    scope="Live: the current account, or with --org/--accounts the findings of the "
    "administrator's organization analyzer joined in each member account.",
)
