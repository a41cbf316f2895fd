"""`dormant permissions` on a terminal: a table by default, a progress bar on stderr only."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from permissions_support import seed_role

from dormant_sim import access

# The pseudo-terminal runner of the scan's terminal test, shared rather than copied.
sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
from test_cli_terminal import _run_on_terminals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs pseudo-terminals")


def test_terminal_gets_a_table_and_a_progress_bar(sim_server: Any) -> None:
    now = datetime.now(UTC)
    access.set_polls_to_complete(0)
    seed_role(sim_server, "app", now, used={"s3": 1})
    env = sim_server.env()
    env.update({"TERM": "xterm-256color", "COLUMNS": "200"})
    env.pop("NO_COLOR", None)
    code, out, err = _run_on_terminals(["permissions", "app"], env)
    assert code == 1
    assert "NON_COMPLIANT" in out
    assert "kms, sqs" in out
    assert "Reading last access" in err
    assert "Reading last access" not in out
