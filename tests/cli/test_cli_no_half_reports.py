"""Nothing reaches standard output before the input is known good.

A snapshot is read as a stream, so a truncated one is found only at its end. Whatever the
cut and the format: one line on stderr, exit 2, an empty standard output (what a shell's
``> report.tsv`` or the next command in a pipe would receive), and no ``--output`` file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

AS_OF = "2024-06-01T00:00:00Z"


def _one_line_error(result) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dormant: error: ")
    assert result.stdout == ""


def _cut(example: Path, tmp_path: Path, fraction: float) -> Path:
    """What ``head -c`` leaves of the file: its first bytes, cut anywhere."""
    data = example.read_bytes()
    cut = tmp_path / f"cut-{fraction}.json"
    cut.write_bytes(data[: int(len(data) * fraction)])
    return cut


@pytest.mark.parametrize("fmt", ["tsv", "json", "csv", "table"])
def test_a_truncated_snapshot_prints_nothing_but_one_error(
    dormant, example: Path, tmp_path: Path, fmt: str
) -> None:
    for fraction in (0.5, 0.999):  # cut in the middle, and just before the end
        cut = _cut(example, tmp_path, fraction)
        _one_line_error(dormant("scan", "--snapshot", str(cut), "--as-of", AS_OF, "-f", fmt))


def test_the_whole_snapshot_makes_a_report(dormant, example: Path) -> None:
    whole = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "tsv")
    assert whole.returncode == 1
    assert len(whole.stdout.splitlines()) == 13


def test_a_truncated_snapshot_on_standard_input_prints_nothing(
    dormant, example: Path, tmp_path: Path
) -> None:
    cut = _cut(example, tmp_path, 0.8)
    result = dormant("scan", "--snapshot", "-", "--as-of", AS_OF, input=cut.read_text())
    _one_line_error(result)


def test_a_truncated_snapshot_leaves_no_output_file(dormant, example: Path, tmp_path: Path) -> None:
    cut = _cut(example, tmp_path, 0.8)
    report = tmp_path / "report.json"
    result = dormant("scan", "--snapshot", str(cut), "--as-of", AS_OF, "-o", str(report))
    _one_line_error(result)
    assert not report.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_a_role_broken_at_the_end_is_found_before_any_row(
    dormant, example: Path, tmp_path: Path
) -> None:
    document = json.loads(example.read_text())
    del document["RoleDetailList"][-1]["CreateDate"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    for fmt in ("tsv", "json"):
        _one_line_error(dormant("scan", "--snapshot", str(broken), "--as-of", AS_OF, "-f", fmt))


def test_a_truncated_from_document_changes_nothing(dormant, example: Path, tmp_path: Path) -> None:
    scan = dormant("scan", "--snapshot", str(example), "--as-of", AS_OF, "-f", "json")
    cut = tmp_path / "scan.json"
    cut.write_text(scan.stdout[: len(scan.stdout) // 2])
    _one_line_error(dormant("quarantine", "--from", str(cut)))
