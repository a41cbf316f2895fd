"""Build the Lambda deployment zip of the dormant Config rule, deterministically.

    python tools/build_lambda.py [--output build/dormant-lambda.zip] [--source src/dormant]
    python tools/build_lambda.py --handler campaign/handler.py --output build/dormant-retire.zip

The zip holds the package ``dormant/`` at its root (the handler is
``dormant.handler.lambda_handler``, the Config rule's; or, with ``--handler
campaign/handler.py``, ``dormant.campaign.handler.lambda_handler``, the retire stack's) and
nothing else: no boto3 or botocore (the Lambda Python runtime ships them), no command-line
dependencies, no simulator.

What goes in is what the handler imports: starting from ``handler.py``, every module
of ``dormant`` that a module going in imports (at the top or inside a function; not
under ``if TYPE_CHECKING:``, which never runs), with the ``__init__.py`` of every
package on the way, and ``py.typed``. A module nothing imports stays out without an
edit here (quarantine.py, snapshot.py, ...), and a new one the handler needs comes in.

A guard backs the import walk: the build fails, naming the file, if a module that goes
in imports click, rich, jinja2, moto, yaml or dormant_sim, or a part of dormant that
only the command line may use (``FORBIDDEN_MODULES``: cli/, report/, remediation/,
testing/, examples/, snapshot.py, org.py, __main__.py, and the adapters aws/mutator.py, which
writes IAM, and aws/orgs.py, the organization scan). Such a zip would fail at import
time in Lambda, or carry code that writes IAM. The retire entry writes IAM by design (its
role's policy bounds what): its guard (``RETIRE_FORBIDDEN_MODULES``) keeps out the command
line, the reports, the Config rule's edge and the organization scan.

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
    "FORBIDDEN_IMPORTS",
    "FORBIDDEN_MODULES",
    "HANDLERS",
    "RETIRE_FORBIDDEN_MODULES",
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
MARKERS = ("py.typed",)

# Parts of dormant the function must never need (a name and everything below it).
FORBIDDEN_MODULES = frozenset(
    {
        "dormant.cli",
        "dormant.commands",
        "dormant.report",
        "dormant.remediation",
        "dormant.testing",
        "dormant.examples",
        "dormant.engine.accounts",
        "dormant.__main__",
        "dormant.aws.orgs",
        "dormant.roles.snapshot",
        "dormant.roles.remediate",
        "dormant.roles.aws_mutator",
        "dormant.roles.aws_accounts",
        "dormant.users.aws_mutator",
        "dormant.users.aws_accounts",
        "dormant.users.remediate",
        "dormant.permissions.remediate",
    }
)
# Parts of dormant the retire function must never need.
RETIRE_FORBIDDEN_MODULES = frozenset(
    {
        "dormant.cli",
        "dormant.commands",
        "dormant.report",
        "dormant.testing",
        "dormant.examples",
        # The assignments' part reads each account through its member role (engine.accounts'
        # pool, aws.orgs' sessions); the roles' part never does.
        "dormant.__main__",
        "dormant.handler",
        "dormant.roles.snapshot",
        "dormant.roles.aws_accounts",
        "dormant.users.aws_accounts",
        "dormant.permissions",
    }
)
# Each entry the templates name (its module, relative to the package) and its guard.
HANDLERS = {
    HANDLER_MODULE: FORBIDDEN_MODULES,
    "campaign/handler.py": RETIRE_FORBIDDEN_MODULES,
}
# Top-level packages that the function must not need: the command line's and the
# simulation's, none of which the Lambda runtime provides.
FORBIDDEN_IMPORTS = frozenset({"click", "rich", "jinja2", "moto", "yaml", "dormant_sim"})

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX = 3


class BuildError(Exception):
    """The sources cannot make a working Lambda zip; the message names the file."""


def _module_name(relative: PurePosixPath) -> str:
    parts = [PACKAGE, *relative.with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _module_file(source: Path, name: str) -> PurePosixPath | None:
    """The file (relative to the package folder) of module `name` of dormant, if there is one."""
    inner = name.split(".")[1:]
    candidates = [PurePosixPath(*inner, "__init__.py")]
    if inner:
        candidates.append(PurePosixPath(*inner[:-1], f"{inner[-1]}.py"))
    for candidate in candidates:
        if (source / Path(candidate)).is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node that can run: all of them but the bodies of `if TYPE_CHECKING:`."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                pending.extend(child.orelse)
            else:
                pending.append(child)


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Absolute names of every module imported where it can run (also lazily)."""
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in _runtime_nodes(tree):
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


def _forbidden(name: str, modules: frozenset[str] = FORBIDDEN_MODULES) -> bool:
    if name.split(".")[0] in FORBIDDEN_IMPORTS:
        return True
    return any(name == f or name.startswith(f + ".") for f in modules)


def _guard(handler: str) -> frozenset[str]:
    if handler not in HANDLERS:
        raise BuildError(f"{handler} is not a handler the templates name ({', '.join(HANDLERS)})")
    return HANDLERS[handler]


def _with_packages(name: str) -> list[str]:
    """`name` and the packages Python imports first: dormant.roles.aws -> dormant, dormant.aws."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def select_files(source: Path, handler: str = HANDLER_MODULE) -> list[PurePosixPath]:
    """Paths (relative to the package folder, sorted) of the files that go in the zip.

    The modules the handler imports, transitively; fails on an import of something the
    function must not need, naming the importing file.
    """
    if not (source / "__init__.py").is_file():
        raise BuildError(f"{source} is not the dormant package: it has no __init__.py")
    modules = _guard(handler)
    chosen: set[PurePosixPath] = set()
    pending = [f"{PACKAGE}.{handler.removesuffix('.py').replace('/', '.')}"]
    while pending:
        name = pending.pop()
        for module in _with_packages(name):
            relative = _module_file(source, module)
            if relative is None or relative in chosen:
                continue  # not a module of dormant (a name inside one), or already walked
            chosen.add(relative)
            path = source / Path(relative)
            tree = ast.parse(path.read_bytes(), filename=str(path))
            for imported in _imported_modules(tree, module, relative.name == "__init__.py"):
                if _forbidden(imported, modules):
                    raise BuildError(
                        f"{path} imports {imported}, which the Lambda zip does not carry; "
                        "move that import out of the function's modules"
                    )
                if imported.split(".")[0] == PACKAGE:
                    pending.append(imported)
    chosen.update(PurePosixPath(m) for m in MARKERS if (source / m).is_file())
    return sorted(chosen)


def check_handler(source: Path, handler: str = HANDLER_MODULE) -> None:
    """The template's Handler (dormant.handler.lambda_handler, or the retire entry's) must
    be defined."""
    path = source / handler
    if not path.is_file():
        raise BuildError(f"{path} is missing: the template's Handler lives there")
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == HANDLER_FUNCTION:
            return
    raise BuildError(f"{path} defines no top-level function {HANDLER_FUNCTION}()")


def build_zip(source: Path, output: Path, handler: str = HANDLER_MODULE) -> list[str]:
    """Write the zip to ``output`` and return its entry names, in order."""
    files = select_files(source, handler)
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
    parser.add_argument(
        "--handler",
        choices=sorted(HANDLERS),
        default=HANDLER_MODULE,
        help="the entry: handler.py (the Config rule, default) or campaign/handler.py "
        "(the retire stack; e.g. --output build/dormant-retire.zip)",
    )
    args = parser.parse_args(argv)
    source: Path = args.source
    output: Path = args.output
    try:
        check_handler(source, args.handler)
        names = build_zip(source, output, args.handler)
    except (BuildError, OSError, SyntaxError) as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 2
    print(f"{output}: {len(names)} files, {output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
