"""Checks shared by the export tests: a finding as Security Hub's own API model reads it."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.validate import ParamValidator


def validate_batch_import(findings: list[dict[str, Any]]) -> None:
    """Every finding against botocore's own model of BatchImportFindings' input."""
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings}, shape)
    assert not report.has_errors(), report.generate_report()


def assert_ocsf_detection_findings(lines: list[dict[str, Any]]) -> None:
    """The attributes OCSF 1.1 requires of a Detection Finding (class 2004)."""
    for line in lines:
        assert line["class_uid"] == 2004
        assert line["category_uid"] == 2
        assert line["metadata"]["version"].startswith("1.1")
        for key in ("activity_id", "category_uid", "metadata", "severity_id", "time"):
            assert key in line, key
        assert line["type_uid"] == 2004 * 100 + line["activity_id"]
        assert line["finding_info"]["uid"]
        assert line["message"]
