"""The HTML report in a real browser: it fits, it filters, it counts, it sorts, it prints.

Each test opens the report of 300 roles (see conftest) in headless Chromium at 1280x800;
the page must never log an error, open a dialog or request anything but its own file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from big_report import ACCOUNTS, HOSTILE, ROLES, WIDE, Report
from playwright.sync_api import Page

from dormant.core.model import Compliance
from dormant.report import ReportMeta
from dormant.report.html import render_html
from dormant.report.layout import Column, Layout
from dormant.roles.layout import ROLE_LAYOUT

pytestmark = pytest.mark.browser

Opener = Callable[..., Page]

_VISIBLE_NAMES = """() => Array.from(document.querySelectorAll(".group tbody tr"))
    .filter(row => row.getClientRects().length > 0)
    .map(row => row.cells[0].getAttribute("data-sort"))"""
_VISIBLE_COMPLIANCE = """() => Array.from(document.querySelectorAll(".group tbody tr"))
    .filter(row => row.getClientRects().length > 0)
    .map(row => row.cells[1].textContent.trim())"""
_CARDS = """() => Object.fromEntries(Array.from(document.querySelectorAll("#cards [data-count]"))
    .map(card => [card.getAttribute("data-count"), Number(card.querySelector("b").textContent)]))"""


def _searchable(row: Any) -> str:
    path = row.role.path if row.role else ""
    return f"{row.role_name} {path} {row.annotation}".lower()


@pytest.mark.parametrize("which", ["big_report", "big_recorded_report"])
def test_fits_1280_wide_with_short_rows(
    which: str, request: pytest.FixtureRequest, open_page: Opener
) -> None:
    report: Report = request.getfixturevalue(which)
    page = open_page(report.path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tables_right = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('table'))"
        ".map(t => t.getBoundingClientRect().right))"
    )
    assert tables_right <= 1280
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('tbody tr'))"
        ".map(r => r.getBoundingClientRect().height)"
    )
    assert len(heights) == ROLES
    assert max(heights) <= 200
    # The role trusting 40 accounts shows three and keeps the rest behind "+37 more".
    more = page.get_by_text(f"+{WIDE - 3} more")
    assert more.count() == 1
    more.click()
    assert page.get_by_text("300000000039").is_visible()


def test_search_leaves_exactly_the_matching_rows(big_report: Report, open_page: Opener) -> None:
    page = open_page(big_report.path)
    for query in ("team-3/", "Team02", "no record", "TEAM1 unit-2/"):
        page.fill("#search", query)
        terms = query.lower().split()
        expected = sorted(
            row.role_name
            for row in big_report.rows
            if all(term in _searchable(row) for term in terms)
        )
        assert expected, query
        assert sorted(page.evaluate(_VISIBLE_NAMES)) == expected, query
    page.fill("#search", "")
    assert len(page.evaluate(_VISIBLE_NAMES)) == ROLES


def test_compliance_filter_and_cards_follow(big_report: Report, open_page: Opener) -> None:
    page = open_page(big_report.path)
    rows = big_report.rows
    non_compliant = [r for r in rows if r.compliance == Compliance.NON_COMPLIANT]
    assert page.evaluate(_CARDS) == {
        "non_compliant": len(non_compliant),
        "non_compliant_admin": sum(r.admin for r in non_compliant),
        "compliant": sum(r.compliance == Compliance.COMPLIANT for r in rows),
        "exempt": sum(r.reason == "exempt" for r in rows),
        "not_applicable": sum(r.compliance == Compliance.NOT_APPLICABLE for r in rows),
        "total": ROLES,
        "accounts": 2,
    }
    page.get_by_label("non-compliant", exact=True).check()
    shown = page.evaluate(_VISIBLE_COMPLIANCE)
    assert set(shown) == {"NON_COMPLIANT"}
    assert len(shown) == len(non_compliant)
    cards = page.evaluate(_CARDS)
    assert cards["non_compliant"] == cards["total"] == len(shown)
    assert cards["compliant"] == cards["not_applicable"] == cards["exempt"] == 0
    # Each account's own counts follow too.
    for account in ACCOUNTS:
        counted = page.locator(f"#account-{account} summary [data-count=total]").inner_text()
        assert int(counted) == sum(r.account_id == account for r in non_compliant)

    page.get_by_label("admin power only").check()
    admins = sorted(r.role_name for r in non_compliant if r.admin)
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == admins
    assert page.evaluate(_CARDS)["non_compliant_admin"] == len(admins)

    page.get_by_label("not applicable", exact=True).check()
    linked = [r for r in rows if r.compliance == Compliance.NOT_APPLICABLE and r.admin]
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == sorted(r.role_name for r in linked)
    assert page.evaluate(_CARDS)["not_applicable"] == len(linked)

    page.fill("#search", "matches-no-role")
    assert page.evaluate(_VISIBLE_NAMES) == []
    assert page.locator(".empty:visible").count() == len(ACCOUNTS)
    assert page.locator(".group table:visible").count() == 0
    assert page.evaluate(_CARDS)["accounts"] == 0


def test_every_column_sorts_and_days_unused_orders_rows(
    big_report: Report, open_page: Opener
) -> None:
    page = open_page(big_report.path)
    page.get_by_label("non-compliant", exact=True).check()
    headers = page.locator("#account-111111111111 thead th")
    titles = headers.all_inner_texts()
    assert titles[:3] == ["Role", "Compliance", "Days unused"]
    days = page.locator("#account-111111111111 th", has_text="Days unused")
    for ascending in (True, False):
        days.click()
        assert days.get_attribute("aria-sort") == ("ascending" if ascending else "descending")
        for account in ACCOUNTS:
            keys = page.evaluate(
                """account => Array.from(document.querySelectorAll(`#account-${account} tbody tr`))
                .filter(row => row.getClientRects().length > 0)
                .map(row => Number(row.cells[2].getAttribute("data-sort")))""",
                account,
            )
            assert keys
            assert keys == sorted(keys, reverse=not ascending)
    # Every other header sorts too (and the accounts' tables sort together).
    for index in range(len(titles)):
        header = headers.nth(index)
        header.click()
        assert header.get_attribute("aria-sort") == "ascending"
        other = page.locator("#account-222222222222 thead th").nth(index)
        assert other.get_attribute("aria-sort") == "ascending"
    names = page.evaluate(_VISIBLE_NAMES)
    assert len(names) == sum(r.compliance == Compliance.NON_COMPLIANT for r in big_report.rows)


def test_accounts_collapse(big_report: Report, open_page: Opener) -> None:
    page = open_page(big_report.path)
    section = page.locator("#account-111111111111")
    first_row = section.locator("tbody tr").first
    assert first_row.is_visible()
    section.locator("summary").first.click()
    assert not first_row.is_visible()
    assert page.locator("#account-222222222222 tbody tr").first.is_visible()


def test_screenshot_and_escaped_values(
    big_report: Report, open_page: Opener, tmp_path: Path
) -> None:
    page = open_page(big_report.path)
    shot = tmp_path / "report-1280.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A description holding markup shows as text; the page never runs or loads it.
    assert page.locator("img").count() == 0
    assert page.get_by_text(HOSTILE).count() == 1


def test_without_javascript_the_whole_table_is_there(big_report: Report, open_page: Opener) -> None:
    page = open_page(big_report.path, javascript=False)
    rows = page.locator(".group tbody tr")
    assert rows.count() == ROLES
    for index in (0, ROLES // 2, ROLES - 1):
        assert rows.nth(index).is_visible()
    assert not page.locator("#controls").is_visible()
    assert not page.locator("#search").is_visible()
    text = page.locator("body").inner_text()
    for row in big_report.rows[:20]:
        assert row.role_name in text


def test_prints_on_a4_without_cut_columns(
    big_report: Report, open_page: Opener, tmp_path: Path
) -> None:
    # A4 landscape less 10 mm margins: 277 mm at 96 px per inch.
    printable = int(277 / 25.4 * 96)
    page = open_page(big_report.path, width=printable)
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not page.locator("#controls").is_visible()
    for cell in page.locator("thead th").all()[:8]:
        assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= printable + 1
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    assert pdf.read_bytes()[:5] == b"%PDF-"


@dataclass(frozen=True)
class _Thing:
    """A line of some other kind: the page must filter it without knowing it."""

    account_id: str
    name: str
    compliance: Compliance
    annotation: str
    admin: bool
    owner: str | None = None
    exempt: bool = False
    resource_type: str = "AWS::IAM::User"
    arn: str | None = None

    @property
    def resource_id(self) -> str:
        return self.name


_THINGS = Layout(
    name="things",
    noun="things",
    fields=("name",),
    record=lambda line, recorded_at=False: {"name": line.name},
    columns=(
        Column("Keys", lambda line: ", ".join(f"AKIA{n:016d}" for n in range(30))),
        Column(
            "Age",
            lambda line: str(len(line.name)),
            sort_value=lambda line: len(line.name),
            numeric=True,
        ),
    ),
    sort_key=lambda line: line.name,
    name_header="User",
)


def test_any_layout_gets_search_filters_and_counts(open_page: Opener, tmp_path: Path) -> None:
    verdicts = (Compliance.NON_COMPLIANT, Compliance.COMPLIANT, Compliance.NOT_APPLICABLE)
    things = [
        _Thing(
            ACCOUNTS[n % 2],
            f"user-{n:02d}-" + "n" * 50,
            verdicts[n % 3],
            f"note {n}",
            admin=n % 4 == 0,
            owner=f"owner-{n % 5}",
            exempt=n % 6 == 1,  # compliant ones: 1, 7, 13, 19, 25
        )
        for n in range(30)
    ]
    meta = ReportMeta(
        layout=_THINGS,
        kind="scan",
        generated_at=datetime(2024, 6, 1, tzinfo=UTC),
        source="test",
        multi_account=True,
    )
    out = io.StringIO()
    render_html(things, meta, out)
    report = tmp_path / "things.html"
    report.write_text(out.getvalue())
    page = open_page(report)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("#search", "owner-3")
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == sorted(
        t.name for t in things if t.owner == "owner-3"
    )
    page.fill("#search", "")
    page.get_by_label("compliant", exact=True).check()
    assert set(page.evaluate(_VISIBLE_COMPLIANCE)) == {"COMPLIANT"}
    assert page.evaluate(_CARDS)["compliant"] == 10
    assert page.evaluate(_CARDS)["total"] == 10
    assert page.evaluate(_CARDS)["exempt"] == 5
    page.get_by_label("non-compliant", exact=True).check()
    assert page.evaluate(_CARDS)["exempt"] == 0


def test_an_empty_report_says_nothing_matched_only_when_something_was_filtered(
    open_page: Opener, tmp_path: Path
) -> None:
    report = tmp_path / "empty.html"
    meta = ReportMeta(
        layout=ROLE_LAYOUT, kind="scan", generated_at=datetime(2024, 6, 1, tzinfo=UTC), source="t"
    )
    with report.open("w") as out:
        render_html([], meta, out)
    page = open_page(report)
    assert page.locator(".empty:visible").count() == 0
    assert page.locator("table:visible").count() == 1
    assert page.locator("#shown").inner_text() == "showing 0 of 0"


def test_no_console_errors_while_searching_filtering_sorting_and_expanding(
    big_report: Report, open_page: Opener, page_problems: list[str]
) -> None:
    page = open_page(big_report.path)
    page.fill("#search", "team-1")
    page.get_by_label("compliant", exact=True).check()
    page.get_by_label("admin power only").check()
    page.get_by_label("all", exact=True).check()
    for header in page.locator("#account-222222222222 thead th").all():
        header.click()
        header.press("Enter")
    page.get_by_label("admin power only").uncheck()
    page.fill("#search", "")
    assert len(page.evaluate(_VISIBLE_NAMES)) == ROLES
    for summary in page.locator("details.more > summary").all()[:5]:
        summary.click()
    page.locator("#account-111111111111 > summary").click()
    assert page_problems == []


def test_unreferenced_only_leaves_what_nothing_references(
    big_report: Report, big_recorded_report: Report, open_page: Opener
) -> None:
    page = open_page(big_report.path)
    everyone = page.evaluate(_VISIBLE_NAMES)
    page.check("#unreferenced-only")
    expected = sorted(
        row.role_name for row in big_report.rows if row.references and not row.references.references
    )
    assert expected
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == expected
    assert page.get_by_text("+4 more").count() > 0  # five references: one, then +4 more
    page.uncheck("#unreferenced-only")
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == sorted(everyone)
    # A report of what Config recorded asked no source: no such filter.
    assert open_page(big_recorded_report.path).locator("#unreferenced-only").count() == 0


def test_the_exempt_card_counts_the_rows_shown(big_report: Report, open_page: Opener) -> None:
    page = open_page(big_report.path)
    exempt = [r for r in big_report.rows if r.reason == "exempt"]
    assert len(exempt) > 1
    assert all(r.compliance == Compliance.COMPLIANT for r in exempt)
    card = page.locator("#cards [data-count=exempt]")
    assert card.inner_text().split() == [str(len(exempt)), "exempt", "by", "tag"]
    page.get_by_label("compliant", exact=True).check()
    assert page.evaluate(_CARDS)["exempt"] == len(exempt)
    page.fill("#search", exempt[0].role_name.lower())
    assert page.evaluate(_CARDS)["exempt"] == 1
    page.get_by_label("non-compliant", exact=True).check()
    assert page.evaluate(_CARDS)["exempt"] == 0


def test_aws_and_dormant_disagree_leaves_the_disagreements(
    big_report: Report, open_page: Opener, tmp_path: Path
) -> None:
    from dormant.core.aws_findings import Agreement, AwsFinding
    from dormant.roles.layout_aws import ROLE_AWS_LAYOUT

    def joined(index: int, row: Any) -> Any:
        aws = AwsFinding(
            "securityhub",
            f"arn:aws:securityhub:us-east-1:{row.account_id}:finding/{index}",
            "UnusedIAMRole",
            "New",
            datetime(2024, 5, 30, tzinfo=UTC),
            f"arn:aws:iam::{row.account_id}:role/{row.role_name}",
            row.account_id,
            90,
            "arn:aws:securityhub:us-east-1::productv2/aws/access-analyzer",
        )
        agreement = Agreement(True) if index % 3 else Agreement(False, "exempt by tag")
        return row._replace(aws_finding=aws, agreement=agreement)

    rows = [joined(index, row) for index, row in enumerate(big_report.rows[:30])]
    meta = ReportMeta(
        layout=ROLE_AWS_LAYOUT,
        kind="scan",
        generated_at=datetime(2024, 6, 1, tzinfo=UTC),
        source="account 111111111111, securityhub us-east-1",
        multi_account=True,
    )
    out = io.StringIO()
    render_html(rows, meta, out)
    report = tmp_path / "joined.html"
    report.write_text(out.getvalue(), encoding="utf-8")
    page = open_page(report)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("AWS and dormant disagree").check()
    disagreeing = sorted(r.role_name for r in rows if not r.agreement.agrees)
    assert len(disagreeing) == 10
    assert sorted(page.evaluate(_VISIBLE_NAMES)) == disagreeing
    assert page.evaluate(_CARDS)["total"] == 10
    assert page.get_by_text("no: exempt by tag").first.is_visible()
    page.get_by_label("AWS and dormant disagree").uncheck()
    assert len(page.evaluate(_VISIBLE_NAMES)) == 30
    # A report without AWS's findings has no such filter.
    assert open_page(big_report.path).locator("#disagree-only").count() == 0
