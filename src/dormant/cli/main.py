"""The ``dormant`` command group: the edge where errors become messages and exit codes.

Subcommands load lazily, so ``dormant --help`` and a failing option stay fast and a
command's heavy imports (moto for the demo, jinja2 for reports) load only when used.
Exit codes: 0 clean, 1 findings (or, for remediation, a role refused or failed), 2 usage
or input error, 3 some accounts of a multi-account scan failed, 130 interrupted (Ctrl-C),
141 the reader of standard output went away (``| head``), as for a command killed by
SIGPIPE. A ``DormantError``, a usage error (an unknown option, a bad choice) or an
interrupt is one line on stderr, never a traceback; a closed pipe is silent.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Any

import click

from dormant.core.errors import DormantError
from dormant.core.version import __version__

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "cli", "main", "usage_message"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE

# name -> ("module:attribute", one-line help); each module owns its command. The help
# lines live here so that `dormant --help` imports no command module.
_COMMANDS = {
    "scan": ("dormant.roles.cli:scan", "Find unused roles in an account, a snapshot or an org."),
    "permissions": ("dormant.permissions.cli:permissions", "Find unused services in used roles."),
    "report": ("dormant.commands.report:report", "Print the Config rule's recorded results."),
    "users": ("dormant.users.cli:users", "Find IAM users' unused passwords and access keys."),
    "assignments": (
        "dormant.assignments.cli:assignments",
        "Find Identity Center permission sets unused in each account.",
    ),
    "demo": ("dormant.commands.demo:demo", "Run the whole Config rule on a simulated account."),
    "quarantine": (
        "dormant.commands.remediation:quarantine",
        "Deny a role (or --user) every action (reversible).",
    ),
    "release": (
        "dormant.commands.remediation:release",
        "Remove what quarantine or restrict added.",
    ),
    "restrict": (
        "dormant.permissions.cli_remediate:restrict",
        "Deny a role its unused services (reversible).",
    ),
    "delete": (
        "dormant.commands.remediation:delete",
        "Back up roles to a directory, then delete them.",
    ),
    "restore": (
        "dormant.commands.remediation:restore",
        "Recreate deleted roles from their backups.",
    ),
    "unassign": (
        "dormant.assignments.cli_remediate:unassign_command",
        "Remove an unused permission set's assignments in an account.",
    ),
    "cost": ("dormant.cli.cost:cost", "Monthly AWS Config cost of the rule: full vs changes mode."),
    "export": ("dormant.commands.export:export", "Send a scan's findings to AWS Security Hub."),
    "retire": (
        "dormant.commands.retire:retire",
        "Retire unused roles and users: notice, quarantine, delete.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        target = entry[0]
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DormantError as exc:
            # One line, no traceback; the exit code belongs to the exception.
            click.echo(f"dormant: error: {' '.join(str(exc).split())}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Caught here because click would turn it into "Aborted!" and exit 1. Any
            # --output was left as it was by output_stream on the way up.
            _interrupted()
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_BROKEN_PIPE)


def _interrupted() -> None:
    with contextlib.suppress(OSError):
        click.echo("dormant: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered for the closed
    pipe is not written (and fails again, noisily) when Python flushes it at exit."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dormant")
def cli() -> None:
    """Find unused AWS IAM roles, report them, and retire them safely.

    Start with `dormant demo` (no AWS account needed), then `dormant scan`.
    """


def main() -> None:
    try:
        code = cli.main(prog_name="dormant", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # `dormant` alone: the help, as before
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        # Usage errors (an unknown option, a value not among the choices) become the one
        # line every other error is, as the AWS CLI's are.
        click.echo(f"dormant: error: {usage_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        _interrupted()
    except BrokenPipeError:
        # `dormant scan | head` closed the pipe: not an error worth a traceback.
        _quiet_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except KeyboardInterrupt:
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


def usage_message(exc: click.ClickException) -> str:
    """``no such option: --nope (see 'dormant scan --help')``: the message on one line."""
    message = " ".join(exc.format_message().split())
    message = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message = message.rstrip(".") + f" (see '{ctx.command_path} --help')"
    return message
