"""The quarantine Automation document in template.yaml, checked offline.

- Its shape: schema 0.3, parameters, every ``{{reference}}`` resolvable, branches that
  lead to real steps.
- Its API steps name real IAM operations with the right parameter names, per botocore's
  service model (what SSM itself calls).
- Run, step by step, against the simulated AWS with real roles: the ``aws:executeScript``
  step's own Python function, then the API steps as boto3 calls. The result must be
  exactly what the command line's quarantine puts on a role (``dormant.remediation.quarantine``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.model import ListShape, Shape, StructureShape
from deploy_support import MAIN_TEMPLATE, as_list, load_template, resolve
from moto import mock_aws
from moto.iam.models import iam_backends

from dormant.remediation.quarantine import (
    QUARANTINE_POLICY_NAME,
    TAG_QUARANTINED_AT,
    TAG_QUARANTINED_BY,
    quarantine_policy_document,
)
from dormant.roles.records import role_from_detail
from dormant.roles.remediate.plan import quarantine_steps
from dormant.roles.remediate.state import RoleState

RESOURCES = resolve(load_template(MAIN_TEMPLATE), {"RemediationMode": "Manual"})["Resources"]
DOCUMENT: dict[str, Any] = RESOURCES["QuarantineDocument"]["Properties"]["Content"]
STEPS: list[dict[str, Any]] = DOCUMENT["mainSteps"]
IAM_MODEL = botocore.session.get_session().get_service_model("iam")
REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9_.:]+)\s*\}\}")
ASSUME_ROLE = "arn:aws:iam::123456789012:role/quarantine-automation"


# --- Shape of the document ---------------------------------------------------------------------


def test_document_is_an_automation_of_schema_0_3() -> None:
    props = RESOURCES["QuarantineDocument"]["Properties"]
    assert props["DocumentType"] == "Automation"
    assert DOCUMENT["schemaVersion"] == "0.3"
    assert DOCUMENT["assumeRole"] == "{{AutomationAssumeRole}}"
    assert set(DOCUMENT["parameters"]) == {"RoleId", "MaxDaysForLastUsed", "AutomationAssumeRole"}
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
    assert set(inputs["InputPayload"]) == {"RoleId", "MaxDaysForLastUsed"}


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


def test_the_writes_are_the_command_lines_writes() -> None:
    writes = {step["inputs"]["Api"] for step in API_STEPS} - {"GetRolePolicy"}
    assert writes == {"PutRolePolicy", "TagRole"}
    (tag_step,) = [step for step in API_STEPS if step["inputs"]["Api"] == "TagRole"]
    keys = [tag["Key"] for tag in tag_step["inputs"]["Tags"]]
    assert keys == [TAG_QUARANTINED_AT, TAG_QUARANTINED_BY]


def test_automation_role_may_make_every_call_the_document_makes() -> None:
    statements = RESOURCES["QuarantineAutomationRole"]["Properties"]["Policies"][0]
    allowed = {
        action
        for statement in statements["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }
    api_calls = {f"iam:{step['inputs']['Api']}" for step in API_STEPS}
    # The script calls ListRoles, GetRolePolicy and GetRole (GetCallerIdentity needs nothing).
    assert api_calls | {"iam:ListRoles", "iam:GetRole", "iam:GetRolePolicy"} == allowed


# --- Running the document against the simulated AWS ---------------------------------------------


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


def run_document(role_id: str, max_days: int = 60) -> list[str]:
    """Play the Automation service: run the steps in order; return the names of those run."""
    values: dict[str, Any] = {
        "RoleId": role_id,
        "MaxDaysForLastUsed": str(max_days),
        "AutomationAssumeRole": ASSUME_ROLE,
    }
    by_name = {step["name"]: index for index, step in enumerate(STEPS)}
    ran: list[str] = []
    index = 0
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


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam")


def _account(iam_client: Any) -> str:
    account: str = boto3.client("sts").get_caller_identity()["Account"]
    return account


def _make_role(
    iam_client: Any,
    name: str,
    path: str = "/",
    created_days_ago: int = 400,
    used_days_ago: int | None = None,
) -> str:
    role = iam_client.create_role(
        RoleName=name,
        Path=path,
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]
    # moto lets the simulation set what only AWS's clock sets (documented as public).
    stored: Any = iam_backends[_account(iam_client)]["aws"].get_role(name)
    now = datetime.now(UTC).replace(tzinfo=None)  # moto keeps naive UTC times
    stored.create_date = now - timedelta(days=created_days_ago)
    if used_days_ago is not None:
        stored.last_used = now - timedelta(days=used_days_ago)
        stored.last_used_region = "us-west-2"
    role_id: str = role["RoleId"]
    return role_id


def _quarantine_of(iam_client: Any, name: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    policies = iam_client.list_role_policies(RoleName=name)["PolicyNames"]
    document = None
    if QUARANTINE_POLICY_NAME in policies:
        found = iam_client.get_role_policy(RoleName=name, PolicyName=QUARANTINE_POLICY_NAME)
        document = found["PolicyDocument"]
    tags = {tag["Key"]: tag["Value"] for tag in iam_client.list_role_tags(RoleName=name)["Tags"]}
    return document, tags


@pytest.mark.parametrize("used_days_ago", [None, 61, 900])
def test_quarantine_by_role_id_is_the_command_lines_quarantine(
    iam: Any, used_days_ago: int | None
) -> None:
    role_id = _make_role(iam, "old-batch-role", used_days_ago=used_days_ago)
    bystander = _make_role(iam, "other-role")
    before = datetime.now(UTC).replace(microsecond=0)

    ran = run_document(role_id)

    assert ran == ["ResolveRole", "SkipIfQuarantined", "PutQuarantinePolicy", "TagQuarantinedRole"]
    document, tags = _quarantine_of(iam, "old-batch-role")
    assert set(tags) == {TAG_QUARANTINED_AT, TAG_QUARANTINED_BY}
    at = datetime.strptime(tags[TAG_QUARANTINED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= at <= datetime.now(UTC)
    assert document == quarantine_policy_document(at)
    assert tags[TAG_QUARANTINED_BY] == boto3.client("sts").get_caller_identity()["Arn"]
    assert iam.list_role_policies(RoleName="old-batch-role")["PolicyNames"] == [
        QUARANTINE_POLICY_NAME
    ]
    assert bystander
    assert _quarantine_of(iam, "other-role") == (None, {})


def test_a_role_name_works_too(iam: Any) -> None:
    _make_role(iam, "named-role")
    run_document("named-role")
    document, _ = _quarantine_of(iam, "named-role")
    assert document is not None


def test_quarantining_twice_changes_nothing_the_second_time(iam: Any) -> None:
    role_id = _make_role(iam, "twice-role")
    run_document(role_id)
    first = _quarantine_of(iam, "twice-role")

    ran = run_document(role_id)

    assert ran == ["ResolveRole", "SkipIfQuarantined", "AlreadyQuarantined"]
    assert _quarantine_of(iam, "twice-role") == first


@pytest.mark.parametrize(
    ("name", "path", "created", "used", "reason"),
    [
        (
            "AWSServiceRoleForSupport",
            "/aws-service-role/support.amazonaws.com/",
            400,
            None,
            "AWS manages this role",
        ),
        (
            "AWSReservedSSO_Admin_0123456789abcdef",
            "/aws-reserved/sso.amazonaws.com/",
            400,
            None,
            "AWS manages this role",
        ),
        ("young-role", "/", 10, None, "created 10 days ago"),
        ("just-made-role", "/", 0, None, "created 0 days ago"),
        ("busy-role", "/", 400, 3, "used 3 days ago"),
        ("edge-role", "/", 400, 60, "used 60 days ago"),
    ],
)
def test_refusals_change_nothing(
    iam: Any, name: str, path: str, created: int, used: int | None, reason: str
) -> None:
    role_id = _make_role(iam, name, path=path, created_days_ago=created, used_days_ago=used)
    with pytest.raises(Refused, match=re.escape(reason)) as refused:
        run_document(role_id)
    assert name in str(refused.value)
    assert role_id in str(refused.value)
    assert _quarantine_of(iam, name) == (None, {})


def test_window_is_the_rules_window(iam: Any) -> None:
    role_id = _make_role(iam, "window-role", used_days_ago=20)
    with pytest.raises(Refused):
        run_document(role_id, max_days=30)
    run_document(role_id, max_days=10)
    assert _quarantine_of(iam, "window-role")[0] is not None


def test_unknown_role_is_named(iam: Any) -> None:
    _make_role(iam, "present-role")
    with pytest.raises(Refused, match="AROAEXAMPLEEXAMPLE00"):
        run_document("AROAEXAMPLEEXAMPLE00")


def test_same_calls_as_the_command_lines_plan_even_for_an_odd_session_name(
    iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as a session whose name holds a comma (IAM refuses commas in tag values)."""
    _make_role(iam, "old-role")
    runner = iam.create_role(
        RoleName="remediation-runner",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    (detail,) = [d for d in details if d["RoleName"] == "old-role"]
    state_before = RoleState(role_from_detail(detail))
    credentials = boto3.client("sts").assume_role(
        RoleArn=runner["Arn"], RoleSessionName="alice,bob@example.com"
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    # boto3's default session keeps the credentials it first found: start a new one, as
    # the Automation service starts the script with the automation role's credentials.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    caller = boto3.client("sts").get_caller_identity()["Arn"]
    assert "," in caller

    run_document("old-role")

    document, tags = _quarantine_of(iam, "old-role")
    at = datetime.strptime(tags[TAG_QUARANTINED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    put_policy, tag_role = quarantine_steps(state_before, at, caller)
    assert put_policy.operation == "PutRolePolicy"
    assert document == json.loads(put_policy.params["PolicyDocument"])
    assert tag_role.operation == "TagRole"
    assert tags == {tag["Key"]: tag["Value"] for tag in tag_role.params["Tags"]}


def test_a_foreign_policy_under_the_quarantine_name_is_refused(iam: Any) -> None:
    role_id = _make_role(iam, "shared-name-role")
    theirs = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    )
    iam.put_role_policy(
        RoleName="shared-name-role", PolicyName=QUARANTINE_POLICY_NAME, PolicyDocument=theirs
    )
    with pytest.raises(Refused, match="that dormant did not write"):
        run_document(role_id)
    document, tags = _quarantine_of(iam, "shared-name-role")
    assert document is not None
    assert document["Statement"][0]["Action"] == "s3:*"
    assert tags == {}
