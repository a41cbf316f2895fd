"""The differential test reads the templates' policies with tests/deploy's helpers, whose
folder is put on the import path here (as pytest does for tests/deploy itself)."""

from __future__ import annotations

import sys
from pathlib import Path

_DEPLOY_TESTS = str(Path(__file__).resolve().parents[1] / "deploy")
if _DEPLOY_TESTS not in sys.path:
    sys.path.insert(0, _DEPLOY_TESTS)
