"""dormant.org is pure: neither it nor anything it imports loads the AWS SDK or the adapters."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import dormant.org


def test_org_module_imports_no_aws_sdk() -> None:
    code = (
        "import json, sys\n"
        "import dormant.org\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    leaked = set(json.loads(out)) & {"boto3", "botocore", "moto", "click", "rich"}
    assert not leaked, f"dormant.org pulled in {sorted(leaked)}"


def test_org_module_imports_no_aws_code_even_inside_functions() -> None:
    # The probe above sees only what importing runs; an import hidden in a function would
    # load the AWS SDK later, at call time. Read every import statement of the source instead.
    tree = ast.parse(Path(dormant.org.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    forbidden = {"boto3", "botocore", "moto", "dormant.aws"}
    leaked = sorted(
        name
        for name in imported
        for root in forbidden
        if name == root or name.startswith(root + ".")
    )
    assert not leaked, f"dormant.org imports {leaked}"
