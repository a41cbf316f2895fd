"""Every ``--help`` fits an 80-column terminal: every command and subcommand of the group,
found by walking it (a command added later is covered as it lands), rendered as a user's
terminal of 80 columns renders it (``COLUMNS=80``), and no line wider than 80.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner

from dormant.cli.main import cli

WIDTH = 80


def _walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1] if path else "dormant")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, (*path, name)
            yield from _walk(sub, (*path, name))


PATHS = list(_walk(cli, ()))


def test_the_walk_finds_every_command_and_subcommand() -> None:
    names = {" ".join(path) for path in PATHS}
    assert {"", "scan", "retire", "export", "export securityhub"} <= names
    assert len(names) == len(PATHS) > 15


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(("dormant", *path)))
def test_help_fits_80_columns(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(
        cli, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, prog_name="dormant"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: dormant")
    wide = [line for line in result.output.splitlines() if len(line) > WIDTH]
    assert wide == [], "\n".join(f"{len(line)}: {line}" for line in wide)


def test_the_real_entry_point_fits_retire_in_80_columns(dormant: Any) -> None:
    done = dormant("retire", "--help", env={"COLUMNS": str(WIDTH)})
    assert done.returncode == 0, done.stderr
    assert "For every role of the account, one step:" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= WIDTH
