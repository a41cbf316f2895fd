"""In Chromium at 1280 px: names break only where they may, timestamps keep to one line,
and the chart counts the rows the filters leave, as the cards do.

Run on the 300-role report of the other browser tests and on a report of a snapshot shaped
like a real organization's (``table_samples``: Identity Center roles with a hex suffix,
Quick Setup roles per Region, names of IAM's 64 characters).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from big_report import Report
from playwright.sync_api import Page

from dormant.report.html import render_html
from table_samples import scan_sample

pytestmark = pytest.mark.browser

Opener = Callable[..., Page]

# Every line break inside a text node: allowed only where the node (one part of a name
# between two <wbr>) is wider than its cell, so that nothing else could hold it.
_BAD_BREAKS = """(selector) => {
  const bad = [];
  for (const element of document.querySelectorAll(selector)) {
    const cell = element.closest("td");
    const style = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      let top = null;
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) { continue; }
        if (top !== null && rect.top > top + 2 && node.data[i - 1] !== " ") {
          const whole = document.createRange();
          whole.selectNodeContents(node);
          const width = Array.from(whole.getClientRects()).reduce((s, q) => s + q.width, 0);
          if (width <= room) { bad.push(element.textContent); }
        }
        top = rect.top;
      }
    }
  }
  return bad;
}"""
_STAMPS = """() => Array.from(document.querySelectorAll("time.stamp")).map(e => [
  e.getClientRects().length,
  e.getBoundingClientRect().right <= e.closest("td").getBoundingClientRect().right])"""
_CHART = """() => Array.from(document.querySelectorAll("#chart g.bar")).map(g => [
  Number(g.querySelector("text.total").textContent),
  Number(g.querySelector("rect.non-compliant").getAttribute("height")),
  Number(g.querySelector("rect.other").getAttribute("height"))])"""
_SHOWN_CHARTED = """() => Array.from(document.querySelectorAll(".group tbody tr"))
  .filter(row => !row.hidden && row.cells[0].hasAttribute("data-bucket")).length"""


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    rows, meta = scan_sample(folder / "sample.json")
    path = folder / "sample.html"
    with path.open("w", encoding="utf-8") as out:
        render_html(rows, meta, out)
    return path


@pytest.fixture(params=["sample", "big"])
def report_path(request: pytest.FixtureRequest) -> Path:
    if request.param == "sample":
        path: Path = request.getfixturevalue("sample_report")
        return path
    big: Report = request.getfixturevalue("big_report")
    return big.path


def test_names_break_after_separators_and_timestamps_keep_to_one_line(
    report_path: Path, open_page: Opener
) -> None:
    page = open_page(report_path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(_BAD_BREAKS, ".group td:first-child b") == []
    assert page.evaluate(_BAD_BREAKS, ".group .item") == []
    stamps = page.evaluate(_STAMPS)
    assert stamps
    assert all(lines == 1 and inside for lines, inside in stamps)
    regions = page.evaluate(
        "Array.from(document.querySelectorAll('.region')).map(e => e.getClientRects().length)"
    )
    assert set(regions) == {1}


def test_the_chart_follows_the_filters(report_path: Path, open_page: Opener) -> None:
    page = open_page(report_path)
    everything = page.evaluate(_CHART)
    assert sum(total for total, _, _ in everything) == page.evaluate(_SHOWN_CHARTED)
    page.check("input[name=compliance][value=NON_COMPLIANT]")
    non_compliant = page.evaluate(_CHART)
    assert sum(t for t, _, _ in non_compliant) == page.evaluate(_SHOWN_CHARTED)
    assert sum(t for t, _, _ in non_compliant) < sum(t for t, _, _ in everything)
    assert all(green == 0 for _, _, green in non_compliant)  # no compliant role is shown
    page.check("input[name=compliance][value=COMPLIANT]")
    compliant = page.evaluate(_CHART)
    assert all(red == 0 for _, red, _ in compliant)
    assert sum(t for t, _, _ in compliant) == page.evaluate(_SHOWN_CHARTED)
    page.check("input[name=compliance][value='']")
    page.fill("#search", "zzzz-no-such-role")
    assert [t for t, _, _ in page.evaluate(_CHART)] == [0] * len(everything)
    page.fill("#search", "")
    assert page.evaluate(_CHART) == everything


def test_a_recorded_report_keeps_its_timestamps_on_one_line(
    big_recorded_report: Report, open_page: Opener
) -> None:
    page = open_page(big_recorded_report.path)
    stamps = page.evaluate(_STAMPS)
    assert stamps
    assert all(lines == 1 and inside for lines, inside in stamps)
