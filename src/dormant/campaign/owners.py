"""Telling each owner, then making that owner's changes: the loop every kind's campaign runs.

`by_owner` groups a run's changing items by owner (the item's owner tag, else the default
owner); an item with neither stops the run with one line naming it, before anyone is told or
anything changes. `tell_then_change` walks the owners in order. With a time budget, an owner
whose turn comes under the budget's margin is kept whole for the next run, and said to be.
Otherwise the owner is told (when the caller gives a ``tell``), and that owner's changes are
made only when the notice was delivered: a failed delivery fails that owner's steps for this
run (nothing changes without a delivered notice) and the other owners go on. A dry run
(``apply`` off) sends nothing, so its undelivered notices stop nothing.

What a kind's items are, how an owner is told and how a change is made belong to the
callers (``dormant.campaign.run`` for roles and users, ``dormant.campaign.assignments``);
this module never sends or changes anything itself: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

from dormant.core.errors import InvalidParameter
from dormant.remediation.budget import Budget
from dormant.remediation.notice import LifecycleStep

__all__ = ["by_owner", "tell_then_change"]


class Planned(Protocol):
    """A kind's planned step for one resource (a frozen dataclass)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def owner(self) -> str | None: ...

    @property
    def step(self) -> LifecycleStep: ...

    @property
    def reason(self) -> str: ...


class Settled(Protocol):
    """A kind's result for one planned step."""

    @property
    def retirement(self) -> object: ...


class Told(Protocol):
    """One owner's notice of this run."""

    @property
    def delivered(self) -> bool: ...

    @property
    def error(self) -> str | None: ...


ItemT = TypeVar("ItemT", bound=Planned)
ResultT = TypeVar("ResultT", bound=Settled)
NoticeT = TypeVar("NoticeT", bound=Told)


def by_owner(
    items: Iterable[ItemT], default_owner: str | None, describe: Callable[[ItemT], str]
) -> dict[str, list[ItemT]]:
    """The items by owner; ``describe`` names an item (``role app``) in the error."""
    groups: dict[str, list[ItemT]] = {}
    for item in items:
        owner = item.owner or default_owner
        if owner is None:
            raise InvalidParameter(
                "--default-owner",
                f"{describe(item)} has no owner tag, so nobody would be told; "
                "give --default-owner TEAM (nothing was changed)",
            )
        groups.setdefault(owner, []).append(item)
    return groups


def _out_of_time(item: ItemT, budget: Budget) -> ItemT:
    """The item kept for the next run: its owner's turn came under the budget's margin."""
    return replace(
        item,
        step=LifecycleStep.KEEP,
        reason=f"due to {item.step} ({item.reason}), not started: {budget.describe_left()} "
        f"left in this run, under its margin of {budget.margin_ms // 1000} s; the next run "
        "takes it",
    )


def tell_then_change(
    plan: Sequence[ItemT],
    groups: Mapping[str, Sequence[ItemT]],
    *,
    apply: bool,
    budget: Budget | None,
    tell: Callable[[str, Sequence[ItemT]], NoticeT] | None,
    change: Callable[[Sequence[ItemT]], Iterable[ResultT]],
    kept: Callable[[ItemT], ResultT],
    failed: Callable[[ItemT, str], ResultT],
) -> tuple[list[ResultT], list[NoticeT]]:
    """Every item's result, in the plan's order, and the notices given, in the owners' order.

    ``groups``: the plan's changing items by owner; an item of no group is kept as planned.
    ``tell`` gives an owner's notice (None: nobody is told, the changes are made as they
    are); ``change`` makes a group's changes and answers a result for each; ``kept`` is an
    item's result when nothing was done, ``failed`` when its notice was not delivered."""
    done: dict[int, ResultT] = {}
    notices: list[NoticeT] = []
    for owner in sorted(groups):
        items = groups[owner]
        if apply and budget is not None and not budget.allows_owner():
            for item in items:
                done[id(item)] = kept(_out_of_time(item, budget))
            continue
        if tell is not None:
            notice = tell(owner, items)
            notices.append(notice)
            if apply and not notice.delivered:
                for item in items:
                    done[id(item)] = failed(item, f"not changed: {notice.error}")
                continue
        for result in change(items):
            done[id(result.retirement)] = result
    return [done.get(id(item)) or kept(item) for item in plan], notices
