"""Every command's help says what that command does, and usage errors are one line.

The walk covers every command and option: an option's help names only choices the option
accepts (``--references ... or none`` on a command that refuses none was the mistake), and
a command's help names only options that command has (``--org/--accounts`` in the demo's).
"""

from __future__ import annotations

import re

import click
import pytest

from dormant.cli.main import _COMMANDS, cli

COMMANDS = sorted(_COMMANDS)
# Options that help text may name from other commands (they say so in the same sentence).
ELSEWHERE = re.compile(r"`dormant [a-z]+[^`]*`|dormant [a-z]+ --[a-z-]+")


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    return command


def _vocabulary() -> dict[str, set[str]]:
    """For each option name, every choice any command accepts for it."""
    words: dict[str, set[str]] = {}
    for name in COMMANDS:
        for param in _command(name).params:
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
                for opt in param.opts:
                    words.setdefault(opt, set()).update(str(c) for c in param.type.choices)
    return words


@pytest.mark.parametrize("name", COMMANDS)
def test_each_documented_choice_is_accepted(name: str) -> None:
    vocabulary = _vocabulary()
    for param in _command(name).params:
        if not isinstance(param, click.Option) or not isinstance(param.type, click.Choice):
            continue
        accepted = {str(c) for c in param.type.choices}
        known = set().union(*(vocabulary.get(opt, set()) for opt in param.opts))
        text = param.help or ""
        for word in known - accepted:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), (
                f"dormant {name} {param.opts[0]}: help names {word!r}, which it refuses"
            )
        for choice in accepted:  # and each choice it accepts really converts
            assert param.type.convert(choice, param, click.Context(_command(name))) == choice


@pytest.mark.parametrize("name", COMMANDS)
def test_help_names_only_options_the_command_has(name: str) -> None:
    command = _command(name)
    ctx = click.Context(
        command,
        info_name=name,
        parent=click.Context(cli, info_name="dormant"),
        terminal_width=100_000,  # no wrapping: an option's name stays whole
        max_content_width=100_000,
    )
    text = ELSEWHERE.sub("", command.get_help(ctx))
    own = {"--help", "-h"}
    own |= {opt for param in command.params for opt in getattr(param, "opts", ())}
    own |= {opt for param in command.params for opt in getattr(param, "secondary_opts", ())}
    named = set(re.findall(r"(?<![\w`])--[a-z][a-z-]*", text))
    assert named <= own, f"dormant {name} --help names {sorted(named - own)}"


def test_no_default_is_shown_in_double_parentheses() -> None:
    for name in COMMANDS:
        command = _command(name)
        ctx = click.Context(command, info_name=name)
        assert "[default: (" not in command.get_help(ctx), name


def test_quarantine_force_promises_nothing_about_deleting() -> None:
    ctx = click.Context(_command("quarantine"), info_name="quarantine")
    help_text = " ".join(_command("quarantine").get_help(ctx).split())
    assert "Also act on roles that CloudFormation" in help_text
    assert "delete roles that something references" not in help_text
    ctx = click.Context(_command("delete"), info_name="delete")
    assert "delete roles that something references" in " ".join(
        _command("delete").get_help(ctx).split()
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["scan", "--format", "nope"],
            "dormant: error: invalid value for '--format' / '-f': 'nope' is not one of",
        ),
        (["scan", "--nope"], "dormant: error: no such option '--nope' (see 'dormant scan --help')"),
        (["nope"], "dormant: error: no such command 'nope' (see 'dormant --help')"),
        (
            ["cost"],
            "dormant: error: give the account's size with --roles N and/or --users N, "
            "e.g. dormant cost --roles 10000",
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(dormant, args: list[str], line: str) -> None:
    result = dormant(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    [shown] = result.stderr.splitlines()
    assert shown.startswith(line)
