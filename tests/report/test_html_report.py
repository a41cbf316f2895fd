"""The HTML report: escaped values, self-contained, a chart, sortable, grouped by account."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from dormant.core.model import AccountFailure
from dormant.core.settings import Settings
from dormant.report import ReportMeta
from dormant.report.html import render_html
from dormant.roles.decide import evaluate_role
from dormant.roles.layout import ROLE_LAYOUT, row_from_finding
from dormant.roles.model import Role

AS_OF = "2024-06-01T00:00:00Z"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>'


class _Tags(HTMLParser):
    """Collects tags and attributes, to check what a browser would load or run."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _hostile_snapshot(example: Path, tmp_path: Path) -> Path:
    document = json.loads(example.read_text())
    document["RoleDetailList"][1]["Tags"].append({"Key": "note", "Value": HOSTILE})
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    return path


def test_html_escapes_values_and_loads_nothing(dormant, example: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = dormant(
        "scan",
        "--snapshot",
        str(_hostile_snapshot(example, tmp_path)),
        "--as-of",
        AS_OF,
        "-o",
        str(target),
    )
    assert result.returncode == 1, result.stderr
    html = target.read_text()
    assert HOSTILE not in html
    # Tags may break after "=" and "/" (<wbr>), each part escaped on its own.
    assert "note=&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html.replace("<wbr>", "")
    parsed = _parse(html)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts == [{}]  # only the inline sorter, no src
    for _, attrs in parsed.tags:
        for name, value in attrs.items():
            if name in {"src", "href", "srcset", "data", "action"}:
                raise AssertionError(f"external reference {name}={value!r}")
    assert not re.search(r"https?://", html)
    assert "alert" not in "".join(parsed.script_text)  # no data pasted into the script


def test_html_has_summary_chart_and_sortable_table(dormant, example: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "html")
    html = result.stdout
    parsed = _parse(html)
    tag_names = [tag for tag, _ in parsed.tags]
    assert tag_names.count("svg") == 1
    bars = [a for t, a in parsed.tags if t == "rect" and a.get("fill") == "#d9534f"]
    assert len(bars) == 7  # one non-compliant segment per range of days
    assert '<div class="card bad"><b>7</b>non-compliant</div>' in html
    tables = [a for t, a in parsed.tags if t == "table"]
    # the example's roles have owner tags: the by-owner table, then the roles
    assert tables == [{"class": "sortable owners"}, {"class": "sortable"}]
    assert html.count("<tr>\n<td data-sort=") == 13
    # Non-compliant and riskiest first, as in the terminal table.
    first_row = html.index("<tbody>")
    assert html.index("LegacyDeployRole", first_row) < html.index("AdminRole", first_row)
    assert "Account 111111111111" not in html  # one account: no grouping


def _role(account: str, name: str, days_ago: int | None, description: str = "") -> Role:
    return Role(
        role_id=f"AROA{account}{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{account}:role/{name}",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        last_used=None if days_ago is None else NOW - timedelta(days=days_ago),
        last_used_region="us-east-1" if days_ago is not None else None,
        description=description or None,
        account_id=account,
    )


def test_html_groups_accounts_and_lists_failures() -> None:
    roles = [
        _role("111111111111", "old-one", 400, description=HOSTILE),
        _role("111111111111", "fresh", 3),
        _role("222222222222", "never", None),
    ]
    rows = [row_from_finding(evaluate_role(r, Settings(), NOW)) for r in roles]
    meta = ReportMeta(
        layout=ROLE_LAYOUT,
        kind="scan",
        generated_at=NOW,
        source="organization (3 active accounts)",
        failures=[AccountFailure("123456789012", "sts:AssumeRole", "AccessDenied: <denied>")],
        multi_account=True,
    )
    out = io.StringIO()
    tally = render_html(rows, meta, out)
    html = out.getvalue()
    assert tally.by_compliance["NON_COMPLIANT"] == 2
    assert html.index("Account 111111111111") < html.index("Account 222222222222")
    assert "Accounts that could not be scanned" in html
    assert "<td>123456789012</td><td>sts:AssumeRole</td><td>AccessDenied: &lt;denied&gt;</td>" in (
        html
    )
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert '<div class="card bad"><b>1</b>accounts failed</div>' in html
