"""End-to-end runs under an IAM that enforces exactly the templates' permissions.

The templates are read and resolved by tests/deploy's `deploy_support`, which this folder
shares (its folder is put on the import path here, as pytest does for tests/deploy itself).
"""

from __future__ import annotations

import sys
from pathlib import Path

_DEPLOY_TESTS = str(Path(__file__).resolve().parents[1] / "deploy")
if _DEPLOY_TESTS not in sys.path:
    sys.path.insert(0, _DEPLOY_TESTS)
