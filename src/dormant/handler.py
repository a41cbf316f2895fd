"""The Lambda edge: AWS Config's periodic custom rule invokes ``lambda_handler``.

Thin on purpose: parse the event, build the settings, choose the session (this
account, or a role assumed in the event's account), wire the adapters, run the
engine, log one summary line. Failures are re-raised so that Lambda and Config
record a failed invocation; nothing here swallows an error or returns an error dict.

Must never import the command line (click, rich, jinja2) or the simulation (moto):
the deployment zip carries neither.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from dormant.aws.config import ConfigComplianceHistory, ConfigEvaluationSink
from dormant.aws.session import assume_role_session, client_config, make_session
from dormant.core.errors import DormantError, InvalidParameter
from dormant.core.events import ConfigRuleEvent, parse_event
from dormant.core.model import RESOURCE_TYPE_USER
from dormant.core.parameters import rule_resource_type
from dormant.core.settings import (
    assume_role_mode_from,
    execution_role_name_from,
    settings_from_parameters,
)
from dormant.engine.rule import RuleRunSummary, run_rule
from dormant.roles.aws import IamRoleSource
from dormant.roles.aws_references.config import config_finder
from dormant.roles.decide import ROLES
from dormant.roles.parameters import references_from_parameters
from dormant.roles.references import combined, referenced_kind
from dormant.users.aws import IamUserSource, ReportWait
from dormant.users.decide import USERS, config_subjects
from dormant.users.parameters import user_settings_from_parameters

__all__ = ["lambda_handler"]

logger = logging.getLogger("dormant")
logger.setLevel(logging.INFO)

# IAM generates a credential report in seconds; a run that waits longer fails clearly
# and well within the function's timeout, and Config runs it again on schedule.
LAMBDA_REPORT_WAIT = ReportWait(total=300.0)


def target_role_arn(event: ConfigRuleEvent, env: Mapping[str, str]) -> str | None:
    """The role to assume in the event's account, or None to use the function's own role.

    In single-account mode the event's ``executionRoleArn`` is Config's service-linked
    role, which a Lambda cannot assume: it is only used when assume-role mode is on.
    """
    role_name = execution_role_name_from(event.rule_parameters, env)
    if role_name:
        return f"arn:{event.partition}:iam::{event.account_id}:role/{role_name}"
    if assume_role_mode_from(env):
        if not event.execution_role_arn:
            raise InvalidParameter(
                "executionRoleArn",
                "assume-role mode is on but the event carries no executionRoleArn "
                "and execution_role_name is not set",
            )
        return event.execution_role_arn
    return None


def session_name_for(rule_name: str) -> str:
    """An AssumeRole session name ([\\w+=,.@-], 2..64) that CloudTrail ties to the rule.

    Config rule names may hold characters (spaces, say) that session names may not.
    """
    return re.sub(r"[^\w+=,.@-]", "-", f"dormant-{rule_name}", flags=re.ASCII)[:64]


def _config_finder(references: str, session: Any, account: str) -> list[Any]:
    """``references=config``: AWS Config's advanced queries in the function's own Region."""
    if references != "config":
        return []
    config = client_config()
    region = session.region_name or os.environ.get("AWS_REGION") or "us-east-1"
    return [
        config_finder(
            lambda where: session.client("config", region_name=where, config=config),
            account_id=account,
            regions=[region],
            warn=lambda message: logger.warning(json.dumps({"warning": message})),
        )
    ]


def lambda_handler(event: Mapping[str, Any], context: object) -> dict[str, object]:
    env = dict(os.environ)
    try:
        parsed = parse_event(event)
        resource_type = rule_resource_type(parsed.rule_parameters)
        users = resource_type == RESOURCE_TYPE_USER
        settings = (
            user_settings_from_parameters(parsed.rule_parameters, env)
            if users
            else settings_from_parameters(parsed.rule_parameters, env)
        )
        role_arn = target_role_arn(parsed, env)
        config = client_config()
        session = make_session()
        if role_arn is not None:
            session = assume_role_session(
                session, role_arn, session_name=session_name_for(parsed.rule_name), config=config
            )
        account = parsed.account_id
        config_client = session.client("config", config=config)
        iam = session.client("iam", config=config)
        sink = ConfigEvaluationSink(config_client, parsed.result_token, account_id=account)
        history = ConfigComplianceHistory(config_client, account_id=account)
        summary: RuleRunSummary
        if users:
            source = IamUserSource(iam, account_id=account, wait=LAMBDA_REPORT_WAIT)
            summary = run_rule(
                parsed, settings, config_subjects(source.users()), sink, history, kind=USERS
            )
        else:
            references = references_from_parameters(parsed.rule_parameters, env)
            roles_source = IamRoleSource(iam, account_id=account, references=references != "none")
            if references == "none":
                summary = run_rule(
                    parsed, settings, roles_source.roles(), sink, history, kind=ROLES
                )
            else:
                roles = list(roles_source.roles())
                finders = [
                    roles_source.iam_references(),
                    *_config_finder(references, session, account),
                ]
                found = combined(finders).references(roles)
                kind = referenced_kind(ROLES, found)
                summary = run_rule(parsed, settings, roles, sink, history, kind=kind)
    except DormantError as exc:
        logger.error(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        raise
    logger.info(json.dumps(summary.as_dict(), sort_keys=True))
    return summary.as_dict()
