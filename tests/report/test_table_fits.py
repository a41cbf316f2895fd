"""The terminal table fits 80, 100, 120 and 200 columns, for every kind of finding.

At each width, on the demo's roles and on a snapshot shaped like a real organization's
(``table_samples``): every row shows its name (or a unique prefix of at least 24
characters and an ellipsis, or the whole name folded over its lines) and its whole
compliance word; no line is wider than the terminal; no header is broken inside a
word; a row takes at most three lines; and what does not show is named in the footer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from dormant.commands.demo import run_demo
from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.layout import PERMISSIONS_LAYOUT, PermissionsLine
from dormant.permissions.model import ServiceAccess
from dormant.report import ReportMeta
from dormant.report.table import fitted_table, render_table
from dormant.report.table_fit import ELLIPSIS, MIN_PREFIX, FitColumn, plan_table, wrap
from dormant.roles.layout import ROLE_LAYOUT
from dormant.roles.snapshot import read_snapshot
from dormant.users.decide import evaluate_user
from dormant.users.layout import USER_LAYOUT, user_line_from_finding
from dormant.users.records import parse_credential_report
from dormant_sim.credentials import HEADER
from table_samples import scan_sample, write_sample_snapshot

WIDTHS = (80, 100, 120, 200)
WORDS = {c.value for c in Compliance}
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _render(lines: Sequence[Any], meta: ReportMeta, width: int) -> tuple[list[str], str | None]:
    ordered = meta.layout.sort(lines)
    several = len({line.account_id for line in ordered}) > 1
    table, footer = fitted_table(ordered, meta, width, several=several)
    printed = []
    for renderable in (table, footer or ""):
        console = Console(width=width, file=io.StringIO(), no_color=True, highlight=False)
        console.print(renderable)
        printed.append(console.file.getvalue().splitlines())  # type: ignore[attr-defined]
    for text in printed[1]:  # the footer, wrapped as the terminal wraps it
        assert cell_len(text) <= width, f"{cell_len(text)} > {width}: {text!r}"
    return printed[0], footer


def _meta(layout: Any, kind: str = "scan") -> ReportMeta:
    return ReportMeta(kind=kind, generated_at=NOW, source="test", layout=layout)


def _check_fits(lines: Sequence[Any], meta: ReportMeta, width: int) -> str | None:
    """Every promise of the module docstring, on one rendering; returns the footer."""
    ordered = meta.layout.sort(lines)
    out, footer = _render(lines, meta, width)
    for text in out:
        assert cell_len(text) <= width, f"{cell_len(text)} > {width}: {text!r}"
    rule = next(i for i, text in enumerate(out) if text.startswith("─"))
    header, body = out[:rule], out[rule + 1 :]
    # Headers are whole words of the headers there are.
    known = {"Account", "Compliance", "Annotation", "Notes", meta.layout.name_header}
    for column in meta.layout.columns:
        known |= set((column.short_header or column.header).split())
    for text in header:
        for word in text.split():
            assert word in known, f"header broken inside a word at {width}: {word!r}"
    # Where the name column starts and ends, from the header's first line.
    start = header[0].index(meta.layout.name_header)
    end = header[0].index("Compliance")
    table_lines = [t for t in body if t.strip()]
    starts = [i for i, text in enumerate(table_lines) if any(w in text.split() for w in WORDS)]
    assert len(starts) == len(ordered), f"a compliance word is missing at {width}"
    names = [line.name for line in ordered]
    for number, (line, first) in enumerate(zip(ordered, starts, strict=True)):
        last = starts[number + 1] if number + 1 < len(starts) else len(table_lines)
        row = table_lines[first:last]
        assert len(row) <= 3, f"{line.name}: {len(row)} lines at {width}"
        assert line.compliance.value in row[0].split()
        shown = "".join(text[start:end].strip() for text in row)
        if shown.endswith(ELLIPSIS):
            prefix = shown[:-1]
            assert len(prefix) >= MIN_PREFIX, shown
            assert line.name.startswith(prefix), shown
            assert [n for n in names if n.startswith(prefix)] == [line.name], shown
        else:
            assert shown == line.name, f"{shown!r} != {line.name!r} at {width}"
    return footer


@pytest.fixture(scope="module")
def demo_rows() -> list[Any]:
    rows, *_ = run_demo("iam-role-last-used", NOW)
    return list(rows)


@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    rows, _ = scan_sample(tmp_path_factory.mktemp("sample") / "sample.json")
    return rows


@pytest.mark.parametrize("width", WIDTHS)
def test_the_demo_fits(demo_rows: list[Any], width: int) -> None:
    footer = _check_fits(demo_rows, _meta(ROLE_LAYOUT, "report"), width)
    if width == 80:  # the notes give way first, and the footer says so
        assert footer is not None
        assert "not shown at this width: Risk" in footer


@pytest.mark.parametrize("width", WIDTHS)
def test_a_real_organizations_names_fit(sample_rows: list[Any], width: int) -> None:
    _check_fits(sample_rows, _meta(ROLE_LAYOUT), width)


def test_wide_terminals_show_every_column_on_its_own(demo_rows: list[Any]) -> None:
    out, footer = _render(demo_rows, _meta(ROLE_LAYOUT, "report"), 200)
    assert footer is None or "not shown" not in footer
    assert re.search(r"Risk\s+Owner\s+Managed by", out[0])


def test_middle_widths_fold_the_notes_into_one_cell(demo_rows: list[Any]) -> None:
    out, footer = _render(demo_rows, _meta(ROLE_LAYOUT, "report"), 120)
    assert footer is not None
    assert "Notes holds risk, owner" in footer
    assert "Notes" in out[0]
    assert any("owner: platform" in text for text in out)


def _users() -> list[Any]:
    rows = [HEADER]
    names = ["alice", "deploy-bot", "u" * 64, "contractor-with-a-very-long-name-for-audits-2026"]
    for index, name in enumerate(names):
        used = (NOW - timedelta(days=20 * index)).isoformat()
        rows.append(
            f"{name},arn:aws:iam::111111111111:user/{name},2024-01-01T00:00:00+00:00,true,"
            f"{used},N/A,N/A,false,true,2024-01-02T00:00:00+00:00,{used},eu-west-1,s3,"
            "true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A"
        )
    users = parse_credential_report("\n".join(rows) + "\n")
    settings = Settings(max_days=45)
    return [user_line_from_finding(evaluate_user(u, settings, NOW)) for u in users]


def _permissions(tmp_path: Path) -> list[Any]:
    path = write_sample_snapshot(tmp_path / "sample.json")
    roles = list(read_snapshot(path))[:12]
    services = [
        ServiceAccess(namespace, f"Amazon {namespace}", NOW - timedelta(days=days))
        for namespace, days in (("s3", 1), ("kms", 200), ("sqs", 300), ("dynamodb", 5))
    ]
    services += [ServiceAccess(f"service{n}", f"Service {n}") for n in range(15)]
    settings = Settings(max_days=90)
    return [PermissionsLine(evaluate_permissions(r, services, settings, NOW)) for r in roles]


@pytest.mark.parametrize("width", WIDTHS)
def test_users_and_permissions_tables_fit(width: int, tmp_path: Path) -> None:
    _check_fits(_users(), _meta(USER_LAYOUT, "users"), width)
    _check_fits(_permissions(tmp_path), _meta(PERMISSIONS_LAYOUT, "permissions"), width)


def test_a_file_is_160_columns_wide_whatever_the_environment(
    sample_rows: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "90")  # a terminal's width says nothing about a file's
    out = io.StringIO()
    render_table(sample_rows, _meta(ROLE_LAYOUT), out)
    widths = [len(text) for text in out.getvalue().splitlines()]
    assert 90 < max(widths) <= 160


def test_names_keep_a_unique_prefix_or_fold() -> None:
    names = (
        "AWS-QuickSetup-Recording-1abc_ap-northeast-1",
        "AWS-QuickSetup-Recording-1abc_ap-northeast-2",
        "a-rather-long-role-name-nobody-else-shares-at-all",
    )
    plan = plan_table(
        FitColumn("Role", names),
        [FitColumn("Compliance", ("COMPLIANT",) * 3, fixed=True, essential=True)],
        FitColumn("Annotation", ("Role age is 3 days",) * 3),
        60,
    )
    shown = ["".join(cell.lines) for cell in (row[0] for row in plan.rows)]
    # The two Quick Setup names differ only in their last character: no prefix tells them
    # apart, so they fold whole; the third keeps a prefix of its own.
    assert shown[:2] == list(names[:2])
    assert shown[2].endswith(ELLIPSIS)
    assert len(shown[2]) - 1 >= MIN_PREFIX
    assert all(len(row[0].lines) <= 3 for row in plan.rows)


def test_wrap_breaks_long_words_after_separators_and_marks_a_cut() -> None:
    cell = wrap("services token.actions.githubusercontent.com", 20, 3)
    assert cell.lines == ("services", "token.actions.", "githubusercontent.…")
    assert wrap("services token.actions.githubusercontent.com", 22, 3).lines == (
        "services",
        "token.actions.",
        "githubusercontent.com",
    )
    cut = wrap("word " * 40, 10, 3)
    assert cut.cut
    assert cut.lines[-1].endswith(ELLIPSIS)
    assert len(cut.lines) == 3
