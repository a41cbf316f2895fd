"""The HTML report: one self-contained file, readable offline and safe to open.

Summary cards, a chart of days since last use (inline SVG drawn here, server-side, and
redrawn by the page's script from the rows the filters leave), and
the tables, grouped in collapsible sections by account when there are several. A few
lines of inline script add a search box, compliance filters (and, when AWS's findings were
read, "AWS and dormant disagree"), cards that count what is shown, and sorting by any
column; without script the whole table is still there. The
page fits a 1280 px window and prints on A4 (landscape) without cutting columns.

Jinja2 autoescapes every value (role names, tags and annotations may hold ``<``); no
data is ever pasted into the script, which reads what it filters from the rows'
escaped ``data-*`` attributes (see ``dormant.report.html_cells``), and a
Content-Security-Policy forbids loading anything from the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TextIO

import jinja2
from markupsafe import Markup

from dormant.core.model import Compliance
from dormant.report.html_cells import generic_cells
from dormant.report.layout import Layout, Line, ReportMeta, Tally, iso

__all__ = ["Bar", "breakable", "chart_bars", "owner_groups", "render_html"]

NO_OWNER = "(no owner)"

# (label, lowest day, highest day); None: never used.
_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("366+", 366, None),
    ("never", None, None),
)
CHART_WIDTH = 640
CHART_HEIGHT = 200
_PLOT_TOP = 20
_PLOT_BOTTOM = 170


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the chart: roles in a range of days unused, split by compliance."""

    label: str
    title: str
    non_compliant: int
    other: int
    x: int
    width: int
    y_non_compliant: int
    height_non_compliant: int
    y_other: int
    height_other: int

    @property
    def total(self) -> int:
        return self.non_compliant + self.other


class ChartLine(Protocol):
    """What the chart reads of a line (a kind whose layout sets ``chart``)."""

    @property
    def compliance(self) -> Compliance: ...
    @property
    def never_used(self) -> bool: ...
    @property
    def days_unused(self) -> int | None: ...


def _bucket(row: ChartLine) -> int | None:
    if row.never_used:
        return len(_BUCKETS) - 1
    if row.days_unused is None:
        return None
    for index, (_, low, high) in enumerate(_BUCKETS):
        if low is not None and row.days_unused >= low and (high is None or row.days_unused <= high):
            return index
    return None


def chart_bars(rows: Sequence[ChartLine]) -> list[Bar]:
    """Histogram of days since last use over the roles the rule evaluated."""
    counts = [[0, 0] for _ in _BUCKETS]
    for row in rows:
        if row.compliance == Compliance.NOT_APPLICABLE:
            continue
        index = _bucket(row)
        if index is not None:
            counts[index][0 if row.compliance == Compliance.NON_COMPLIANT else 1] += 1
    highest = max((nc + other for nc, other in counts), default=0) or 1
    plot_height = _PLOT_BOTTOM - _PLOT_TOP
    slot = CHART_WIDTH // len(_BUCKETS)
    bars = []
    for index, ((label, _, _), (non_compliant, other)) in enumerate(
        zip(_BUCKETS, counts, strict=True)
    ):
        h_nc = round(plot_height * non_compliant / highest)
        h_other = round(plot_height * other / highest)
        bars.append(
            Bar(
                label=label,
                title="never used" if label == "never" else f"{label} days unused",
                non_compliant=non_compliant,
                other=other,
                x=index * slot + 10,
                width=slot - 20,
                y_non_compliant=_PLOT_BOTTOM - h_nc,
                height_non_compliant=h_nc,
                y_other=_PLOT_BOTTOM - h_nc - h_other,
                height_other=h_other,
            )
        )
    return bars


def owner_groups(lines: Sequence[Line]) -> list[dict[str, Any]]:
    """Lines grouped by owner (any kind whose lines carry ``owner``): most non-compliant first.

    Empty when no line has an owner, so reports of untagged accounts stay as they were.
    """
    groups: dict[str, dict[str, Any]] = {}
    for line in lines:
        owner = getattr(line, "owner", None)
        group = groups.setdefault(
            owner or NO_OWNER, {"owner": owner or NO_OWNER, "total": 0, "non_compliant": []}
        )
        group["total"] += 1
        if line.compliance == Compliance.NON_COMPLIANT:
            group["non_compliant"].append(line.name)
    if set(groups) <= {NO_OWNER}:
        return []
    return sorted(groups.values(), key=lambda g: (-len(g["non_compliant"]), g["owner"]))


# Where a long name may break: after these, never inside a word (a role name such as
# AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc breaks after an underscore).
_BREAK_AFTER = re.compile(r"(?<=[_\-/.:=@])")
# A part longer than this may also break where a camelCase word starts
# (AWSServiceRoleFor|Amazon|Elasticsearch|Service), not at an arbitrary letter.
_LONG_PART = 24
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def breakable(value: object) -> Markup:
    """``value`` escaped, with a ``<wbr>`` after each ``_ - / . : = @`` (and, in a part
    longer than 24 characters, before each camelCase word): where a narrow column may
    break it. The parts are escaped one by one (``Markup.join``)."""
    parts: list[str] = []
    for part in _BREAK_AFTER.split(str(value)):
        if part:
            parts.extend(_CAMEL.split(part) if len(part) > _LONG_PART else [part])
    return Markup("<wbr>").join(parts)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("dormant.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["breakable"] = breakable
    return environment


def _section(
    key: str | None,
    heading: str | None,
    members: Sequence[Any],
    meta: ReportMeta,
    cells: Any,
    header: str,
) -> dict[str, Any]:
    counts = meta.tally()
    for line in members:
        counts.add(line)
    return {
        "account_id": key,
        "heading": heading,
        "anchor": None if heading is None else re.sub(r"[^A-Za-z0-9_-]", "-", heading.lower()),
        "summary": None if heading is None else counts.summary(),
        "name_header": header,
        "rows": [cells(line) for line in members],
    }


def _groups(
    ordered: Sequence[Any], meta: ReportMeta, layout: Layout, tally: Tally, cells: Any
) -> list[dict[str, Any]]:
    """The page's sections: by the layout's key (Identity Center's permission sets), by
    account when there are several, else one."""
    header = layout.html_row_header or layout.name_header
    if layout.html_group_by is not None:
        by_key: dict[str, list[Any]] = {}
        for line in ordered:
            by_key.setdefault(layout.html_group_by(line), []).append(line)
        return [
            _section(None, f"{layout.name_header} {key}", members, meta, cells, header)
            for key, members in sorted(by_key.items())
        ]
    if meta.multi_account or len(tally.accounts) > 1:
        by_account: dict[str, list[Any]] = {account: [] for account in sorted(tally.accounts)}
        for line in ordered:
            by_account[line.account_id].append(line)
        return [
            _section(account, f"Account {account}", members, meta, cells, header)
            for account, members in by_account.items()
        ]
    return [_section(None, None, ordered, meta, cells, header)]


def render_html(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    layout = meta.layout
    ordered, tally = meta.sorted_and_counted(lines)
    # A kind with cells of its own shows its extra columns in them (roles: risk, owner...).
    extra = layout.html_extra_columns(layout) if layout.html_extra_columns is not None else ()

    def cells(line: Any) -> dict[str, Any]:
        shown = (
            layout.html_cells(line, layout)
            if layout.html_cells is not None
            else generic_cells(line, layout)
        )
        # The chart's bar of the line (None: not charted), so that the chart can follow
        # the filters on the page as the cards do.
        charted = layout.chart and line.compliance != Compliance.NOT_APPLICABLE
        name = line.name if layout.html_row_name is None else layout.html_row_name(line)
        if name != line.name:  # what the row shows is searched too
            data = shown["data"]
            shown = {**shown, "data": replace(data, search=f"{data.search} {name.lower()}")}
        return {
            **shown,
            "bucket": _bucket(line) if charted else None,
            "account": line.account_id,
            "name": name,
        }

    groups = _groups(ordered, meta, layout, tally, cells)
    checked = any(row["data"].referenced for group in groups for row in group["rows"])
    joined = any(row["data"].agrees for group in groups for row in group["rows"])
    template = _environment().get_template("report.html.j2")
    out.write(
        template.render(
            meta=meta,
            layout=layout,
            noun=tally.noun,
            generated_at=iso(meta.generated_at),
            summary=meta.summary(tally),
            bars=chart_bars(ordered) if layout.chart else [],
            chart_width=CHART_WIDTH,
            chart_height=CHART_HEIGHT,
            plot_bottom=_PLOT_BOTTOM,
            plot_top=_PLOT_TOP,
            groups=groups,
            extra_columns=extra,
            owners=owner_groups(ordered),
            references_checked=checked,
            aws_joined=joined,
            show_recorded=meta.kind == "report",
            failures=meta.failures,
        )
    )
    return tally
