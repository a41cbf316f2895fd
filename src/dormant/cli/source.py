"""The command-line options that choose whose findings a command reports (`--source`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import click

from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter

__all__ = [
    "ACCESS_ANALYZER_ONLY",
    "finding_source_options",
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


# Security Hub shows no access key id and no per-service details for its unused-access
# findings, which the users' and permissions' joins need: those commands read Access Analyzer.
ACCESS_ANALYZER_ONLY = (FindingSource.DORMANT, FindingSource.ACCESS_ANALYZER)

# `dormant scan`'s.
source_options = finding_source_options(
    "role",
    "UnusedIAMRole",
    scope="Live: the current account, or with --org/--accounts the findings of the "
    "administrator's organization analyzer joined in each member account.",
)


def parse_finding_source(
    source: str,
    analyzer_arn: str | None,
    chosen: Sequence[str],
    *,
    allowed: Collection[str] = (),
) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (an offline input,
    --org, --accounts): AWS's findings are read live, so an option in `chosen` that is not in
    `allowed` is refused with any source but dormant's."""
    try:
        finding_source = FindingSource(source)
    except ValueError:
        choices = ", ".join(s.value for s in FindingSource)
        raise InvalidParameter("--source", f"{source!r} is not one of {choices}") from None
    refused = [option for option in chosen if option not in allowed]
    if finding_source is not FindingSource.DORMANT and refused:
        where = "AWS's findings are read live" + ("" if allowed else ", in one account")
        raise InvalidParameter(
            refused[0], f"cannot be combined with --source {finding_source.value} ({where})"
        )
    if analyzer_arn is not None and finding_source is not FindingSource.ACCESS_ANALYZER:
        raise InvalidParameter("--analyzer-arn", "needs --source access-analyzer")
    if analyzer_arn is not None and ":analyzer/" not in analyzer_arn:
        raise InvalidParameter("--analyzer-arn", f"{analyzer_arn!r} is not an analyzer's ARN")
    return finding_source
