"""Build the Lambda deployment zip of the dormant Config rule, deterministically.

    python tools/build_lambda.py [--output build/dormant-lambda.zip] [--source src/dormant]

The zip holds the package ``dormant/`` at its root (the handler is
``dormant.handler.lambda_handler``) and nothing else: no boto3 or botocore (the
Lambda Python runtime ships them), no command-line dependencies.

What goes in is decided by a deny-list, so that a new core module ships without an
edit here: every ``*.py`` file and ``py.typed`` under the package, except

- the folders ``cli/``, ``report/``, ``sim/``, ``remediation/``, ``testing/``,
  ``examples/`` (the command line, its renderers, the simulated account, the remediation
  commands, the in-memory fakes for tests);
- the modules ``snapshot.py``, ``org.py`` and ``__main__.py`` (offline snapshots,
  organization scans and ``python -m dormant`` belong to the command line);
- the adapters only the command line uses: ``aws/mutator.py`` (remediation's IAM
  writes: the function never writes IAM, and its zip carries no code that does) and
  ``aws/orgs.py`` (the organization scan);
- ``__pycache__`` and every other file.

A guard backs the deny-list: every module that goes in is parsed, and the build
fails, naming the file, if one imports click, rich, jinja2, moto or yaml, or a
module the deny-list keeps out. Such a zip would fail at import time in Lambda.

Same sources, same bytes: entries sorted by path, every timestamp 1980-01-01
00:00:00 (the zip format's epoch), permissions 0644, Unix as the creating system,
deflate at level 9, no directory entries. (Compressed bytes also depend on the
zlib that Python links; CPython's usual zlib gives the same output everywhere.)

This script must never download anything, import the package it packs, or write
anywhere but the output file.
"""

from __future__ import annotations

import argparse
import ast
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

__all__ = [
    "EXCLUDED_DIRS",
    "EXCLUDED_MODULES",
    "EXCLUDED_PATHS",
    "FORBIDDEN_IMPORTS",
    "BuildError",
    "build_zip",
    "check_handler",
    "main",
    "select_files",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / "src" / "dormant"
DEFAULT_OUTPUT = REPO_ROOT / "build" / "dormant-lambda.zip"
PACKAGE = "dormant"
HANDLER_MODULE = "handler.py"
HANDLER_FUNCTION = "lambda_handler"

EXCLUDED_DIRS = frozenset(
    {"cli", "report", "sim", "remediation", "testing", "examples", "__pycache__"}
)
EXCLUDED_MODULES = frozenset({"snapshot.py", "org.py", "__main__.py"})
EXCLUDED_PATHS = frozenset({"aws/mutator.py", "aws/orgs.py"})
# Top-level packages that the function must not need: the command line's and the
# simulation's dependencies, none of which the Lambda runtime provides.
FORBIDDEN_IMPORTS = frozenset({"click", "rich", "jinja2", "moto", "yaml"})

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX = 3


class BuildError(Exception):
    """The sources cannot make a working Lambda zip; the message names the file."""


def _included(relative: PurePosixPath) -> bool:
    if any(part in EXCLUDED_DIRS for part in relative.parts[:-1]):
        return False
    name = relative.name
    if name in EXCLUDED_MODULES or str(relative) in EXCLUDED_PATHS:
        return False
    return name.endswith(".py") or name == "py.typed"


def select_files(source: Path) -> list[PurePosixPath]:
    """Paths (relative to the package folder, sorted) of the files that go in the zip."""
    if not (source / "__init__.py").is_file():
        raise BuildError(f"{source} is not the dormant package: it has no __init__.py")
    chosen = []
    for path in source.rglob("*"):
        if path.is_file():
            relative = PurePosixPath(path.relative_to(source).as_posix())
            if _included(relative):
                chosen.append(relative)
    return sorted(chosen)


def _module_name(relative: PurePosixPath) -> str:
    parts = [PACKAGE, *relative.with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Absolute names of every module imported anywhere in the tree (also lazily)."""
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            yield stem
            # `from dormant import cli` imports the submodule dormant.cli.
            yield from (f"{stem}.{alias.name}" for alias in node.names)


def _excluded_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return False
    inner = parts[1:]
    if any(part in EXCLUDED_DIRS for part in inner):
        return True
    if "/".join(inner) + ".py" in EXCLUDED_PATHS:
        return True
    return bool(inner) and f"{inner[-1]}.py" in EXCLUDED_MODULES


def check_imports(source: Path, files: Sequence[PurePosixPath]) -> None:
    """Fail if a module going into the zip needs something that stays out of it."""
    for relative in files:
        if relative.suffix != ".py":
            continue
        path = source / Path(relative)
        tree = ast.parse(path.read_bytes(), filename=str(path))
        module = _module_name(relative)
        for name in _imported_modules(tree, module, relative.name == "__init__.py"):
            top = name.split(".")[0]
            if top in FORBIDDEN_IMPORTS or _excluded_module(name):
                raise BuildError(
                    f"{path} imports {name}, which the Lambda zip does not carry; "
                    "move that import out of the function's modules"
                )


def check_handler(source: Path) -> None:
    """The template's Handler, dormant.handler.lambda_handler, must be defined."""
    path = source / HANDLER_MODULE
    if not path.is_file():
        raise BuildError(f"{path} is missing: the template's Handler lives there")
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == HANDLER_FUNCTION:
            return
    raise BuildError(f"{path} defines no top-level function {HANDLER_FUNCTION}()")


def build_zip(source: Path, output: Path) -> list[str]:
    """Write the zip to ``output`` and return its entry names, in order."""
    files = select_files(source)
    check_imports(source, files)
    names = [f"{PACKAGE}/{relative}" for relative in files]
    output.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed build never leaves half a zip.
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for relative, name in zip(files, names, strict=True):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = (source / Path(relative)).read_bytes()
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    partial.replace(output)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the dormant Lambda deployment zip (same sources, same bytes)."
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="zip to write (default: build/dormant-lambda.zip, the template's CodeUri)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="the dormant package folder (default: src/dormant)",
    )
    args = parser.parse_args(argv)
    source: Path = args.source
    output: Path = args.output
    try:
        check_handler(source)
        names = build_zip(source, output)
    except (BuildError, OSError, SyntaxError) as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 2
    print(f"{output}: {len(names)} files, {output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
