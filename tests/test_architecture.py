"""The architecture as checks: import-linter's layers hold, and a broken layer is caught.

The contracts live in pyproject.toml ([tool.importlinter]); .ci/run runs `lint-imports`
on the tree. These tests show the check is not one that cannot fail, and hold the other
structural promises: small modules, and a core that the base install can import.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 400


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    shutil.copytree(
        SOURCE, copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_every_contract(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("dormant/rules.py", "import boto3\n", "The pure core never reaches AWS"),
        # Hidden inside a function, where a runtime import probe would never see it.
        (
            "dormant/org.py",
            "def _hidden() -> None:\n    from dormant.aws import session  # noqa: F401\n",
            "The pure core never reaches AWS",
        ),
        ("dormant/handler.py", "import click\n", "The Lambda handler carries no"),
        ("dormant/remediation/runner.py", "import dormant.cli.main\n", "The pure core"),
        ("dormant/cli/scan.py", "import boto3\n", "boto3 and botocore are imported only"),
        ("dormant/report/csv.py", "import dormant_sim\n", "The pure core"),
    ],
)
def test_breaking_a_layer_fails_the_check(
    tree_copy: Path, tmp_path: Path, module: str, line: str, contract: str
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tree_copy, broken)
    target = broken / "src" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    result = _lint_imports(broken)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout
    assert "BROKEN" in result.stdout


def test_no_module_is_longer_than_400_lines() -> None:
    long = {
        str(path.relative_to(SOURCE)): count
        for path in SOURCE.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_the_core_and_the_fakes_import_with_the_base_dependencies_only() -> None:
    # What `pip install .` gives: no moto, and the core must not even load boto3.
    code = (
        "import json, sys\n"
        "import dormant, dormant.testing, dormant.service, dormant.org, dormant.report\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    leaked = set(json.loads(out)) & {"boto3", "botocore", "moto", "dormant_sim", "click"}
    assert not leaked, f"the core pulled in {sorted(leaked)}"


def test_every_module_outside_the_edges_is_held_to_the_pure_core_contract() -> None:
    # A forbidden contract checks only the modules it names: a new core module left out of
    # the list would escape the check, so the list is compared with the package itself.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["name"].startswith("The pure core"))
    edges = {"handler", "cli", "aws", "__main__", "examples"}
    package = SOURCE / "dormant"
    modules = {
        f"dormant.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    expected = {m for m in modules if m.split(".")[1] not in edges}
    assert expected <= set(pure["source_modules"]), sorted(expected - set(pure["source_modules"]))
