"""`dormant assignments -f html` in a real browser at 1280 px: one section per permission
set, a row per account it is assigned in; it fits, searches, filters and counts accounts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from dormant.cli.main import cli

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[2] / "src/dormant/examples/identity-center"

_CARDS = """() => Object.fromEntries(Array.from(document.querySelectorAll("#cards [data-count]"))
    .map(card => [card.getAttribute("data-count"), Number(card.querySelector("b").textContent)]))"""
_SECTIONS = """() => Array.from(document.querySelectorAll(".group"))
    .filter(group => group.querySelector("tbody tr:not([hidden])") !== null)
    .map(group => group.querySelector("h2").textContent)"""


def _report(tmp_path: Path) -> Path:
    out = tmp_path / "assignments.html"
    result = CliRunner().invoke(
        cli,
        [
            "assignments",
            "--snapshot",
            str(EXAMPLE),
            "--as-of",
            "2026-06-01T00:00:00Z",
            "-f",
            "html",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output  # unused permission sets found
    return out


def test_sections_by_permission_set_rows_by_account(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    page = open_page(_report(tmp_path))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    sections = page.locator(".group h2").all_inner_texts()
    assert sections == sorted(sections)
    assert all(s.startswith("Permission set ") for s in sections)
    admin = page.locator("#permission-set-administratoraccess")
    assert admin.locator("thead th").first.inner_text() == "Account"
    accounts = admin.locator("tbody td:first-child b").all_inner_texts()
    assert accounts
    assert all(a.isdigit() and len(a) == 12 for a in accounts)
    total_accounts = page.evaluate(_CARDS)["accounts"]
    assert total_accounts >= 2

    # Searching one account leaves only its sets' rows, and the accounts card says 1.
    page.fill("#search", accounts[0])
    assert page.evaluate(_CARDS)["accounts"] == 1
    assert "Permission set AdministratorAccess" in page.evaluate(_SECTIONS)
    page.fill("#search", "")
    page.get_by_label("non-compliant", exact=True).check()
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll(".group tbody tr:not([hidden])"))
        .map(row => row.cells[1].textContent.trim())"""
    )
    assert set(shown) == {"NON_COMPLIANT"}
    assert page.evaluate(_CARDS)["total"] == len(shown)
