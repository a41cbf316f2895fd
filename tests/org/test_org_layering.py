"""dormant.org orchestrates without the AWS SDK: only the adapters it calls import boto3."""

from __future__ import annotations

import json
import subprocess
import sys


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
