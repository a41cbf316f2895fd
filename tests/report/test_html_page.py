"""The HTML page's markup, without a browser: the rows' filter data, cut lists, any layout.

The behaviour in a browser is tested in tests/browser; these check what the server writes.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from dormant.core.model import Compliance
from dormant.report import ReportMeta
from dormant.report.html import breakable, render_html
from dormant.report.html_cells import items, row_data, text
from dormant.report.layout import Column, Layout
from dormant.roles.layout import ROLE_LAYOUT, Row
from dormant.roles.model import Risk, Role

NOW = datetime(2024, 6, 1, tzinfo=UTC)
HOSTILE = '<b onclick="x()">Mine & "yours"</b>'


class _Cells(HTMLParser):
    """The attributes of every row's first cell, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.first_cells: list[dict[str, str | None]] = []
        self.controls: dict[str, str | None] | None = None
        self._in_body = False
        self._row_start = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row_start = True
        elif tag == "td" and self._row_start:
            self.first_cells.append(dict(attrs))
            self._row_start = False
        elif tag == "div" and dict(attrs).get("id") == "controls":
            self.controls = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False


def _render(lines: list[Any], layout: Layout = ROLE_LAYOUT) -> str:
    meta = ReportMeta(layout=layout, kind="scan", generated_at=NOW, source="test")
    out = io.StringIO()
    render_html(lines, meta, out)
    return out.getvalue()


def _row(name: str, annotation: str, *, accounts: int = 0, admin: bool = False) -> Row:
    role = Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/Team/Deploy/",
        arn=f"arn:aws:iam::111111111111:role/Team/Deploy/{name}",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        account_id="111111111111",
    )
    risk = Risk(trusted_accounts=tuple(f"{222222222200 + n}" for n in range(accounts)), admin=admin)
    return Row(
        "111111111111", name, role.role_id, Compliance.NON_COMPLIANT, annotation, role, risk=risk
    )


def test_rows_carry_escaped_filter_data_in_their_first_cell() -> None:
    html = _render([_row("Builder", HOSTILE, admin=True), _row("Reader", "No record of usage")])
    assert HOSTILE not in html
    parsed = _Cells()
    parsed.feed(html)
    assert parsed.first_cells == [
        {
            "data-sort": "Builder",
            "data-compliance": "NON_COMPLIANT",
            "data-admin": "1",
            "data-referenced": "",
            "data-exempt": "0",
            "data-account": "111111111111",  # the accounts card counts rows shown
            "data-search": 'builder /team/deploy/ <b onclick="x()">mine & "yours"</b>',
            "data-bucket": "6",  # never used: the chart's last bar
        },
        {
            "data-sort": "Reader",
            "data-compliance": "NON_COMPLIANT",
            "data-admin": "0",
            "data-referenced": "",
            "data-exempt": "0",
            "data-account": "111111111111",
            "data-search": "reader /team/deploy/ no record of usage",
            "data-bucket": "6",
        },
    ]
    # The controls need the script: hidden until it runs.
    assert parsed.controls is not None
    assert "hidden" in parsed.controls


def test_long_principal_lists_show_three_and_the_rest_behind_more() -> None:
    html = _render([_row("Wide", "", accounts=40), _row("Narrow", "", accounts=4)])
    assert html.count("<summary>+37 more</summary>") == 1
    assert "+1 more" not in html  # four fit: hiding one would save nothing
    cut = items("accounts", [str(n) for n in range(40)])
    assert cut.shown == ("0", "1", "2")
    assert len(cut.more) == 37
    assert items("accounts", ["a", "b", "c", "d"]).more == ()


def test_long_texts_cut_at_a_word_and_lose_nothing() -> None:
    value = "word " * 60
    cut = text(value)
    assert cut.head + cut.rest == value
    assert cut.head.endswith("word")
    assert len(cut.head) <= 160
    assert text("short").rest == ""


@dataclass(frozen=True)
class _User:
    account_id: str
    name: str
    compliance: Compliance
    annotation: str
    admin: bool
    owner: str | None
    exempt: bool = False
    resource_type: str = "AWS::IAM::User"
    resource_id: str = "AIDA0001"
    arn: str | None = None


def test_search_text_includes_an_owner_when_a_kind_has_one() -> None:
    user = _User("111111111111", "Alice", Compliance.COMPLIANT, "Key used 3 days ago", False, "Ops")
    assert row_data(user).search == "alice ops key used 3 days ago"
    assert row_data(dataclasses.replace(user, owner=None)).search == "alice key used 3 days ago"


def test_a_layout_column_the_roles_table_lacks_is_shown() -> None:
    layout = dataclasses.replace(
        ROLE_LAYOUT, columns=(*ROLE_LAYOUT.columns, Column("Ticket", lambda row: "team-x"))
    )
    html = _render([_row("Builder", "")], layout)
    assert "<th>Ticket</th>" in html
    assert '<td data-sort="">team-x</td>' in html
    assert html.count("<th") == _render([_row("Builder", "")]).count("<th") + 1


def test_long_names_may_break_only_after_separators_and_stay_escaped() -> None:
    assert str(breakable("AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc")) == (
        "AWSReservedSSO_<wbr>AdministratorAccess_<wbr>dc6414f7f2ab04fc"
    )
    assert str(breakable("ap-northeast-2")) == "ap-<wbr>northeast-<wbr>2"
    # A part too long for any column may also break where a camelCase word starts.
    assert str(breakable("AWSServiceRoleForAmazonElasticsearchService")) == (
        "AWSService<wbr>Role<wbr>For<wbr>Amazon<wbr>Elasticsearch<wbr>Service"
    )
    assert str(breakable('<img src="x">_a&b')) == "&lt;img src=<wbr>&#34;x&#34;&gt;_<wbr>a&amp;b"
    html = _render([_row("role_with_parts", "No record of usage")])
    assert "<b>role_<wbr>with_<wbr>parts</b>" in html
