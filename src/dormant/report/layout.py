"""What every report has, whatever kind of finding it lists: lines, columns, counts, context.

A kind of finding (roles today; users' credentials and permissions plug in the same
way) describes its report with one ``Layout``: the flat record behind JSON and CSV,
the columns the people-facing formats show, its order, and the noun for its counts.
The renderers (``dormant.report.tsv``, ``csv``, ``json``, ``table``, ``markdown``,
``html``) work from a ``Layout`` and never know which kind they print. Standard library
only; nothing here decides compliance or talks to AWS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from dormant.core.model import AccountFailure, Compliance, RoleQuota
from dormant.core.time import Timeline

__all__ = [
    "COMPLIANCE_ORDER",
    "Column",
    "Layout",
    "Line",
    "ReportMeta",
    "Tally",
    "compliance_rank",
    "failure_record",
    "failure_where",
    "iso",
    "summary_line",
]

# Non-compliant first: the one ordering of compliance every report uses.
COMPLIANCE_ORDER: Mapping[str, int] = {
    Compliance.NON_COMPLIANT: 0,
    Compliance.COMPLIANT: 1,
    Compliance.NOT_APPLICABLE: 2,
}


def compliance_rank(compliance: str) -> int:
    return COMPLIANCE_ORDER.get(compliance, len(COMPLIANCE_ORDER))


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, e.g. ``2024-04-15T13:05:21Z``."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:  # parsed timestamps already are UTC: skip the conversion
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


class Line(Protocol):
    """What every report line has: whose, what, the verdict and why."""

    @property
    def account_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def compliance(self) -> Compliance: ...
    @property
    def annotation(self) -> str: ...
    @property
    def admin(self) -> bool:
        """Administrator-like power: counted apart among the non-compliant."""
        ...

    @property
    def exempt(self) -> bool:
        """COMPLIANT by an exemption tag that still counts (the kinds' reason ``exempt``)."""
        ...

    @property
    def resource_type(self) -> str:
        """How AWS names the resource's type: ``AWS::IAM::Role``, ``AWS::IAM::User``."""
        ...

    @property
    def resource_id(self) -> str:
        """The resource's stable id (RoleId, UserId), for exports that must not move."""
        ...

    @property
    def arn(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table, Markdown and HTML formats.

    ``text`` renders the cell; ``sort_value`` (HTML) orders it, numbers as numbers;
    ``numeric`` right-aligns; ``keep_whole`` never wraps; ``warn`` highlights a
    non-empty cell on a terminal; ``short_header`` is the terminal table's header;
    ``note`` lets the terminal table fold the column into one "Notes" cell, or drop it,
    when the terminal is too narrow for it (see ``dormant.report.table_fit``).
    """

    header: str
    text: Callable[[Any], str]
    sort_value: Callable[[Any], object] | None = None
    numeric: bool = False
    keep_whole: bool = False
    warn: bool = False
    short_header: str | None = None
    note: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    """How one kind of finding is reported. See the module docstring."""

    name: str  # "roles", "users", "permissions": the kind, for templates and exports
    noun: str  # what the counts count: "roles"
    fields: tuple[str, ...]  # JSON keys and CSV header, in order
    # A line -> its flat JSON/CSV record; ``recorded_at=True`` adds the report_fields.
    record: Callable[..., dict[str, Any]]
    columns: tuple[Column, ...]  # after the name and compliance columns
    sort_key: Callable[[Any], Any]
    name_header: str = "Role"
    report_fields: tuple[str, ...] = ()  # `dormant report` adds these (recorded_at)
    counts_admin: bool = True  # whether "with admin power" means anything for this kind
    # The HTML page's cells of one line (the kind's own); None: one cell per column.
    html_cells: Callable[[Any, Layout], dict[str, Any]] | None = None
    # The columns such a page adds after its own cells (headers of the extra cells).
    html_extra_columns: Callable[[Layout], tuple[Column, ...]] | None = None
    # Whether the HTML page charts days unused (lines with ``never_used`` and ``days_unused``).
    chart: bool = False
    # CSV cells that replace a nested JSON field by text: field -> (CSV header, line -> text).
    csv_text: Mapping[str, tuple[str, Callable[[Any], str]]] = field(default_factory=dict)
    # The HTML page's sections: by account (None), or by this key of a line (its heading),
    # each row then named by ``html_row_name`` under the header ``html_row_header``.
    html_group_by: Callable[[Any], str] | None = None
    html_row_name: Callable[[Any], str] | None = None
    html_row_header: str = ""

    def sort(self, lines: Iterable[Line]) -> list[Any]:
        return sorted(lines, key=self.sort_key)


@dataclass
class Tally:
    """Counts lines as they stream past, for the summary written after them."""

    noun: str = "roles"
    by_compliance: Counter[str] = field(default_factory=Counter)
    accounts: set[str] = field(default_factory=set)
    admin_non_compliant: int = 0
    exempt: int = 0

    def count(self, lines: Iterable[Line]) -> Iterator[Any]:
        for line in lines:
            self.add(line)
            yield line

    def add(self, line: Line) -> None:
        self.by_compliance[line.compliance] += 1
        self.accounts.add(line.account_id)
        if line.admin and line.compliance == Compliance.NON_COMPLIANT:
            self.admin_non_compliant += 1
        if line.exempt:
            self.exempt += 1

    @property
    def total(self) -> int:
        return sum(self.by_compliance.values())

    @property
    def roles(self) -> int:
        return self.total

    @property
    def non_compliant(self) -> int:
        return self.by_compliance.get(Compliance.NON_COMPLIANT, 0)

    def summary(self, failures: Sequence[AccountFailure] = ()) -> dict[str, Any]:
        """The JSON summary; its first key is the noun (``roles``), as the output documents."""
        return {
            self.noun: self.total,
            "compliant": self.by_compliance.get(Compliance.COMPLIANT, 0),
            "non_compliant": self.non_compliant,
            "not_applicable": self.by_compliance.get(Compliance.NOT_APPLICABLE, 0),
            "non_compliant_admin": self.admin_non_compliant,
            "exempt": self.exempt,
            "accounts": len(self.accounts - {""}),
            "failed_accounts": len({f.account_id for f in failures}),
        }


@dataclass(frozen=True)
class ReportMeta:
    """What surrounds the lines: when, how, from where, which accounts failed, which layout.

    ``kind`` is ``scan``, ``report`` or another command's name (``users``, ``permissions``);
    ``settings`` is JSON-ready; ``multi_account`` adds the account column to the TSV and
    groups the HTML report. ``layout`` is the kind of finding listed
    (``dormant.roles.layout.ROLE_LAYOUT`` for roles). ``region`` (optional) is the Region
    exported findings name; the partition follows from it.
    """

    kind: str
    generated_at: datetime
    source: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    failures: Sequence[AccountFailure] = ()
    multi_account: bool = False
    layout: Layout = field(kw_only=True)
    # Where exported findings say they are (ASFF's Region, ProductArn; OCSF's cloud):
    # --region or the session's Region; None lets the exporter use its default.
    region: str | None = field(default=None, kw_only=True)
    quota: RoleQuota | None = field(default=None, kw_only=True)  # live single-account scans
    # What the input said about time (resources created after "now" left out); scans only.
    timeline: Timeline | None = field(default=None, kw_only=True)

    @property
    def fields(self) -> tuple[str, ...]:
        layout = self.layout
        return (*layout.fields, *layout.report_fields) if self.kind == "report" else layout.fields

    @property
    def title(self) -> str:
        return "dormant report" if self.kind == "report" else f"dormant {self.kind}"

    def tally(self) -> Tally:
        return Tally(noun=self.layout.noun)

    def summary(self, tally: Tally) -> dict[str, Any]:
        """The JSON summary of ``tally``, with ``not_yet_created`` when the input was dated."""
        summary = tally.summary(self.failures)
        if self.timeline is not None:
            summary["not_yet_created"] = self.timeline.not_yet_created
        return summary

    def sorted_and_counted(self, lines: Iterable[Line]) -> tuple[list[Any], Tally]:
        """Every line in the layout's order, and their counts: what the sorted formats need."""
        ordered = self.layout.sort(lines)
        tally = self.tally()
        for line in ordered:
            tally.add(line)
        return ordered, tally


def summary_line(tally: Tally, meta: ReportMeta) -> str:
    """``12 roles: 3 non-compliant (1 with admin power), 8 compliant, 1 not applicable``."""
    summary = meta.summary(tally)
    admin = (
        f" ({summary['non_compliant_admin']} with admin power)" if meta.layout.counts_admin else ""
    )
    text = (
        f"{summary[tally.noun]} {tally.noun}: {summary['non_compliant']} non-compliant{admin}, "
        f"{summary['compliant']} compliant, {summary['not_applicable']} not applicable"
    )
    if meta.multi_account or summary["accounts"] > 1:
        text += f"; {summary['accounts']} accounts"
    if summary["failed_accounts"]:
        text += f"; {summary['failed_accounts']} accounts failed"
    if meta.quota is not None:
        quota = meta.quota
        text += f"; {quota.roles} of {quota.roles_quota} roles quota ({quota.percent}%)"
    return text


def failure_where(failure: AccountFailure) -> str:
    """``222222222222``, or ``222222222222 (eu-west-1)`` for one Region's failure."""
    if failure.region is None:
        return failure.account_id
    return f"{failure.account_id} ({failure.region})"


def failure_record(failure: AccountFailure) -> dict[str, str]:
    record = {
        "account_id": failure.account_id,
        "operation": failure.operation,
        "message": failure.message,
    }
    if failure.region is not None:  # only a Region's failure names one
        record["region"] = failure.region
    return record
