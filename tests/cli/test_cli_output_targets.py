"""--output onto what is not a plain file: a FIFO, a device, a symlink, a directory.

Only regular files are replaced atomically (temporary file, then rename); renaming over
a device or a FIFO would destroy it, so those are written into directly. A symlink is
followed: its target is replaced and the link stays a link. The real /dev/null is never
touched here.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

AS_OF = "2024-06-01T00:00:00Z"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs FIFOs and symlinks")


def _leftovers(*directories: Path) -> list[str]:
    return [p.name for d in directories for p in d.iterdir() if p.name.endswith(".partial")]


def test_a_fifo_is_written_into_not_replaced(dormant, example: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:  # blocks until dormant opens the other end
            received.append(reader.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json",
                         "-o", str(fifo))  # fmt: skip
    finally:
        if reader.is_alive() and not received:
            # dormant never opened the FIFO: open the writing end so the reader returns.
            with open(fifo, "wb"):
                pass
        reader.join(timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    document = json.loads(received[0])
    assert document["summary"]["non_compliant"] == 7
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert _leftovers(tmp_path) == []


def test_a_character_device_is_written_into_not_replaced(
    dormant, example: Path, tmp_path: Path
) -> None:
    # A private null device node in tmp_path (needs root and a filesystem without nodev).
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(device, "w") as probe:
            probe.write("probe")
    except OSError as exc:
        pytest.skip(f"cannot make a usable device node here: {exc}")
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-o", str(device))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert device.lstat().st_rdev == os.makedev(1, 3)
    assert _leftovers(tmp_path) == []


def test_a_symlink_is_followed_and_its_target_replaced(
    dormant, example: Path, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    target = reports / "latest.json"
    target.write_text("yesterday's report\n")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-o", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert json.loads(target.read_text())["summary"]["non_compliant"] == 7
    assert sorted(p.name for p in reports.iterdir()) == ["latest.json"]
    assert _leftovers(tmp_path, reports) == []


def test_a_dangling_symlink_gets_its_target_created(dormant, example: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)  # relative, as `ln -s new.csv link.csv` makes it
    result = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-o", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink()
    assert target.read_text().startswith("account_id,role_name,")


def test_a_failed_scan_through_a_symlink_keeps_the_target(
    dormant, example: Path, tmp_path: Path
) -> None:
    document = json.loads(example.read_text())
    del document["RoleDetailList"][8]["CreateDate"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    target = tmp_path / "real.csv"
    target.write_text("yesterday's report\n")
    link = tmp_path / "report.csv"
    link.symlink_to(target)
    result = dormant("scan", "--snapshot", str(broken), "-o", str(link))
    assert result.returncode == 2
    assert "CreateDate" in result.stderr
    assert target.read_text() == "yesterday's report\n"
    assert link.is_symlink()
    assert _leftovers(tmp_path) == []


def test_a_directory_is_refused_in_one_line(dormant, example: Path, tmp_path: Path) -> None:
    result = dormant("scan", "--snapshot", str(example), "-f", "json", "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"dormant: error: invalid parameter --output: cannot write {tmp_path}: it is a directory"
    ]
    assert _leftovers(tmp_path) == []
