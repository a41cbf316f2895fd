"""dormant_sim is a package of its own: test support beside the product, never inside it."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SIM_ONLY = {"moto", "dormant_sim"}


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env},
    )


def test_dormant_sim_is_importable_with_its_public_names() -> None:
    import dormant_sim
    from dormant_sim import seed, strict

    for name in dormant_sim.__all__:
        assert hasattr(dormant_sim, name), name
    for module in (seed, strict):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_the_simulator_is_no_longer_part_of_dormant() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"dormant\.sim"):
        importlib.import_module("dormant.sim")
    assert not (SRC / "dormant" / "sim").exists()


def test_without_moto_dormant_sim_fails_at_import_naming_the_extra(tmp_path: Path) -> None:
    # A package named moto that fails to import stands in for moto not being installed.
    fake = tmp_path / "moto"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named moto')\n")
    result = _run("import dormant_sim.seed", PYTHONPATH=str(tmp_path))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: dormant_sim is the simulated AWS"), last
    assert "pip install 'dormant[demo]'" in last


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names imported when the module loads (function bodies excluded)."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.If | ast.Try | ast.With):
            # Imports guarded by if/try/with still run when the module loads.
            pending.extend(getattr(node, "body", []))
            pending.extend(getattr(node, "orelse", []))
            pending.extend(getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                pending.extend(handler.body)
    return names


def test_no_module_of_dormant_imports_the_simulator_at_module_level() -> None:
    offenders = []
    for path in sorted((SRC / "dormant").rglob("*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        found = _module_level_imports(tree) & SIM_ONLY
        if found:
            offenders.append(f"{path.relative_to(SRC)}: {sorted(found)}")
    assert not offenders


def test_uninstall_gives_moto_its_own_classes_back() -> None:
    # In a fresh interpreter: the patches are process-global, and other tests rely on them.
    code = """
from moto.config.responses import ConfigResponse
from moto.core.responses import BaseResponse
from moto.iam.responses import IamResponse
from moto.sts.responses import TokenResponse
from dormant_sim import installer

originals = (
    BaseResponse.call_action,
    IamResponse.get_account_authorization_details,
    TokenResponse.assume_role,
    ConfigResponse.put_evaluations,
)
installer.install()
assert installer.installed()
assert BaseResponse.call_action is not originals[0]
assert hasattr(ConfigResponse, "get_compliance_details_by_config_rule")
installer.uninstall()
assert not installer.installed()
assert (
    BaseResponse.call_action,
    IamResponse.get_account_authorization_details,
    TokenResponse.assume_role,
    ConfigResponse.put_evaluations,
) == originals
assert not hasattr(ConfigResponse, "get_compliance_details_by_config_rule")
installer.install()
assert BaseResponse.call_action is not originals[0]
print("ok")
"""
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_every_simulated_service_declares_patches_and_a_reset() -> None:
    from dormant_sim import installer
    from dormant_sim.patching import Patch

    for service in installer.SERVICES:
        assert service.PATCHES, service
        assert all(isinstance(patch, Patch) for patch in service.PATCHES), service
        assert callable(service.reset), service
