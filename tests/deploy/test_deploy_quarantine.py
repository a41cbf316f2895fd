"""The quarantine Automation document in template.yaml, checked offline.

- Its shape: schema 0.3, parameters, every ``{{reference}}`` resolvable, branches that
  lead to real steps.
- Its API steps name real IAM operations with the right parameter names, per botocore's
  service model (what SSM itself calls).
- Run, step by step, against the simulated AWS with real roles and IAM enforced, as the
  automation role with exactly the template's policies: the ``aws:executeScript`` step's own
  Python function, then the API steps as boto3 calls. It attaches dormant's deny-all managed
  policy and dormant's two tags, refuses (one line naming the role and the reason) what the
  command line refuses, and cannot grant anything (no PutRolePolicy, no other policy, no
  other tag) even when called directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import ListShape, Shape, StructureShape
from deploy_support import (
    MAIN_TEMPLATE,
    allowed_actions,
    load_template,
    parameter_values,
    render,
    resolve,
)
from hypothesis import given
from hypothesis import strategies as st
from moto.iam.models import iam_backends

from dormant.core.managed import STACK_NAME_TAG as STACK
from dormant.core.managed import ManagedBy, management_of
from dormant.core.patterns import matching_pattern
from dormant.core.tags import ExemptionState, check_exemption
from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    quarantine_policy_document,
    quarantine_tags,
)
from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.seed import (
    ADMINISTRATOR_ACCESS_ARN,
    ensure_aws_managed_policy,
    put_stack_role,
    set_aws_written_tags,
)
from dormant_sim.server import Simulation

TEMPLATE = load_template(MAIN_TEMPLATE)
RESOURCES = resolve(TEMPLATE, {"RemediationMode": "Manual"})["Resources"]
DOCUMENT: dict[str, Any] = RESOURCES["QuarantineDocument"]["Properties"]["Content"]
STEPS: list[dict[str, Any]] = DOCUMENT["mainSteps"]
IAM_MODEL = botocore.session.get_session().get_service_model("iam")
REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_.:]+)\s*\}\}")
ACCOUNT = "123456789012"
AUTOMATION_ROLE = "dormant-quarantine-automation"
FUNCTION_ROLE = "iam-role-last-used-lambda-us-east-1"


# --- Shape of the document ---------------------------------------------------------------------


def test_document_is_an_automation_of_schema_0_3() -> None:
    props = RESOURCES["QuarantineDocument"]["Properties"]
    assert props["DocumentType"] == "Automation"
    assert DOCUMENT["schemaVersion"] == "0.3"
    assert DOCUMENT["assumeRole"] == "{{AutomationAssumeRole}}"
    assert set(DOCUMENT["parameters"]) == {
        "RoleId",
        "MaxDaysForLastUsed",
        "QuarantinePolicyArn",
        "ExemptTagKey",
        "AllowPatterns",
        "ProtectedRoleNames",
        "Force",
        "AutomationAssumeRole",
    }
    names = [step["name"] for step in STEPS]
    assert len(names) == len(set(names))
    known = {"aws:executeScript", "aws:executeAwsApi", "aws:branch"}
    assert {step["action"] for step in STEPS} <= known


def test_document_window_stops_where_iam_stops_tracking_role_last_use() -> None:
    pattern = re.compile(DOCUMENT["parameters"]["MaxDaysForLastUsed"]["allowedPattern"])
    assert all(pattern.fullmatch(str(days)) for days in range(401))
    assert not any(pattern.fullmatch(v) for v in ("401", "500", "999", "1000", "-1", "", "6 0"))


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield from REFERENCE.findall(node)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_every_reference_resolves_to_a_parameter_or_an_earlier_output() -> None:
    available = set(DOCUMENT["parameters"])
    for step in STEPS:
        for reference in _references(step["inputs"]):
            assert reference in available, f"{step['name']} uses {{{{{reference}}}}}"
        available |= {f"{step['name']}.{out['Name']}" for out in step.get("outputs", [])}
    assert set(DOCUMENT["outputs"]) <= available


def test_branches_lead_to_steps_that_exist() -> None:
    names = {step["name"] for step in STEPS}
    for step in STEPS:
        if step["action"] == "aws:branch":
            targets = [choice["NextStep"] for choice in step["inputs"]["Choices"]]
            targets.append(step["inputs"]["Default"])
            assert set(targets) <= names
    # The steps after a branch end the run themselves instead of falling through.
    assert [step["name"] for step in STEPS if step.get("isEnd")] == [
        "TagQuarantinedRole",
        "AlreadyQuarantined",
    ]


def test_script_step_declares_its_handler_and_runtime() -> None:
    (script,) = [step for step in STEPS if step["action"] == "aws:executeScript"]
    inputs = script["inputs"]
    assert re.fullmatch(r"python3\.(1[1-9])", inputs["Runtime"])
    assert f"def {inputs['Handler']}(events, context):" in inputs["Script"]
    assert set(inputs["InputPayload"]) == set(DOCUMENT["parameters"])


# --- API steps against botocore's model of IAM --------------------------------------------------


def _check_against_shape(value: Any, shape: Shape, where: str) -> None:
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: {sorted(unknown)} are not parameters of {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: required {sorted(missing)} missing"
        for key, item in value.items():
            _check_against_shape(item, shape.members[key], f"{where}.{key}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            _check_against_shape(item, shape.member, f"{where}[{index}]")
    else:
        assert isinstance(value, str), f"{where}: expected a {shape.type_name}"


API_STEPS = [step for step in STEPS if step["action"] == "aws:executeAwsApi"]


@pytest.mark.parametrize("step", API_STEPS, ids=lambda step: step["name"])
def test_api_step_names_a_real_iam_operation_with_its_parameters(step: dict[str, Any]) -> None:
    inputs = dict(step["inputs"])
    assert inputs.pop("Service") == "iam"
    operation = inputs.pop("Api")
    assert operation in IAM_MODEL.operation_names
    input_shape = IAM_MODEL.operation_model(operation).input_shape
    assert input_shape is not None
    _check_against_shape(inputs, input_shape, f"{step['name']} ({operation})")


def test_the_writes_attach_dormants_policy_and_tag_dormants_keys() -> None:
    writes = {step["inputs"]["Api"] for step in API_STEPS} - {"ListAttachedRolePolicies"}
    assert writes == {"AttachRolePolicy", "TagRole"}
    (attach,) = [step for step in API_STEPS if step["inputs"]["Api"] == "AttachRolePolicy"]
    assert attach["inputs"]["PolicyArn"] == "{{QuarantinePolicyArn}}"
    (tag_step,) = [step for step in API_STEPS if step["inputs"]["Api"] == "TagRole"]
    keys = [tag["Key"] for tag in tag_step["inputs"]["Tags"]]
    assert keys == [TAG_QUARANTINED_AT, TAG_QUARANTINED_BY]


def test_automation_role_may_make_every_call_the_document_makes() -> None:
    api_calls = {f"iam:{step['inputs']['Api']}" for step in API_STEPS}
    # The script reads with ListRoles, GetRole, ListAttachedRolePolicies and GetRolePolicy,
    # and the stacks with ListStacks and ListStackResources (GetCallerIdentity needs
    # nothing); the runs below prove the grants under enforcement.
    script_calls = {
        "iam:ListRoles",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "cloudformation:ListStacks",
        "cloudformation:ListStackResources",
    }
    assert api_calls | script_calls | {"iam:GetRolePolicy"} == allowed_actions(
        RESOURCES, "QuarantineAutomationRole"
    )


# --- Running the document against the simulated AWS, IAM enforced ------------------------------


class Refused(Exception):
    """The script step raised: Automation marks the step, and the run, failed."""


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, str):
        whole = REFERENCE.fullmatch(node)
        if whole:
            return values[whole.group(1)]
        return REFERENCE.sub(lambda match: str(values[match.group(1)]), node)
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    return node


def _script_namespace() -> dict[str, Any]:
    (script,) = [step for step in STEPS if step["action"] == "aws:executeScript"]
    namespace: dict[str, Any] = {}
    exec(compile(script["inputs"]["Script"], script["name"], "exec"), namespace)
    return namespace


def _run_script(step: dict[str, Any], inputs: dict[str, Any], values: dict[str, Any]) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(inputs["Script"], step["name"], "exec"), namespace)
    try:
        payload = namespace[inputs["Handler"]](inputs["InputPayload"], None)
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    for output in step["outputs"]:
        key = output["Selector"].removeprefix("$.Payload.")
        value = payload[key]
        assert isinstance(value, {"String": str, "Boolean": bool}[output["Type"]]), key
        values[f"{step['name']}.{output['Name']}"] = value


@dataclass(frozen=True)
class Deployed:
    """The remediation of one stack in the simulation: its policy, roles and parameters."""

    policy_arn: str
    automation: PrincipalCredentials
    parameters: dict[str, Any]  # what the RemediationConfiguration passes, defaults filled in


def deploy(
    sim: Simulation, now: datetime, session_name: str = "automation-execution", **overrides: str
) -> Deployed:
    """Create what the stack creates: the deny policy, the automation role (exactly its
    policies, from the template), the function's role; return what Config would pass."""
    stack_params = {"RemediationMode": "Manual", **overrides}
    resources = resolve(TEMPLATE, stack_params)["Resources"]
    params = parameter_values(TEMPLATE, stack_params)
    deny = resources["QuarantineDenyPolicy"]["Properties"]
    iam = boto3.client("iam")
    policy_arn = iam.create_policy(
        PolicyName=render(deny["ManagedPolicyName"], params),
        Path=deny["Path"],
        PolicyDocument=json.dumps(deny["PolicyDocument"]),
    )["Policy"]["Arn"]
    _make_role(FUNCTION_ROLE, created_days_ago=400)
    attributes = {
        "QuarantineDenyPolicy": policy_arn,
        "QuarantineAutomationRole": AUTOMATION_ROLE,
        "QuarantineAutomationRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{AUTOMATION_ROLE}",
        "LambdaExecutionRole": FUNCTION_ROLE,
        "LambdaExecutionRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{FUNCTION_ROLE}",
    }
    policy = render(resources["QuarantineAutomationPolicy"]["Properties"], params, attributes)
    role = resources["QuarantineAutomationRole"]["Properties"]
    automation = sim.principal(
        AUTOMATION_ROLE,
        policies={policy["PolicyName"]: policy["PolicyDocument"]},
        trust=render(role["AssumeRolePolicyDocument"], params, attributes),
        session_name=session_name,
    )
    # The automation role is older than any window, so only its identity protects it.
    stored: Any = iam_backends[ACCOUNT]["aws"].get_role(AUTOMATION_ROLE)
    stored.create_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=400)
    remediation = render(
        resources["QuarantineRemediation"]["Properties"],
        params,
        {**attributes, "ConfigCustomRule": params["NameOfSolution"], "QuarantineDocument": "doc"},
    )
    # A StringList parameter takes every value; any other, its one value.
    passed = {
        name: value["StaticValue"]["Values"]
        if DOCUMENT["parameters"][name]["type"] == "StringList"
        else value["StaticValue"]["Values"][0]
        for name, value in remediation["Parameters"].items()
        if "StaticValue" in value
    }
    defaults = {
        name: spec["default"] for name, spec in DOCUMENT["parameters"].items() if "default" in spec
    }
    return Deployed(policy_arn, automation, {**defaults, **passed})


def run_document(sim: Simulation, deployed: Deployed, role_id: str, **parameters: str) -> list[str]:
    """Play the Automation service as the automation role: the steps in order, under
    enforcement; return the names of those run."""
    values: dict[str, Any] = {**deployed.parameters, "RoleId": role_id, **parameters}
    by_name = {step["name"]: index for index, step in enumerate(STEPS)}
    ran: list[str] = []
    index = 0
    with sim.enforcing(), sim.acting_as(deployed.automation):
        while index < len(STEPS):
            step = STEPS[index]
            ran.append(step["name"])
            inputs = _substitute(step["inputs"], values)
            next_index = index + 1
            if step["action"] == "aws:executeScript":
                _run_script(step, inputs, values)
            elif step["action"] == "aws:executeAwsApi":
                client = boto3.client(inputs.pop("Service"))
                getattr(client, xform_name(inputs.pop("Api")))(**inputs)
            elif step["action"] == "aws:branch":
                target = inputs["Default"]
                for choice in inputs["Choices"]:
                    if choice["BooleanEquals"] is choice["Variable"]:
                        target = choice["NextStep"]
                        break
                next_index = by_name[target]
            if step.get("isEnd"):
                break
            index = next_index
    return ran


def _make_role(
    name: str,
    path: str = "/",
    created_days_ago: int = 400,
    used_days_ago: int | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    iam = boto3.client("iam")
    public = {k: v for k, v in (tags or {}).items() if not k.startswith("aws:")}
    stack = (tags or {}).get(STACK)
    if stack is not None:
        # A stack's role is made by the stack, which puts no tag on it (as in AWS).
        put_stack_role(ACCOUNT, stack, name, created=datetime.now(UTC), tags=public)
        role = iam.get_role(RoleName=name)["Role"]
    else:
        role = iam.create_role(
            RoleName=name,
            Path=path,
            AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
            Tags=[{"Key": k, "Value": v} for k, v in public.items()],
        )["Role"]
    # moto lets the simulation set what only AWS's clock sets (documented as public).
    stored: Any = iam_backends[ACCOUNT]["aws"].get_role(name)
    now = datetime.now(UTC).replace(tzinfo=None)  # moto keeps naive UTC times
    stored.create_date = now - timedelta(days=created_days_ago)
    if used_days_ago is not None:
        stored.last_used = now - timedelta(days=used_days_ago)
        stored.last_used_region = "us-west-2"
    aws_written = {k: v for k, v in (tags or {}).items() if k.startswith("aws:") and k != STACK}
    if aws_written:
        set_aws_written_tags(ACCOUNT, name, aws_written)
    role_id: str = role["RoleId"]
    return role_id


def _quarantine_of(name: str) -> tuple[list[str], list[str], dict[str, str]]:
    """(attached policy ARNs, inline policy names, dormant's tags) of a role."""
    iam = boto3.client("iam")
    attached = [
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    ]
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    tags = {
        tag["Key"]: tag["Value"]
        for tag in iam.list_role_tags(RoleName=name)["Tags"]
        if tag["Key"].startswith("dormant:quarantined")
    }
    return attached, inline, tags


UNTOUCHED: tuple[list[str], list[str], dict[str, str]] = ([], [], {})


@pytest.mark.parametrize("used_days_ago", [None, 61, 900])
def test_quarantine_attaches_dormants_deny_and_tags_under_enforcement(
    sim: Simulation, now: datetime, used_days_ago: int | None
) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("old-batch-role", used_days_ago=used_days_ago)
    _make_role("other-role")
    before = datetime.now(UTC).replace(microsecond=0)

    ran = run_document(sim, deployed, role_id)

    assert ran == [
        "ResolveRole",
        "SkipIfQuarantined",
        "AttachQuarantinePolicy",
        "TagQuarantinedRole",
    ]
    attached, inline, tags = _quarantine_of("old-batch-role")
    assert attached == [deployed.policy_arn]
    assert inline == []
    at = datetime.strptime(tags[TAG_QUARANTINED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= at <= datetime.now(UTC)
    # The same tags as the command line's, for the automation role's session.
    assert list(tags.items()) == quarantine_tags(at, deployed.automation.arn)
    assert _quarantine_of("other-role") == UNTOUCHED


def test_a_quarantined_roles_existing_sessions_are_denied(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    session = sim.principal("busy-worker", policies=[allow_all])
    stored: Any = iam_backends[ACCOUNT]["aws"].get_role("busy-worker")
    stored.create_date = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=400)
    with sim.enforcing(), sim.acting_as(session):
        assert boto3.client("iam").list_roles()["Roles"]
    stored.last_used = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=200)

    run_document(sim, deployed, "busy-worker")

    with sim.enforcing(), sim.acting_as(session), pytest.raises(ClientError, match="explicit deny"):
        boto3.client("iam").list_roles()


def test_a_role_name_works_too(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    _make_role("named-role")
    run_document(sim, deployed, "named-role")
    assert _quarantine_of("named-role")[0] == [deployed.policy_arn]


def test_quarantining_twice_changes_nothing_the_second_time(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("twice-role")
    run_document(sim, deployed, role_id)
    first = _quarantine_of("twice-role")

    ran = run_document(sim, deployed, role_id)

    assert ran == ["ResolveRole", "SkipIfQuarantined", "AlreadyQuarantined"]
    assert _quarantine_of("twice-role") == first


def test_the_command_lines_inline_quarantine_counts_as_quarantined(
    sim: Simulation, now: datetime
) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("cli-quarantined")
    boto3.client("iam").put_role_policy(
        RoleName="cli-quarantined",
        PolicyName=QUARANTINE_POLICY_NAME,
        PolicyDocument=json.dumps(quarantine_policy_document(now)),
    )
    assert run_document(sim, deployed, role_id)[-1] == "AlreadyQuarantined"
    assert _quarantine_of("cli-quarantined") == ([], [QUARANTINE_POLICY_NAME], {})


FUTURE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
PAST = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()


@pytest.mark.parametrize(
    ("name", "path", "created", "used", "tags", "reason"),
    [
        (
            "AWSServiceRoleForSupport",
            "/aws-service-role/support.amazonaws.com/",
            400,
            None,
            {},
            "AWS manages this role",
        ),
        (
            "AWSReservedSSO_Admin_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/",
            400,
            None,
            {},
            "AWS manages this role",
        ),
        ("young-role", "/", 10, None, {}, "created 10 days ago"),
        ("just-made-role", "/", 0, None, {}, "created 0 days ago"),
        ("busy-role", "/", 400, 3, {}, "used 3 days ago"),
        ("edge-role", "/", 400, 60, {}, "used 60 days ago"),
        (
            "exempt-role",
            "/",
            400,
            None,
            {"dormant:exempt": "break-glass"},
            "exempt by tag dormant:exempt=break-glass",
        ),
        (
            "exempt-until-role",
            "/",
            400,
            None,
            {"dormant:exempt": f"until={FUTURE} audit"},
            f"exempt by tag dormant:exempt=until={FUTURE} audit",
        ),
        (
            "PaymentsTaskRole",
            "/",
            400,
            None,
            {"aws:cloudformation:stack-name": "payments"},
            "managed by CloudFormation (stack payments); Force=true quarantines it anyway",
        ),
        ("AWSCloudFormationStackSetExecutionRole", "/", 400, None, {}, "managed by StackSets"),
        ("stacksets-exec-0123456789abcdef", "/", 400, None, {}, "managed by StackSets"),
        ("AWSControlTowerExecution", "/", 400, None, {}, "managed by Control Tower"),
        ("audit-role", "/aws-controltower/", 400, None, {}, "managed by Control Tower"),
        ("OrganizationAccountAccessRole", "/", 400, None, {}, "managed by Organizations"),
        ("AWSAFTService", "/", 400, None, {}, "managed by Account Factory for Terraform"),
        (FUNCTION_ROLE, "/", 400, None, {}, "it is dormant's own function role"),
        (AUTOMATION_ROLE, "/", 400, None, {}, "it is the role this automation runs as"),
    ],
)
def test_refusals_fail_with_one_line_and_change_nothing(
    sim: Simulation,
    now: datetime,
    name: str,
    path: str,
    created: int,
    used: int | None,
    tags: dict[str, str],
    reason: str,
) -> None:
    deployed = deploy(sim, now)
    if name in (FUNCTION_ROLE, AUTOMATION_ROLE):
        role_id = name  # deploy() made them
    else:
        role_id = _make_role(
            name, path=path, created_days_ago=created, used_days_ago=used, tags=tags
        )
    before = _quarantine_of(name)
    assert before[0] == []
    with pytest.raises(Refused, match=re.escape(reason)) as refused:
        run_document(sim, deployed, role_id)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"refusing role {path}{name} (")
    assert _quarantine_of(name) == before


@pytest.mark.parametrize(
    "exemption", [f"until={PAST} expired long ago", "until=2026-13-45 no such day", "until=soon"]
)
def test_an_exemption_that_does_not_count_does_not_refuse(
    sim: Simulation, now: datetime, exemption: str
) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("was-exempt", tags={"dormant:exempt": exemption})
    run_document(sim, deployed, role_id)
    assert _quarantine_of("was-exempt")[0] == [deployed.policy_arn]


def test_the_exempt_tag_key_is_the_templates(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now, ExemptTagKey="corp:keep")
    assert deployed.parameters["ExemptTagKey"] == "corp:keep"
    kept = _make_role("kept-role", tags={"corp:keep": "yes"})
    other = _make_role("other-key-role", tags={"dormant:exempt": "yes"})
    with pytest.raises(Refused, match="exempt by tag corp:keep=yes"):
        run_document(sim, deployed, kept)
    run_document(sim, deployed, other)
    assert _quarantine_of("other-key-role")[0] == [deployed.policy_arn]


def test_the_allow_list_is_the_rules(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now, RolePatternWhitelist="/breakglass-role|/security-*")
    assert deployed.parameters["AllowPatterns"] == ["/breakglass-role", "/security-*"]
    role_id = _make_role("security-audit")
    with pytest.raises(Refused, match=re.escape("it matches allow-list pattern /security-*")):
        run_document(sim, deployed, role_id)
    assert _quarantine_of("security-audit") == UNTOUCHED


def test_force_quarantines_a_role_managed_elsewhere(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("PaymentsTaskRole", tags={"aws:cloudformation:stack-name": "payments"})
    run_document(sim, deployed, role_id, Force="true")
    assert _quarantine_of("PaymentsTaskRole")[0] == [deployed.policy_arn]


def test_force_never_quarantines_what_aws_manages(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role(
        "AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"
    )
    with pytest.raises(Refused, match="AWS manages this role"):
        run_document(sim, deployed, role_id, Force="true")


def test_window_is_the_rules_window(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("window-role", used_days_ago=20)
    with pytest.raises(Refused):
        run_document(sim, deployed, role_id, MaxDaysForLastUsed="30")
    run_document(sim, deployed, role_id, MaxDaysForLastUsed="10")
    assert _quarantine_of("window-role")[0] == [deployed.policy_arn]


def test_unknown_role_is_named(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    _make_role("present-role")
    with pytest.raises(Refused, match="AROAEXAMPLEEXAMPLE00"):
        run_document(sim, deployed, "AROAEXAMPLEEXAMPLE00")


def test_an_odd_session_name_still_gives_a_valid_tag(sim: Simulation, now: datetime) -> None:
    """A session name may hold a comma, which IAM refuses in tag values."""
    deployed = deploy(sim, now, session_name="alice,bob@example.com")
    assert "," in deployed.automation.arn
    _make_role("old-role")
    run_document(sim, deployed, "old-role")
    tags = _quarantine_of("old-role")[2]
    at = datetime.strptime(tags[TAG_QUARANTINED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert list(tags.items()) == quarantine_tags(at, deployed.automation.arn)


def test_a_foreign_policy_under_the_command_lines_name_is_refused(
    sim: Simulation, now: datetime
) -> None:
    deployed = deploy(sim, now)
    role_id = _make_role("shared-name-role")
    theirs = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    )
    boto3.client("iam").put_role_policy(
        RoleName="shared-name-role", PolicyName=QUARANTINE_POLICY_NAME, PolicyDocument=theirs
    )
    with pytest.raises(Refused, match="that dormant did not write"):
        run_document(sim, deployed, role_id)
    assert _quarantine_of("shared-name-role") == ([], [QUARANTINE_POLICY_NAME], {})


# --- The automation role cannot escalate, whatever it is asked -----------------------------------


def _denied(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as denied:
        call(**kwargs)
    return str(denied.value.response["Error"]["Code"])


def test_the_automation_role_cannot_grant_anything(sim: Simulation, now: datetime) -> None:
    deployed = deploy(sim, now)
    _make_role("victim-role")
    _make_role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/")
    ensure_aws_managed_policy(ACCOUNT, ADMINISTRATOR_ACCESS_ARN)
    iam = boto3.client("iam")
    customer = iam.create_policy(
        PolicyName="anything",
        PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
        '"Resource":"*"}]}',
    )["Policy"]["Arn"]
    allow_all = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    with sim.enforcing(), sim.acting_as(deployed.automation):
        automation = boto3.client("iam")
        attach = automation.attach_role_policy
        tag = automation.tag_role
        put = automation.put_role_policy
        for role in ("victim-role", AUTOMATION_ROLE):
            assert _denied(put, RoleName=role, PolicyName="p", PolicyDocument=allow_all) == (
                "AccessDenied"
            )
            assert _denied(attach, RoleName=role, PolicyArn=ADMINISTRATOR_ACCESS_ARN) == (
                "AccessDenied"
            )
            assert _denied(attach, RoleName=role, PolicyArn=customer) == "AccessDenied"
        exempt = [{"Key": "dormant:exempt", "Value": "forever"}]
        assert _denied(tag, RoleName="victim-role", Tags=exempt) == "AccessDenied"
        sneaked = [{"Key": TAG_QUARANTINED_AT, "Value": "x"}, *exempt]
        assert _denied(tag, RoleName="victim-role", Tags=sneaked) == "AccessDenied"
        # Its own deny may go nowhere it must never go, even when called directly.
        for role in ("AWSServiceRoleForSupport", AUTOMATION_ROLE, FUNCTION_ROLE):
            assert _denied(attach, RoleName=role, PolicyArn=deployed.policy_arn) == ("AccessDenied")
        # What it is there for it may do.
        attach(RoleName="victim-role", PolicyArn=deployed.policy_arn)
        tag(RoleName="victim-role", Tags=[{"Key": TAG_QUARANTINED_BY, "Value": "test"}])
    assert _quarantine_of("victim-role") == (
        [deployed.policy_arn],
        [],
        {TAG_QUARANTINED_BY: "test"},
    )


# --- The script's rules are dormant's rules ---------------------------------------------------

SCRIPT = _script_namespace()


@given(
    value=st.one_of(
        st.sampled_from(
            ["", "reason", "until=2026-03-15", "until=2026-03-14 x", "until=2026-02-30", "until="]
        ),
        st.builds(
            lambda day, reason: f"until={day.isoformat()} {reason}",
            st.dates(min_value=date(2026, 2, 1), max_value=date(2026, 5, 1)),
            st.text(alphabet="ab =:", max_size=8),
        ),
        st.text(alphabet="until=0123456789- ab", max_size=24),
    )
)
def test_exemptions_count_as_dormant_tags_says(value: str) -> None:
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    check = check_exemption([("k", value)], "k", now)
    assert check is not None
    assert SCRIPT["exemption_counts"](value, now.date()) is (check.state is ExemptionState.ACTIVE)


@given(
    path_and_name=st.sampled_from(["/breakglass-role", "/security-x", "/app/security-y", "/a"]),
    patterns=st.lists(st.sampled_from(["/breakglass-role", "/security-*", "/*/security-?", "*a*"])),
)
def test_allow_patterns_match_as_the_rules_do(path_and_name: str, patterns: list[str]) -> None:
    assert SCRIPT["matching_pattern"](path_and_name, patterns) == matching_pattern(
        path_and_name, patterns
    )


@pytest.mark.parametrize(
    ("name", "path", "tags"),
    [
        ("PaymentsTaskRole", "/", {"aws:cloudformation:stack-name": "payments"}),
        ("AWSCloudFormationStackSetExecutionRole", "/", {}),
        ("stacksets-exec-abc", "/", {}),
        ("AWSControlTowerExecution", "/", {}),
        ("audit", "/aws-controltower/", {}),
        ("OrganizationAccountAccessRole", "/", {}),
        ("AWSAFTExecution", "/", {}),
        ("aws-controltower-ConfigRecorderRole", "/", {}),
        ("plain-role", "/", {"team": "pay"}),
        ("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/", {}),
        ("AWSReservedSSO_Admin_0123", "/aws-reserved/sso.amazonaws.com/", {}),
    ],
)
def test_managed_roles_are_the_command_lines(name: str, path: str, tags: dict[str, str]) -> None:
    management = management_of(name, path, (), stack=tags.get(STACK))
    script_says = SCRIPT["managed_by"](name, path, tags.get(STACK))
    # The script refuses the AWS-managed paths before it asks (Force or not); every other
    # row of the command line needs Force there too.
    service_linked = management is not None and management.managed_by is ManagedBy.SERVICE_LINKED
    assert (script_says is not None) is (management is not None and not service_linked)
    if management is not None and not service_linked:
        assert script_says.startswith(management.managed_by.label)
