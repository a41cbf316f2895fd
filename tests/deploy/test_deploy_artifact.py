"""The deployed artifact does the job: the built zip, configured exactly as template.yaml
configures the function, evaluates an account.

A fresh interpreter imports the Handler named in the template from the extracted zip
(no site hooks, so only the zip provides ``dormant``; boto3 comes from site-packages as
the Lambda runtime provides it), gets the environment variables the template sets and a
Config event carrying the rule parameters the template renders, and talks to the
simulated AWS served on loopback. The evaluations it stores are the blog's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from deploy_support import (
    MAIN_TEMPLATE,
    PACKAGE_SOURCE,
    load_build_script,
    load_template,
    parameter_values,
    render_sub,
    resolve,
)

ACCOUNT = "123456789012"  # the simulation's account for its default credentials
RULE = "iam-role-last-used"

PROBE = textwrap.dedent(
    """
    import importlib, json, site, sys
    root, handler_path = sys.argv[1], sys.argv[2]
    sys.path[:0] = [root]
    sys.path += site.getsitepackages()
    module_name, _, function_name = handler_path.rpartition(".")
    module = importlib.import_module(module_name)
    assert module.__file__.startswith(root), module.__file__
    event = json.load(sys.stdin)
    print(json.dumps(getattr(module, function_name)(event, None)))
    """
)


def _function_configuration(overrides: dict[str, str]) -> tuple[str, dict[str, str], str]:
    """Handler, environment variables and rule parameters, as the template sets them."""
    template = load_template(MAIN_TEMPLATE)
    resources = resolve(template, overrides)["Resources"]
    values = parameter_values(template, overrides)
    function = resources["CheckRoleLastUsedLambda"]["Properties"]
    variables = {
        name: values[value["Ref"]] for name, value in function["Environment"]["Variables"].items()
    }
    rule = resources["ConfigCustomRule"]["Properties"]
    return function["Handler"], variables, render_sub(rule["InputParameters"], values)


def test_built_zip_evaluates_an_account_as_deployed(
    sim_server: Any, now: datetime, tmp_path: Path
) -> None:
    zip_path = tmp_path / "dormant-lambda.zip"
    load_build_script().build_zip(PACKAGE_SOURCE, zip_path)
    root = tmp_path / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root)

    sim_server.put_role(
        ACCOUNT,
        "AdminRole",
        created=now - timedelta(days=400),
        last_used=now - timedelta(days=46, hours=3),
        last_used_region="us-west-2",
    )
    sim_server.put_role(ACCOUNT, "Ec2DevRole", created=now - timedelta(days=300))
    sim_server.put_role(ACCOUNT, "breakglass-role", created=now - timedelta(days=900))
    sim_server.put_role(
        ACCOUNT,
        "AWSServiceRoleForSupport",
        path="/aws-service-role/support.amazonaws.com/",
        created=now - timedelta(days=900),
    )
    handler, variables, rule_parameters = _function_configuration(
        {"RolePatternWhitelist": "/breakglass-role|/security-*"}
    )
    event = sim_server.scheduled_event(
        RULE, ACCOUNT, notification_time=now, rule_parameters=json.loads(rule_parameters)
    )

    result = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(root), handler],
        input=json.dumps(event),
        env={**sim_server.env(), **variables},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    ids = {
        role["RoleName"]: role["RoleId"]
        for role in sim_server.client("iam", ACCOUNT).list_roles()["Roles"]
    }
    stored = {
        e.resource_id: (e.compliance_type, e.annotation)
        for e in sim_server.stored_evaluations(RULE, ACCOUNT)
    }
    assert stored[ids["AdminRole"]] == ("COMPLIANT", "Was last used in us-west-2 46 days ago")
    assert stored[ids["Ec2DevRole"]] == ("NON_COMPLIANT", "No record of usage")
    assert stored[ids["breakglass-role"]][0] == "COMPLIANT"
    assert stored[ids["AWSServiceRoleForSupport"]][0] == "NOT_APPLICABLE"
    assert len(stored) == 4
