"""`dormant demo` shows one used role with unused services, after the rule's report."""

from __future__ import annotations

from typing import Any


def test_demo_shows_a_used_role_with_unused_services(dormant: Any) -> None:
    result = dormant("demo", "-f", "tsv")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 13  # the rule's report is unchanged
    last = result.stderr.splitlines()[-1]
    assert last.startswith(
        "5. `dormant permissions AdminRole` (IAM's service last-access data): NON_COMPLIANT, "
        "21 of 24 granted services unused for more than 90 days: athena, cloudtrail,"
    )
    assert "cloudformation" not in last.split(":", 2)[2].split(";")[0]
    assert last.endswith(
        "`dormant restrict AdminRole` would deny exactly those, and "
        "`dormant release AdminRole` would undo it."
    )
