"""The command-line options that choose whose findings a command reports (`--source`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from dormant.core.aws_findings import FindingSource

__all__ = ["source_options"]

F = TypeVar("F", bound=Callable[..., Any])


def source_options(func: F) -> F:
    """--source and --analyzer-arn (`dormant scan`; checked by the kind's `parse_source`)."""
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
        help="Whose findings: dormant's own decision on every role, or the UnusedIAMRole "
        "findings of IAM Access Analyzer (ACTIVE) or Security Hub (GetFindingsV2, open), each "
        "decided again by dormant's rules (the report adds aws_finding, agrees, "
        "disagreement). Live: the current account, or with --org/--accounts the findings of "
        "the administrator's organization analyzer joined in each member account.",
    )(func)
