"""On a terminal: the coloured table is the default and a progress bar shows on stderr.

stdout and stderr are separate pseudo-terminals, so the test sees which stream got what.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from dormant_sim import seed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs pseudo-terminals")


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed
            return
        if not chunk:
            return
        into.append(chunk)


def _run_on_terminals(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "dormant", *args], stdout=out_slave, stderr=err_slave, env=env
    )
    os.close(out_slave)
    os.close(err_slave)
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=_read_all, args=(out_master, out)),
        threading.Thread(target=_read_all, args=(err_master, err)),
    ]
    for reader in readers:
        reader.start()
    code = process.wait(timeout=120)
    for reader in readers:
        reader.join(timeout=10)
    os.close(out_master)
    os.close(err_master)
    return code, b"".join(out).decode(), b"".join(err).decode()


def test_terminal_gets_a_coloured_table_and_a_progress_bar(sim_server) -> None:
    seeded = sim_server.seed_demo_account(seed.DEFAULT_ACCOUNT_ID, datetime.now(UTC))
    env = sim_server.env()
    env.update({"TERM": "xterm-256color", "COLUMNS": "200"})
    env.pop("NO_COLOR", None)
    code, out, err = _run_on_terminals(["scan"], env)
    assert code == 1
    assert "\x1b[" in out  # colour
    lines = [line for line in out.splitlines() if "COMPLIANT" in line or "NOT_APPLICABLE" in line]
    assert len(lines) == len(seeded)
    assert "NON_COMPLIANT" in lines[0]  # non-compliant first
    assert "VendorAuditRole" in lines[0]  # the riskiest: admin power, trusted by an account
    assert f"Reading roles of {seed.DEFAULT_ACCOUNT_ID}" in err
    assert "Reading roles" not in out


def _visible(text: str) -> list[str]:
    """The lines a terminal shows: colour codes and carriage returns removed."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")
    return plain.splitlines()


def test_the_demo_reads_well_on_an_80_column_terminal() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"TERM": "xterm-256color", "COLUMNS": "80"})
    code, out, err = _run_on_terminals(["demo"], env)
    assert code == 0, err
    shown = _visible(out)
    story = _visible(err)
    for line in shown + story:
        assert cell_len(line) <= 80, line
    rows = [
        line for line in shown if re.search(r"\b(NON_COMPLIANT|COMPLIANT|NOT_APPLICABLE)\b", line)
    ]
    assert len(rows) == 13  # one line carries each role's name and whole compliance word
    assert rows[0].startswith("VendorAuditRole ")
    assert any(line.startswith("security-incident-respon… ") for line in rows)
    assert any("not shown at this width: Risk, Owner" in line for line in shown)
    assert len(shown) <= 13 * 3 + 6
    # The narration wraps between words, the owner is a plain name, sentences end once.
    assert any(line.startswith("   iam-role-last-used-users` prints:") for line in story)
    assert "dev-team." in out
    assert "<dev-team>" not in out
    assert "platform.;" not in err


def test_retire_fits_an_80_column_terminal(sim_server) -> None:
    """The retire plan is a fitted table too: names (or a unique prefix), whole step words."""
    now = datetime.now(UTC)
    long_names = [
        "AWSReservedSSO_AdministratorAccess_dc6414f7f2ab04fc",
        "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b",
        "OldJob",
    ]
    for name in long_names:
        sim_server.put_role(
            seed.DEFAULT_ACCOUNT_ID,
            name,
            created=now - timedelta(days=400),
            last_used=now - timedelta(days=200),
            tags={"owner": "identity-and-access-management-guild"},
        )
    env = sim_server.env()
    env.update({"TERM": "xterm-256color", "COLUMNS": "80"})
    env.pop("NO_COLOR", None)
    code, out, err = _run_on_terminals(["retire"], env)
    assert code == 0, err
    shown = _visible(out)
    for line in shown:
        assert cell_len(line) <= 80, line
    firsts = {line.split("   ")[0]: line for line in shown if " quarantine " in line}
    for name in long_names:
        [cell] = [c for c in firsts if c == name or (c.endswith("…") and name.startswith(c[:-1]))]
        assert cell == name or len(cell) >= 25, cell
        assert [n for n in long_names if n.startswith(cell.rstrip("…"))] == [name]
    assert shown[-1] == "summary: quarantine 3, delete 0, keep 0; done 0, failed 0"
