"""tools/build_lambda.py: same sources give the same bytes; only what the function needs.

The handler check imports ``dormant.handler`` from the extracted zip in a fresh
interpreter whose only source of ``dormant`` is the zip (no site hooks, so an editable
install of the project cannot stand in for it); the modules it loads are exactly the zip's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from deploy_support import BUILD_SCRIPT, PACKAGE_SOURCE, load_build_script

build = load_build_script()

# What the function never imports: the command line, its renderers, remediation, the
# in-memory fakes, the examples, snapshots, organization scans, quarantine's pure data
# (the SSM document and the command line use it) and the command line's adapters (IAM
# writes, the organization scan).
EXCLUDED_FOLDERS = (
    "cli",
    "commands",
    "report",
    "sim",
    "remediation",
    "remediate",
    "testing",
    "examples",
)
EXCLUDED_FILES = (
    "snapshot.py",
    "__main__.py",
    "quarantine.py",
    "remediate.py",
    "aws_mutator.py",
    "aws_accounts.py",
    "cli.py",
    "cli_remediate.py",
    "layout.py",
)
EXCLUDED_ADAPTERS = ("dormant/aws/orgs.py", "dormant/engine/accounts.py")
# The modules the function needs (the contract with the package).
REQUIRED = (
    "__init__.py",
    "core/errors.py",
    "core/model.py",
    "core/settings.py",
    "core/evaluations.py",
    "core/events.py",
    "engine/rule.py",
    "roles/model.py",
    "roles/decide.py",
    "roles/records.py",
    "roles/aws.py",
    "users/decide.py",
    "users/aws.py",
    "handler.py",
    "aws/__init__.py",
    "aws/config.py",
    "aws/session.py",
    "py.typed",
)


@pytest.fixture
def built_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Built for each test (it takes milliseconds), so that comparisons never span an edit
    # of the sources made while the suite runs.
    output = tmp_path_factory.mktemp("build") / "dormant-lambda.zip"
    build.build_zip(PACKAGE_SOURCE, output)
    return output


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_same_sources_same_bytes(built_zip: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.zip"
    build.build_zip(PACKAGE_SOURCE, again)
    assert again.read_bytes() == built_zip.read_bytes()


def test_timestamps_and_permissions_of_the_checkout_do_not_matter(
    built_zip: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "dormant"
    shutil.copytree(PACKAGE_SOURCE, copy)
    for number, path in enumerate(sorted(copy.rglob("*"))):
        if path.is_file():
            path.chmod(0o755 if number % 2 else 0o600)
            os.utime(path, (1_700_000_000 + number, 1_700_000_000 + number))
    output = tmp_path / "copy.zip"
    build.build_zip(copy, output)
    assert output.read_bytes() == built_zip.read_bytes()


def test_entries_are_sorted_with_fixed_time_and_mode(built_zip: Path) -> None:
    with zipfile.ZipFile(built_zip) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
        assert info.external_attr >> 16 == 0o100644, info.filename
        assert not info.is_dir()


def test_zip_holds_the_function_modules(built_zip: Path) -> None:
    names = set(_names(built_zip))
    for required in REQUIRED:
        assert f"dormant/{required}" in names


def test_zip_holds_nothing_else(built_zip: Path) -> None:
    for name in _names(built_zip):
        parts = name.split("/")
        assert parts[0] == "dormant", name  # no boto3, botocore, click, ... at the root
        assert not set(parts[1:-1]) & {*EXCLUDED_FOLDERS, "__pycache__"}, name
        assert parts[-1] not in EXCLUDED_FILES, name
        assert name not in EXCLUDED_ADAPTERS, name
        assert name.endswith((".py", "/py.typed")), name


def test_handler_resolves_in_the_built_zip_and_loads_exactly_its_modules(
    built_zip: Path, tmp_path: Path
) -> None:
    root = tmp_path / "lambda-root"
    with zipfile.ZipFile(built_zip) as archive:
        archive.extractall(root)
    # -S: no site hooks (an editable install would otherwise win); add site-packages back
    # by hand, for boto3, which the Lambda runtime provides.
    probe = textwrap.dedent(
        """
        import importlib, json, site, sys
        root = sys.argv[1]
        sys.path[:0] = [root]
        sys.path += site.getsitepackages()
        module_name, _, function_name = "dormant.handler.lambda_handler".rpartition(".")
        module = importlib.import_module(module_name)
        assert module.__file__.startswith(root), module.__file__
        assert callable(getattr(module, function_name))
        outside = {"click", "rich", "jinja2", "moto", "yaml", "dormant_sim"}
        leaked = sorted(outside & set(sys.modules))
        assert not leaked, leaked
        loaded = sorted(n for n in sys.modules if n == "dormant" or n.startswith("dormant."))
        print(json.dumps(loaded))
        """
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # The trace of a real import and the build's walk of the imports agree: the zip lacks
    # nothing the handler loads and carries nothing it does not (the function's modules
    # import nothing lazily, so importing the handler loads all it will ever need).
    loaded = set(json.loads(result.stdout))
    zipped = {
        name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for name in _names(built_zip)
        if name.endswith(".py")
    }
    assert loaded == zipped


# --- The guard behind the deny-list ---------------------------------------------------------


# A handler that imports the core modules the fake packages below define (a name that is
# no file of the package is a name inside a module, and the walk passes it by).
FAKE_HANDLER = (
    "from dormant.roles import decide, aws\n"
    "from dormant.engine import rule\n"
    "from dormant.core import events\n"
    "from dormant.aws import config\n"
    "def lambda_handler(e, c): ...\n"
)


def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "dormant"
    for name, text in {"__init__.py": "", "handler.py": FAKE_HANDLER}.items():
        files.setdefault(name, text)
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


@pytest.mark.parametrize(
    ("files", "culprit"),
    [
        ({"roles/decide.py": "import click\n"}, "decide.py imports click"),
        ({"roles/aws.py": "def f():\n    from rich import print\n"}, "aws.py imports rich"),
        ({"handler.py": "from dormant.cli import main\n"}, "imports dormant.cli"),
        (
            {"engine/rule.py": "from ..roles.snapshot import read\n"},
            "imports dormant.roles.snapshot",
        ),
        ({"aws/config.py": "from dormant_sim import strict\n"}, "imports dormant_sim"),
        ({"roles/decide.py": "def f():\n    import moto\n"}, "decide.py imports moto"),
        ({"core/events.py": "from dormant import report\n"}, "imports dormant.report"),
        (
            {"handler.py": "from dormant.roles import aws_mutator\n"},
            "imports dormant.roles.aws_mutator",
        ),
    ],
)
def test_build_refuses_a_module_that_needs_what_stays_out(
    tmp_path: Path, files: dict[str, str], culprit: str
) -> None:
    package = _fake_package(tmp_path, files)
    with pytest.raises(build.BuildError, match=culprit):
        build.build_zip(package, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_build_accepts_boto3_and_the_core(tmp_path: Path) -> None:
    package = _fake_package(
        tmp_path,
        {
            "roles/__init__.py": "",
            "roles/aws.py": "import boto3\nfrom dormant.core import x\nfrom ..engine import y\n",
            "cli/main.py": "import click\n",  # left out, so its imports do not matter
        },
    )
    names = build.build_zip(package, tmp_path / "out.zip")
    assert names == [
        "dormant/__init__.py",
        "dormant/handler.py",
        "dormant/roles/__init__.py",
        "dormant/roles/aws.py",
    ]


def test_zip_carries_what_the_handler_imports_and_nothing_else(tmp_path: Path) -> None:
    package = _fake_package(
        tmp_path,
        {
            "__init__.py": "from dormant.model import Role\n",
            "model.py": "",
            "roles/__init__.py": "",
            "roles/decide.py": "def f():\n    from . import lazy\n",  # a lazy import runs too
            "roles/lazy.py": "",
            "engine/__init__.py": "",
            "engine/rule.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from dormant import typing_only\n",  # never runs: not needed
            "typing_only.py": "",
            "unused.py": "import dormant.model\n",  # nothing imports it
            "quarantine.py": "",
            "py.typed": "",
        },
    )
    names = build.build_zip(package, tmp_path / "out.zip")
    assert names == [
        "dormant/__init__.py",
        "dormant/engine/__init__.py",
        "dormant/engine/rule.py",
        "dormant/handler.py",
        "dormant/model.py",
        "dormant/py.typed",
        "dormant/roles/__init__.py",
        "dormant/roles/decide.py",
        "dormant/roles/lazy.py",
    ]


def _run_script(*args: str) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_command_builds_the_zip(tmp_path: Path, built_zip: Path) -> None:
    output = tmp_path / "cli.zip"
    result = _run_script("--output", str(output))
    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == built_zip.read_bytes()
    assert str(output) in result.stdout


def test_command_without_a_handler_fails_with_one_line(tmp_path: Path) -> None:
    package = _fake_package(tmp_path, {"handler.py": "def other(): ...\n"})
    result = _run_script("--source", str(package), "--output", str(tmp_path / "x.zip"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "lambda_handler" in result.stderr
    assert "Traceback" not in result.stderr
