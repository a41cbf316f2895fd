"""Run the real command line (``python -m dormant``) as a subprocess, with no AWS setup."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "dormant"
    / "examples"
    / "account-authorization-details.json"
)
AS_OF = "2024-06-01T00:00:00Z"

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def example() -> Path:
    """The snapshot bundled with the package (AWS CLI v1 dates)."""
    return EXAMPLE


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without any AWS setting, so nothing can reach a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "COLUMNS": "200",
        }
    )
    env.update(extra or {})
    return env


@pytest.fixture
def dormant() -> Runner:
    def run(
        *args: str,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dormant", *args],
            input=input,
            capture_output=True,
            text=True,
            env=clean_env(env),
            cwd=cwd,
            timeout=120,
            check=False,
        )

    return run
