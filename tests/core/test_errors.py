"""The one exception tree: every error is a DormantError, drawn in the module docstring."""

from __future__ import annotations

import re

import pytest

import dormant.core.errors as errors


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_in_the_tree_and_its_docstring(name: str) -> None:
    error = getattr(errors, name)
    assert issubclass(error, errors.DormantError)
    assert error.exit_code == 2
    drawn = re.search(rf"^\s*(?:[│├└─ ]*){name}\b", errors.__doc__ or "", re.MULTILINE)
    assert drawn, f"{name} is missing from the tree in dormant.core.errors' docstring"


def test_backup_and_demo_failures_are_not_bad_role_data() -> None:
    assert issubclass(errors.SnapshotError, errors.RoleDataError)
    assert issubclass(errors.AssumeRoleError, errors.AwsAccessError)
    for error in (errors.BackupError, errors.DemoUnavailable):
        assert error.__bases__ == (errors.DormantError,)
