"""The bundled example rendered in every text format, compared with small golden files.

After an intended change of a format, regenerate and review the diff:

    DORMANT_REGEN_GOLDEN=1 python -m pytest tests/report/test_golden_reports.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AS_OF = "2024-06-01T00:00:00Z"
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "markdown", "table"])
def test_example_matches_golden(dormant, example: Path, fmt: str) -> None:
    # Run next to the file so that the path it reports is the same on every machine.
    result = dormant(
        "scan", "--snapshot", example.name, "--as-of", AS_OF, "--format", fmt, cwd=example.parent
    )
    assert result.returncode == 1, result.stderr
    golden = GOLDEN / f"example.{fmt}"
    if os.environ.get("DORMANT_REGEN_GOLDEN") == "1":
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()
