"""`dormant demo` shows the users' rule beside the roles' one, stdout staying one report."""

from __future__ import annotations

import json


def test_demo_runs_the_users_rule_on_the_same_handler(dormant) -> None:
    result = dormant("demo", "-f", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["roles"] == 13
    lines = result.stderr.splitlines()
    (story,) = [line for line in lines if line.startswith("4. The second rule")]
    assert "iam-role-last-used-users (resource_type=AWS::IAM::User" in story
    assert "2 NON_COMPLIANT, 4 COMPLIANT" in story
    assert "1 iam:GetCredentialReport" in story
    assert "1 iam:GetAccountAuthorizationDetails" in story
    assert (
        "   old-contractor\tNON_COMPLIANT\t"
        "Password last used 120 days ago; access key 1 never used in 95 days"
    ) in lines
    assert "   ci-legacy\tNON_COMPLIANT\tAccess key 1 last used 46 days ago" in lines
    assert "   breakglass\tCOMPLIANT\tUser matches allow-list pattern /emergency/*" in lines
    assert "   former-intern\tCOMPLIANT\tNo active credentials" in lines
