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
        ("dormant/roles/decide.py", "import boto3\n", "The pure core never reaches AWS"),
        # Hidden inside a function, where a runtime import probe would never see it.
        (
            "dormant/engine/accounts.py",
            "def _hidden() -> None:\n    from dormant.aws import session  # noqa: F401\n",
            "Edges over kinds over shared machinery",
        ),
        ("dormant/handler.py", "import click\n", "The Lambda handler carries no"),
        ("dormant/roles/remediate/runner.py", "import dormant.cli.main\n", "The pure core"),
        ("dormant/roles/cli.py", "import boto3\n", "boto3 and botocore are imported only"),
        ("dormant/report/csv.py", "import dormant_sim\n", "The pure core"),
        # A kind never imports another kind (permissions may read roles, not the reverse).
        ("dormant/users/decide.py", "import dormant.roles.decide\n", "A kind never imports"),
        ("dormant/roles/model.py", "import dormant.permissions.model\n", "Edges over kinds"),
        # The shared machinery holds nothing kind-specific.
        ("dormant/core/tags.py", "import dormant.users.model\n", "Edges over kinds"),
        # Inside a kind, the decision never reaches up to its adapters or commands.
        ("dormant/permissions/decide.py", "import dormant.permissions.cli\n", "Every kind has"),
        ("dormant/users/model.py", "import dormant.users.records\n", "Every kind has"),
        # The notices and the campaign's run stay pure; notices hold nothing kind-specific.
        ("dormant/notify/message.py", "import boto3\n", "The pure core never reaches AWS"),
        ("dormant/notify/webhook.py", "import dormant.roles.model\n", "Edges over kinds"),
        ("dormant/campaign/run.py", "import click\n", "The decision core and the engine"),
        ("dormant/users/retire.py", "import dormant.users.cli\n", "Every kind has"),
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
        "import dormant, dormant.testing, dormant.engine.rule, dormant.engine.accounts\n"
        "import dormant.report, dormant.roles.scan, dormant.permissions.scan\n"
        "import dormant.users.decide, dormant.roles.remediate\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    leaked = set(json.loads(out)) & {"boto3", "botocore", "moto", "dormant_sim", "click"}
    assert not leaked, f"the core pulled in {sorted(leaked)}"


KINDS = ("roles", "users", "permissions", "assignments")


def test_the_package_top_holds_only_the_edges_and_packages() -> None:
    package = SOURCE / "dormant"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "handler.py"]


def test_every_package_is_in_the_layers_and_every_kind_in_the_containers() -> None:
    # Contracts name packages, so a new module is covered as it lands; a new package must be
    # placed in the layers by hand, which this holds.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    top = next(c for c in contracts if c["name"].startswith("Edges over kinds"))
    layered = {name.strip() for layer in top["layers"] for name in layer.split("|") if name.strip()}
    package = SOURCE / "dormant"
    packages = {
        f"dormant.{path.name}"
        for path in package.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name != "examples"
    }
    assert packages - {"dormant.handler"} <= layered, sorted(packages - layered)
    inner = next(c for c in contracts if c["name"].startswith("Every kind has"))
    assert sorted(inner["containers"]) == sorted(f"dormant.{kind}" for kind in KINDS)


def test_every_kind_has_the_same_core_modules() -> None:
    for kind in KINDS:
        folder = SOURCE / "dormant" / kind
        for module in ("model.py", "decide.py", "aws.py", "layout.py", "cli.py"):
            assert (folder / module).is_file(), f"{kind}/{module}"
        assert (folder / "remediate.py").is_file() or (folder / "remediate").is_dir(), kind
