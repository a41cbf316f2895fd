"""A real browser for the HTML report: Debian's Chromium driven by Playwright.

- `browser` (session): one headless Chromium per test process, the system's binary
  (``DORMANT_CHROMIUM`` or ``chromium`` on PATH; ``.ci/run`` installs it). Playwright's
  own browser downloads are never used. Every test here is skipped, naming the reason,
  only when no Chromium can be found.
- `big_report` (session): the report of 300 roles in 2 accounts with 64-character
  names, 100-character paths and one role trusting 40 accounts, written once
  (`big_recorded_report`: the same as `dormant report` writes it, one column more).
- `open_page`: opens a report file in a fresh 1280x800 page (JavaScript on or off) and
  fails the test on any console error or warning, page error, dialog or request for
  anything but the file (`page_problems` lists them, for a test to assert on).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from big_report import Report, write_big_report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    configured = os.environ.get("DORMANT_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    configured = os.environ.get("DORMANT_CHROMIUM")
    if configured and not Path(configured).is_file():
        pytest.fail(f"DORMANT_CHROMIUM={configured} is not a file")
    executable = chromium_path()
    if executable is None and os.environ.get("CI"):
        # .ci/run installs chromium: on CI a missing browser is a broken set-up, not a skip.
        pytest.fail("no Chromium found on CI: .ci/run should have installed Debian's chromium")
    if executable is None:
        pytest.skip(
            "no Chromium found: no chromium on PATH nor /usr/bin/chromium (install Debian's"
            " chromium package, as .ci/run does, or set DORMANT_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return write_big_report(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="session")
def big_recorded_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return write_big_report(tmp_path_factory.mktemp("report"), kind="report")


def _console(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(f"console {message.type}: {message.text}")


def _dialog(dialog: Dialog, problems: list[str]) -> None:
    problems.append(f"dialog: {dialog.message}")
    dialog.dismiss()


def _request(request: Request, problems: list[str]) -> None:
    if not request.url.startswith("file:"):
        problems.append(f"request: {request.url}")


@pytest.fixture
def page_problems() -> list[str]:
    """Console errors and warnings, page errors, dialogs and requests off the file."""
    return []


@pytest.fixture
def open_page(browser: Browser, page_problems: list[str]) -> Iterator[Callable[..., Page]]:
    problems = page_problems
    contexts = []

    def opened(report: Path, *, javascript: bool = True, width: int = 1280) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 800}, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _console(message, problems))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: _dialog(dialog, problems))
        page.on("request", lambda request: _request(request, problems))
        page.goto(report.as_uri())
        return page

    yield opened
    for context in contexts:
        context.close()
    assert problems == [], "the page reported problems"
