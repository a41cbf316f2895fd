"""``--references``, ``--aggregator`` and ``--regions``: which sources say what references a role.

Shared by ``dormant scan`` (default ``iam``), ``delete`` and ``retire`` (``iam`` always;
``config`` or ``live`` when asked). ``config`` and ``live`` include ``iam``. The values are
parsed here once into ``ReferenceOptions``; the adapters that act on them are the kind's.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from dormant.core.errors import InvalidParameter

__all__ = ["ReferenceChoice", "ReferenceOptions", "parse_reference_options", "reference_options"]

F = TypeVar("F", bound=Callable[..., Any])

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class ReferenceChoice(enum.StrEnum):
    NONE = "none"
    IAM = "iam"
    CONFIG = "config"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class ReferenceOptions:
    """The sources asked (``iam`` first), the aggregator and the Regions (None: every enabled)."""

    choice: ReferenceChoice
    aggregator: str | None = None
    regions: tuple[str, ...] | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        if self.choice is ReferenceChoice.NONE:
            return ()
        if self.choice is ReferenceChoice.IAM:
            return ("iam",)
        return ("iam", str(self.choice))


def reference_options(
    default: str | None = "iam",
    *,
    choices: tuple[str, ...] | None = None,
    shown_default: str | None = None,
) -> Callable[[F], F]:
    """The three options; ``default`` is the command's --references (None: the command
    decides, and ``shown_default`` says what in --help)."""
    allowed = choices or tuple(c.value for c in ReferenceChoice)

    def decorate(func: F) -> F:
        func = click.option(
            "--regions",
            metavar="R1,R2",
            default=None,
            help="Regions read by --references config (without --aggregator) or live; "
            "default: every Region the account has enabled.",
        )(func)
        func = click.option(
            "--aggregator",
            metavar="NAME",
            default=None,
            help="With --references config: query this AWS Config aggregator "
            "(SelectAggregateResourceConfig), which covers every account it aggregates.",
        )(func)
        meanings = {
            "iam": "iam (instance profiles, trust policies, iam:PassRole grants; no extra call)",
            "config": "config (also AWS Config's advanced queries)",
            "live": "live (also each service's list and describe calls)",
            "none": "none",
        }
        named = [meanings[c] for c in allowed]
        listed = ", ".join(named[:-1]) + (", or " if len(named) > 2 else " or ") + named[-1]
        # click shows a text default in parentheses: say it in the help instead.
        shown = f" Default: {shown_default}." if shown_default else ""
        return click.option(
            "--references",
            "references",
            type=click.Choice(allowed),
            default=default,
            show_default=not shown_default,
            help="What to look at for the resources and policies that reference each role: "
            f"{listed}.{shown}",
        )(func)

    return decorate


def parse_reference_options(
    references: str, aggregator: str | None, regions: str | None
) -> ReferenceOptions:
    choice = ReferenceChoice(references)
    if aggregator is not None and choice is not ReferenceChoice.CONFIG:
        raise InvalidParameter("--aggregator", "needs --references config")
    if aggregator is not None and not aggregator.strip():
        raise InvalidParameter("--aggregator", "expected an aggregator's name")
    parsed: tuple[str, ...] | None = None
    if regions is not None:
        if choice not in (ReferenceChoice.CONFIG, ReferenceChoice.LIVE):
            raise InvalidParameter("--regions", "needs --references config or live")
        parsed = tuple(r.strip() for r in regions.split(",") if r.strip())
        bad = [r for r in parsed if not _REGION.fullmatch(r)]
        if not parsed or bad:
            raise InvalidParameter(
                "--regions", f"expected Regions such as us-east-1, got {regions!r}"
            )
    return ReferenceOptions(choice, aggregator.strip() if aggregator else None, parsed)
