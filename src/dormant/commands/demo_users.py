"""``dormant demo``'s second rule: IAM users' unused credentials on the same simulated account.

Runs inside the demo's simulation (the caller keeps moto active): seeds the demo users,
invokes the real Lambda handler for the rule ``<rule>-users`` (rule parameter
``resource_type`` = ``AWS::IAM::User``), and reads the stored results back as
``dormant report --rule-name <rule>-users`` does. Must never decide anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dormant.report.tsv import one_line
from dormant.users.layout import UserLine, recorded_user_lines

__all__ = ["UsersDemo", "run_users_rule"]


@dataclass(frozen=True)
class UsersDemo:
    rule_name: str
    lines: list[UserLine]
    summary: Mapping[str, Any]
    calls: Mapping[str, int]
    seeded: int

    def narrative(self) -> str:
        """Step 4 of the demo's story, with the users' report in the blog's TSV lines."""
        from dormant_sim.seed.demo_users import DEMO_USER_ALLOW_PATTERNS

        by = self.summary.get("by_compliance", {})
        call_text = ", ".join(f"{count} {name}" for name, count in sorted(self.calls.items()))
        lines = [
            f"4. The second rule, {self.rule_name} (resource_type=AWS::IAM::User, "
            f"max_days_for_last_used=45, allow_list={DEMO_USER_ALLOW_PATTERNS}), ran the same "
            f"handler on {self.seeded} users' passwords and access keys: "
            f"{by.get('NON_COMPLIANT', 0)} NON_COMPLIANT, {by.get('COMPLIANT', 0)} COMPLIANT, "
            f"with {call_text}. `dormant report --rule-name {self.rule_name}` prints:",
        ]
        lines += [
            f"   {line.name}\t{line.compliance.value}\t{one_line(line.annotation)}"
            for line in self.lines
        ]
        return "\n".join(lines) + "\n"


def run_users_rule(rule_name: str, account_id: str, now: datetime) -> UsersDemo:
    """Seed the users, run the users' rule, read its results back (moto must be active)."""
    from dormant.aws.config import ConfigComplianceHistory
    from dormant.aws.session import make_session
    from dormant.handler import lambda_handler
    from dormant.users.aws import IamUserSource
    from dormant_sim import strict
    from dormant_sim.seed.demo_users import DEMO_USER_PARAMETERS, seed_demo_users

    users_rule = f"{rule_name}-users"
    seeded = seed_demo_users(account_id, now)
    strict.recorder.reset()
    event = strict.scheduled_event(
        users_rule, account_id, rule_parameters=DEMO_USER_PARAMETERS, notification_time=now
    )
    summary = lambda_handler(event, None)
    calls = strict.recorder.counts(account_id)
    session = make_session()
    history = ConfigComplianceHistory(session.client("config"), account_id=account_id)
    results = list(history.recorded(users_rule, ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")))
    lines = recorded_user_lines(
        results,
        IamUserSource(session.client("iam"), account_id=account_id).details,
        account_id=account_id,
    )
    return UsersDemo(users_rule, lines, summary, calls, len(seeded))
