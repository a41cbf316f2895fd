"""A broken local AWS set-up: one line naming the file or profile, exit 2, no traceback.

Each test writes its own AWS config and credentials files in tmp_path and points the
real command line at them (HOME too, so no SSO token cache of the machine is seen).
Nothing here can reach AWS: every case fails before a request is sent, or talks to the
simulation.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

EXIT_USAGE = 2
COMMANDS = {
    "scan": ("scan", "-f", "tsv"),
    "report": ("report", "-f", "tsv"),
    "quarantine": ("quarantine", "SomeRole"),
}


def _assert_one_line_error(result, *needles: str) -> str:
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dormant: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert result.stdout == ""
    return lines[0]


def _aws_files(tmp_path: Path, config: str, credentials: str = "") -> dict[str, str]:
    config_file = tmp_path / "config"
    config_file.write_text(config)
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(credentials)
    return {
        "AWS_CONFIG_FILE": str(config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
        "HOME": str(tmp_path),
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unparseable_config_file_is_named(dormant, tmp_path: Path, command: str) -> None:
    env = _aws_files(tmp_path, "[default\nregion = us-east-1\n")
    result = dormant(*COMMANDS[command], env=env)
    _assert_one_line_error(result, f"AWS configuration file {tmp_path / 'config'}", "parse")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_failing_credential_process_is_named(dormant, tmp_path: Path, command: str) -> None:
    failing = f'{shlex.quote(sys.executable)} -c "import sys; sys.exit(1)"'
    env = _aws_files(
        tmp_path, f"[profile ci]\nregion = us-east-1\ncredential_process = {failing}\n"
    )
    result = dormant(*COMMANDS[command], "--profile", "ci", env=env)
    _assert_one_line_error(result, "AWS profile 'ci': credential_process failed")


@pytest.mark.parametrize("command", ["scan", "report"])
@pytest.mark.parametrize("style", ["legacy", "sso-session"])
def test_an_sso_profile_without_a_cached_token_says_to_log_in(
    dormant, tmp_path: Path, command: str, style: str
) -> None:
    start = "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    role = "sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
    if style == "legacy":
        config = f"[profile dev]\nregion = us-east-1\n{start}{role}"
    else:
        config = f"[profile dev]\nregion = us-east-1\nsso_session = corp\n{role}"
        config += f"[sso-session corp]\n{start}"
    env = {**_aws_files(tmp_path, config), "AWS_PROFILE": "dev"}
    result = dormant(*COMMANDS[command], env=env)
    _assert_one_line_error(
        result, "AWS profile 'dev'", "no valid SSO token", "aws sso login --profile dev"
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_partial_credentials_name_the_missing_key(dormant, tmp_path: Path, command: str) -> None:
    env = _aws_files(
        tmp_path,
        "[default]\nregion = us-east-1\n",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
    )
    result = dormant(*COMMANDS[command], env=env)
    _assert_one_line_error(
        result, "AWS profile 'default'", "partial credentials", "aws_secret_access_key"
    )


def test_a_missing_profile_names_the_files_looked_in(dormant, tmp_path: Path) -> None:
    env = _aws_files(tmp_path, "[default]\nregion = us-east-1\n")
    result = dormant("scan", "--profile", "nowhere", env=env)
    _assert_one_line_error(result, "AWS profile not found", "'nowhere'", str(tmp_path / "config"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_credentials_at_all_names_the_call(dormant, tmp_path: Path, command: str) -> None:
    env = _aws_files(tmp_path, "[default]\nregion = us-east-1\n")
    result = dormant(*COMMANDS[command], env=env)
    _assert_one_line_error(result, "sts:GetCallerIdentity", "no AWS credentials found")


def test_no_region_where_one_is_needed(dormant, sim_server, tmp_path: Path) -> None:
    # AWS Config is regional: `dormant report` needs a Region, and none is configured.
    env = {**sim_server.env(), **_aws_files(tmp_path, "[default]\n")}
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    result = dormant("report", "-f", "tsv", env=env)
    _assert_one_line_error(
        result, "no AWS Region for profile 'default'", "--region", str(tmp_path / "config")
    )
