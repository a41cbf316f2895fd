"""The command-line options that choose whose findings a command reports (`--source`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from dormant.core.aws_findings import FindingSource
from dormant.core.errors import InvalidParameter

__all__ = ["finding_source_options", "parse_finding_source", "source_options"]

F = TypeVar("F", bound=Callable[..., Any])


def finding_source_options(noun: str, finding_types: str) -> Callable[[F], F]:
    """--source and --analyzer-arn for a command about `noun`s (checked by
    `parse_finding_source`); `finding_types` are the ones it reads, as help names them."""

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
            type=click.Choice([s.value for s in FindingSource]),
            default=FindingSource.DORMANT.value,
            show_default=True,
            help=f"Whose findings: dormant's own decision on every {noun}, or IAM Access "
            f"Analyzer's ACTIVE {finding_types} findings, each decided again by dormant's "
            "rules (the report adds aws_finding, agrees, disagreement). One live account.",
        )(func)

    return decorate


# `dormant scan`'s.
source_options = finding_source_options("role", "UnusedIAMRole")


def parse_finding_source(
    source: str, analyzer_arn: str | None, chosen: Sequence[str]
) -> FindingSource:
    """--source and --analyzer-arn, checked against what else was chosen (an offline input,
    --org, --accounts): AWS's findings are read from one live account for now."""
    try:
        finding_source = FindingSource(source)
    except ValueError:
        choices = ", ".join(s.value for s in FindingSource)
        raise InvalidParameter("--source", f"{source!r} is not one of {choices}") from None
    if finding_source is not FindingSource.DORMANT and chosen:
        raise InvalidParameter(
            chosen[0], f"cannot be combined with --source {finding_source.value} (one live account)"
        )
    if analyzer_arn is not None and finding_source is not FindingSource.ACCESS_ANALYZER:
        raise InvalidParameter("--analyzer-arn", "needs --source access-analyzer")
    if analyzer_arn is not None and ":analyzer/" not in analyzer_arn:
        raise InvalidParameter("--analyzer-arn", f"{analyzer_arn!r} is not an analyzer's ARN")
    return finding_source
