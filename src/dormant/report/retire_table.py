"""The retire plan on a terminal: one fitted table of steps, one of notices, then outcomes.

Works from the plan's JSON records (``CampaignReport.record()``'s ``steps`` and
``notices``), so every kind the campaign retires (roles, users, and any kind whose record
carries a ``<kind>_name``) shows the same way. The tables fit their width as the scan's do
(``dormant.report.table_fit``): every row's name (or a unique prefix of at least 24
characters and an ellipsis) and its whole step word, at most three lines a row, what gave
way named in a footer. This module only renders: it never decides a step, and never
writes anything but the text it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text

from dormant.report.table import rich_table, table_console
from dormant.report.table_fit import FitColumn, plan_table

__all__ = ["render_retire", "step_name"]

_STEP_STYLES = {
    "delete": "bold red",
    "quarantine": "red",
    "notify": "yellow",
    "clear": "green",
    "keep": "dim",
}


def step_name(step: Mapping[str, object]) -> str:
    """The resource's name in a step record: ``role_name``, ``user_name``, or any
    ``<kind>_name``."""
    kind = str(step.get("kind", ""))
    for key in (f"{kind}_name", "role_name", "user_name", "name"):
        value = step.get(key)
        if value:
            return str(value)
    return ""


def _next(step: Mapping[str, object]) -> str:
    upcoming = step.get("next")
    if not isinstance(upcoming, Mapping):
        return ""
    return f"{upcoming['step']} on {upcoming['on']}"


def _print_table(
    console: Console,
    name: FitColumn,
    columns: Sequence[FitColumn],
    annotation: FitColumn,
    styles: Sequence[Mapping[str, str]],
    lead: Sequence[FitColumn] = (),
    right: Sequence[str] = (),
) -> None:
    plan = plan_table(name, columns, annotation, console.width, lead=lead)
    console.print(rich_table(plan, styles, right=right))
    footer = plan.footer()
    if footer:
        console.print(Text(footer, style="dim"))


def _steps_table(console: Console, steps: Sequence[Mapping[str, object]]) -> None:
    kinds = tuple(str(s.get("kind", "")) for s in steps)
    words = tuple(str(s["step"]) for s in steps)
    columns = [
        FitColumn("Step", words, fixed=True, essential=True),
        FitColumn("Next", tuple(_next(s) for s in steps)),
        FitColumn("Owner", tuple(str(s.get("owner") or "") for s in steps), note=True),
        FitColumn("Held by", tuple(str(s.get("held_by") or "") for s in steps), note=True),
    ]
    _print_table(
        console,
        FitColumn("Name", tuple(step_name(s) for s in steps)),
        columns,
        FitColumn("Reason", tuple(str(s.get("reason") or "") for s in steps)),
        [{"Step": _STEP_STYLES.get(word, "")} for word in words],
        # The kind shows only when the plan holds more than one.
        lead=[FitColumn("Kind", kinds, fixed=True)] if len(set(kinds)) > 1 else (),
    )


def _notice_state(notice: Mapping[str, object], apply: bool) -> str:
    if notice.get("delivered"):
        return "delivered"
    if not apply:
        return "not sent (dry run)"
    return f"NOT delivered: {notice.get('error')}"


def _notices_table(console: Console, notices: Sequence[Mapping[str, object]], apply: bool) -> None:
    states = tuple(_notice_state(n, apply) for n in notices)
    channels = tuple(", ".join(str(c) for c in _items(n.get("channels"))) for n in notices)
    counts = tuple(str(len(_items(n.get("resources")))) for n in notices)
    _print_table(
        console,
        FitColumn("Owner", tuple(str(n.get("owner") or "") for n in notices)),
        [
            FitColumn("Resources", counts, fixed=True, essential=True),
            FitColumn("Via", channels),
        ],
        FitColumn("State", states),
        [{"State": "bold red" if s.startswith("NOT") else ""} for s in states],
        right=("Resources",),
    )


def _items(value: object) -> Sequence[object]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def render_retire(
    steps: Sequence[Mapping[str, object]],
    notices: Sequence[Mapping[str, object]],
    out: TextIO,
    *,
    apply: bool,
    heading: Sequence[str],
    closing: Sequence[str],
    color: bool = False,
    width: int | None = None,
) -> None:
    """``heading`` lines, the steps' table, the notices' table, what each change did
    (the records' ``status: message``), then ``closing`` lines; all within ``width`` on a
    terminal or at a ``width`` given. Off a terminal, with no width given, those lines are
    written whole, one record a line, for whoever reads the output with grep."""
    whole = width is None and not color
    with table_console(out, color=color, width=width) as console:
        for line in heading:
            console.print(Text(line))
        if steps:
            _steps_table(console, steps)
        if notices:
            if steps:
                console.print()
            _notices_table(console, notices, apply)
        for step in steps:
            if step.get("status") is not None:
                failed = step.get("status") in ("failed", "refused")
                console.print(
                    Text(f"{step['status']}: {step.get('message')}", style="red" if failed else ""),
                    soft_wrap=whole,
                )
        for line in closing:
            console.print(Text(line), soft_wrap=whole)
