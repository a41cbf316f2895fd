"""Ctrl-C and a closed pipe, for real: the command runs as a subprocess and gets them.

Ctrl-C: exit 130, one line on stderr, no traceback, --output as it was and no temporary
file left. A reader that goes away (`dormant scan | head -1`): no traceback, nothing on
stderr. Nothing here waits for a time: the test knows the scan is half-way because a
blocking write into its standard input returned, which needs the scan to have read it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

AS_OF = "2024-06-01T00:00:00Z"
EXIT_INTERRUPTED = 130
EXIT_NON_COMPLIANT = 1
EXIT_BROKEN_PIPE = 141

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")


def _big_snapshot(example: Path, copies: int) -> bytes:
    """The bundled snapshot's roles repeated under new names: megabytes of valid input."""
    document = json.loads(example.read_text())
    roles = document["RoleDetailList"]
    document["RoleDetailList"] = [
        {
            **role,
            "RoleName": f"{role['RoleName']}-{n}",
            "RoleId": f"{role['RoleId']}{n}",
            "Arn": f"{role['Arn']}-{n}",
        }
        for n in range(copies)
        for role in roles
    ]
    return json.dumps(document).encode()


def _dormant(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    # As the `dormant` fixture runs it: no AWS setting at all (these scans are offline).
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "dormant", *args], env=env, **kwargs
    )


def test_ctrl_c_mid_scan_leaves_the_output_as_it_was(example: Path, tmp_path: Path) -> None:
    snapshot = _big_snapshot(example, copies=1500)
    # The reader takes 1 MiB a read and a pipe holds 64 KiB: once a blocking write of
    # 4 MiB has returned, the scan has read past its first role, opened the output and
    # written rows to it, and it cannot be done, since stdin is still open.
    head = 4 << 20
    assert len(snapshot) > 3 * head
    out = tmp_path / "out.json"
    out.write_text("yesterday's report\n")
    # --references none: the streaming scan, whose rows are written as the roles are read
    # (with references, the default, rows wait for the whole file).
    process = _dormant(
        "scan", "--snapshot", "-", "--as-of", AS_OF, "-o", str(out), "--references", "none",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    try:
        process.stdin.write(snapshot[:head])
        process.stdin.flush()
        partial = [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
        assert len(partial) == 1, "the scan should be writing its report by now"
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=120)
    finally:
        process.kill()
        stdout, stderr = process.communicate()
    assert returncode == EXIT_INTERRUPTED, stderr
    assert stderr.decode() == "dormant: interrupted\n"
    assert stdout == b""
    assert out.read_text() == "yesterday's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "table", "markdown", "html"])
def test_a_closed_pipe_ends_the_scan_quietly(example: Path, tmp_path: Path, fmt: str) -> None:
    # Far more report than a pipe holds, so the reader goes away while dormant writes.
    big = tmp_path / "big.json"
    big.write_bytes(_big_snapshot(example, copies=400))
    process = _dormant(
        "scan", "--snapshot", str(big), "--as-of", AS_OF, "-f", fmt,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()  # what `| head -1` reads, then it exits
    process.stdout.close()
    stderr = process.stderr.read()
    returncode = process.wait(timeout=120)
    assert first.strip()
    assert stderr.decode() == ""
    # 141 (128 + SIGPIPE) when a write met the closed pipe; 1 (non-compliant roles)
    # when the operating system took the whole report before the reader went away.
    assert returncode in (EXIT_BROKEN_PIPE, EXIT_NON_COMPLIANT)
