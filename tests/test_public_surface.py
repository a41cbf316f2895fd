"""The public surface of the pure core is deliberate.

The layering itself is checked statically by import-linter (see tests/test_architecture.py).
"""

from __future__ import annotations

import dormant


def test_exported_members_are_deliberate() -> None:
    assert sorted(dormant.__all__) == sorted(
        [
            "DEFAULT_MAX_DAYS",
            "AssumeRoleError",
            "AwsAccessError",
            "Compliance",
            "DormantError",
            "EvaluationDeliveryError",
            "Finding",
            "InvalidEvent",
            "InvalidParameter",
            "Reason",
            "RemediationRefused",
            "Risk",
            "Role",
            "RoleDataError",
            "Settings",
            "SnapshotError",
            "__version__",
            "evaluate_role",
            "evaluate_roles",
        ]
    )
    for name in dormant.__all__:
        assert hasattr(dormant, name), name
