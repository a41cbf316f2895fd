"""The README and the manual say what the tool does.

The README stays a first hour (at most 250 lines, the two set-up commands, links into the
manual that exist); its figures are the latest benchmark run's; and every ``dormant ...``
command line in the README and the manual names a command and options that exist.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from dormant.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The manual: docs/ and the two guides its pages include whole.
MANUAL = [
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "deploy" / "README.md",
    ROOT / "benchmarks" / "README.md",
]


def test_the_readme_is_a_first_hour() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "pip install '.[demo]' && dormant demo" in text
    contributing = text.split("## Contributing", 1)[1]
    assert "bash .ci/run" in contributing
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"README links to missing {target}"


def test_the_readmes_figures_are_the_latest_benchmarks() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    results = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text())
    churn, offline = results["churn"], results["offline"]
    first_run = results["live"]["sizes"]["10000"]["dormant"]["first_run_s"]
    expected = [
        f"{churn['changes_share_of_full'] * 100:.1f}% of what",
        f"${float(churn['changes']['usd']):.2f} instead of ${float(churn['full']['usd']):.2f}",
        f"{offline['roles']:,}-role snapshot of {offline['file_mb']:.0f} MB",
        f"in {offline['scan_wall_s']:.2f} s with a peak of {offline['scan_peak_rss_mb']:.0f} MB",
        f"reported in {first_run:.1f} s",
    ]
    for figure in expected:
        assert figure in text, figure


def _command_lines(path: Path) -> Iterator[str]:
    """Each ``dormant ...`` command of a page: in code blocks, and inline in backticks."""
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    for block in blocks:
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"^\s*\$\s+", "", line.split(" #")[0])
            for part in re.split(r"\|\s*|&&\s*|;\s*", line):
                if part.strip().startswith("dormant "):
                    yield part.strip()
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for inline in re.findall(r"`(dormant [^`]+)`", prose):
        yield inline.split(" | ")[0]


def _options(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        names.update(getattr(param, "opts", ()))
        names.update(getattr(param, "secondary_opts", ()))
    return names


def _check(line: str) -> None:
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    command: click.Command = cli
    ctx = click.Context(cli)
    rest = words[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"{line!r}: no command {rest[0]!r}"
        command, rest = sub, rest[1:]
        ctx = click.Context(command)
    known = _options(command)
    for word in rest:
        if word.startswith("-") and word not in ("-",) and not re.match(r"-\d", word):
            option = word.split("=")[0]
            assert option in known, f"{line!r}: dormant {command.name} has no {option}"


@pytest.mark.parametrize("page", [README, *MANUAL], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_line_names_existing_commands_and_options(page: Path) -> None:
    for line in _command_lines(page):
        _check(line)
