"""The formats people read: a coloured terminal table and Markdown.

Both show the non-compliant roles first, the most dangerous (administrator power,
trusted by other accounts or by anyone) and the longest unused at the top, so they
need every row before printing: fine for reading, where streaming is not the point.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dormant.model import Compliance, Risk
from dormant.report.rows import ReportMeta, Row, Tally, iso, sort_rows

__all__ = ["render_markdown", "render_table", "risk_text", "unused_text"]

_STYLES = {
    Compliance.NON_COMPLIANT.value: "bold red",
    Compliance.COMPLIANT.value: "green",
    Compliance.NOT_APPLICABLE.value: "dim",
}


def _provider(arn: str) -> str:
    """``arn:aws:iam::111111111111:oidc-provider/token.example.com`` -> the provider's name."""
    resource = arn.split(":", 5)[-1]
    kind, _, name = resource.partition("/")
    if kind == "saml-provider":
        return f"SAML {name}"
    return name or arn


def risk_text(risk: Risk) -> str:
    """``admin; accounts 222222222222; federated ...; services ec2.amazonaws.com``."""
    parts: list[str] = []
    if risk.admin:
        parts.append("admin")
    if risk.trusted_accounts:
        shown = ["anyone (*)" if a == "*" else a for a in risk.trusted_accounts]
        parts.append("accounts " + ", ".join(shown))
    if risk.trusted_federated:
        parts.append("federated " + ", ".join(_provider(p) for p in risk.trusted_federated))
    if risk.trusted_services:
        parts.append("services " + ", ".join(risk.trusted_services))
    return "; ".join(parts)


def unused_text(row: Row) -> str:
    if row.days_unused is not None:
        return str(row.days_unused)
    return "never" if row.never_used else ""


def _summary_line(tally: Tally, meta: ReportMeta) -> str:
    summary = tally.summary(meta.failures)
    text = (
        f"{summary['roles']} roles: {summary['non_compliant']} non-compliant "
        f"({summary['non_compliant_admin']} with admin power), {summary['compliant']} compliant, "
        f"{summary['not_applicable']} not applicable"
    )
    if meta.multi_account or summary["accounts"] > 1:
        text += f"; {summary['accounts']} accounts"
    if summary["failed_accounts"]:
        text += f"; {summary['failed_accounts']} accounts failed"
    return text


def render_table(
    rows: Iterable[Row], meta: ReportMeta, out: TextIO, *, color: bool = False
) -> Tally:
    """A rich table; coloured and as wide as the screen only when writing to a terminal."""
    ordered = sort_rows(rows)
    tally = Tally()
    for row in ordered:
        tally.add(row)
    several = meta.multi_account or len(tally.accounts) > 1
    # Off a terminal the table is captured so that rich's padding can be trimmed: files
    # and golden copies should not end their lines with blanks.
    buffer = None if color else io.StringIO()
    console = Console(
        file=out if buffer is None else buffer,
        force_terminal=color,
        no_color=not color,
        width=None if color else 160,
        highlight=False,
        soft_wrap=False,
    )
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    if several:
        table.add_column("Account", no_wrap=True)
    # Role names are what people copy into the next command: keep them whole and
    # let the prose columns wrap instead.
    table.add_column("Role", no_wrap=True)
    table.add_column("Compliance", no_wrap=True)
    table.add_column("Unused", justify="right", no_wrap=True)
    table.add_column("Risk", overflow="fold")
    table.add_column("Annotation", overflow="fold")
    for row in ordered:
        cells = [
            Text(row.role_name),
            Text(row.compliance, style=_STYLES.get(row.compliance, "")),
            Text(unused_text(row)),
            Text(risk_text(row.risk), style="yellow" if row.risk.score else ""),
            Text(row.annotation),
        ]
        if several:
            cells.insert(0, Text(row.account_id))
        table.add_row(*cells)
    if ordered:
        console.print(table)
    else:
        console.print("No roles.")
    console.print(_summary_line(tally, meta))
    for failure in meta.failures:
        console.print(
            Text(
                f"FAILED account {failure.account_id}: {failure.operation}: {failure.message}",
                style="bold red",
            )
        )
    if buffer is not None:
        out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
    return tally


def _md(text: str) -> str:
    """A Markdown table cell: pipes escaped, HTML neutralised, one line."""
    text = " ".join(text.split())
    for char, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, escaped)
    return text


def render_markdown(rows: Iterable[Row], meta: ReportMeta, out: TextIO) -> Tally:
    ordered = sort_rows(rows)
    tally = Tally()
    for row in ordered:
        tally.add(row)
    several = meta.multi_account or len(tally.accounts) > 1
    lines = [
        f"# {meta.title}",
        "",
        f"{_md(meta.source)}, generated {iso(meta.generated_at)}.",
        "",
        f"**{_md(_summary_line(tally, meta))}**",
        "",
    ]
    if meta.settings:
        settings = ", ".join(f"{key} `{json.dumps(value)}`" for key, value in meta.settings.items())
        lines += [f"Settings: {_md(settings)}", ""]
    header = ["Role", "Compliance", "Days unused", "Risk", "Annotation"]
    if several:
        header.insert(0, "Account")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---:" if h == "Days unused" else "---" for h in header) + "|")
    for row in ordered:
        cells = [
            f"`{_md(row.role_name)}`",
            f"**{row.compliance}**" if row.compliance == "NON_COMPLIANT" else row.compliance,
            unused_text(row),
            _md(risk_text(row.risk)),
            _md(row.annotation),
        ]
        if several:
            cells.insert(0, row.account_id)
        lines.append("| " + " | ".join(cells) + " |")
    if meta.failures:
        lines += ["", "## Accounts that could not be scanned", ""]
        lines += ["| Account | Call | Error |", "|---|---|---|"]
        lines += [
            f"| {_md(f.account_id)} | {_md(f.operation)} | {_md(f.message)} |"
            for f in meta.failures
        ]
    out.write("\n".join(lines) + "\n")
    return tally
