"""Make moto's simulated AWS as strict as real AWS where dormant depends on it.

moto 5 differs from AWS in ways that would let wrong code pass its tests:
`GetAccountAuthorizationDetails` ignores `MaxItems`/`Marker`, `PutEvaluations` stores nothing
and enforces no limits, `GetComplianceDetailsByConfigRule` does not exist, and nothing can be
made to fail, throttle or take time. `install()` patches moto's response classes (the layer
that turns a request into a backend call) so that, in-process under `mock_aws()` and in a
`ThreadedMotoServer` in the same process alike:

- GAAD pages like AWS (`MaxItems` 1..1000, default 100, opaque `Marker`, `IsTruncated`), and
  writes role pages directly (moto's generic serializer needs seconds per 1,000 roles);
  ListRoles rejects `MaxItems` over 1000;
- roles used through assumed-role credentials get a `RoleLastUsed.Region`, as in AWS;
- AssumeRole refuses malformed session names, and sessions longer than the role's
  MaxSessionDuration, or than one hour when the caller is itself an assumed role (role
  chaining);
- `PutEvaluations` validates like AWS, checks result tokens that this module issued, and stores
  the evaluations; `GetComplianceDetailsByConfigRule` serves them back, paged;
- every request is recorded (account, region, service, operation) and may be delayed by an
  injected latency or answered with an injected error.

State lives in this module (moto's backends are process-global too); `reset()` clears it.
This module is test and demo support: it imports moto, so nothing in dormant's core or Lambda
code may import it. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote as url_quote
from xml.sax.saxutils import escape as xml_escape

from moto.config.responses import ConfigResponse
from moto.core import errors as moto_errors
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.iam import models as iam_models
from moto.iam.responses import IamResponse
from moto.sts.responses import TokenResponse

__all__ = [
    "COMPLIANCE_TYPES",
    "CONFIG_SERVICE_ROLE_PATH",
    "SIM_INTERNAL_HEADER",
    "Call",
    "Injection",
    "Recorder",
    "StoredEvaluation",
    "clear_injections",
    "deny_assume_role",
    "fail_evaluations",
    "get_latency",
    "inject_error",
    "install",
    "installed",
    "issue_result_token",
    "latency",
    "recorder",
    "reset",
    "scheduled_event",
    "set_fast_gaad",
    "set_latency",
    "stored_evaluations",
]

# Requests carrying this header (the seeding helpers add it) are served without being recorded,
# delayed or failed: building a test account must not count as the code under test's calls.
SIM_INTERNAL_HEADER = "x-dormant-sim-internal"

# The values AWS Config accepts in an Evaluation posted through PutEvaluations. INSUFFICIENT_DATA
# exists in the enum but AWS documents it as not supported for this data type.
COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
_FILTER_COMPLIANCE_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA")

CONFIG_SERVICE_ROLE_PATH = "/aws-service-role/config.amazonaws.com/"

_GAAD_DEFAULT_MAX_ITEMS = 100
_GAAD_MAX_ITEMS = 1000
_PUT_EVALUATIONS_MAX = 100
_ANNOTATION_MAX = 256
_RESOURCE_TYPE_MAX = 256
_RESOURCE_ID_MAX = 768
_COMPLIANCE_DETAILS_MAX_LIMIT = 100
TESTMODE_TOKEN = "TESTMODE"


# --------------------------------------------------------------------------- recorder


class Call(NamedTuple):
    """One request the simulation served."""

    account_id: str
    region: str
    service: str
    operation: str


class Recorder:
    """Thread-safe log of every request served (except the simulation's own seeding)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def records(
        self,
        service: str | None = None,
        operation: str | None = None,
        account_id: str | None = None,
    ) -> list[Call]:
        """The recorded calls, oldest first, optionally filtered."""
        with self._lock:
            snapshot = list(self._calls)
        return [
            c
            for c in snapshot
            if (service is None or c.service == service)
            and (operation is None or c.operation == operation)
            and (account_id is None or c.account_id == account_id)
        ]

    def calls(
        self,
        service: str | None = None,
        operation: str | None = None,
        account_id: str | None = None,
    ) -> int:
        """How many recorded calls match the filters (all calls when none is given)."""
        return len(self.records(service, operation, account_id))

    def counts(self, account_id: str | None = None) -> dict[str, int]:
        """Calls per "service:Operation", e.g. {"iam:GetAccountAuthorizationDetails": 3}."""
        result: dict[str, int] = {}
        for c in self.records(account_id=account_id):
            key = f"{c.service}:{c.operation}"
            result[key] = result.get(key, 0) + 1
        return result

    def write_calls(self) -> list[Call]:
        """Calls whose operation changes state (anything not Get/List/Describe-like)."""
        return [c for c in self.records() if not _is_read_operation(c.operation)]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()


def _is_read_operation(operation: str) -> bool:
    read_prefixes = ("Get", "List", "Describe", "Generate", "Simulate", "Select", "BatchGet")
    return operation.startswith(read_prefixes) or operation == "AssumeRole"


recorder = Recorder()


# --------------------------------------------------------------------------- injection


@dataclass
class Injection:
    """A planned error: the next matching request(s) fail with `code`/`message`."""

    service: str
    operation: str
    code: str
    message: str
    times: int | None  # None: every matching request, until cleared
    account_id: str | None
    status: int | None
    when: Callable[[Mapping[str, Any]], bool] | None
    hits: int = 0

    def matches(self, service: str, operation: str, account_id: str) -> bool:
        return (
            self.service == service
            and self.operation == operation
            and (self.account_id is None or self.account_id == account_id)
        )


@dataclass
class _EvaluationFailurePlan:
    count: int
    calls_left: int


@dataclass(frozen=True)
class StoredEvaluation:
    """One evaluation as AWS Config keeps it for a rule."""

    config_rule_name: str
    resource_type: str
    resource_id: str
    compliance_type: str
    annotation: str | None
    ordering_timestamp: datetime
    result_recorded_time: datetime
    config_rule_invoked_time: datetime


@dataclass(frozen=True)
class _TokenInfo:
    account_id: str
    region: str
    rule_name: str
    issued: datetime


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: float = 0.0
    injections: list[Injection] = field(default_factory=list)
    evaluation_failures: list[_EvaluationFailurePlan] = field(default_factory=list)
    tokens: dict[str, _TokenInfo] = field(default_factory=dict)
    # (account, region) -> rule names known to the simulation
    rules: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # (account, region, rule) -> (resource type, resource id) -> latest evaluation
    evaluations: dict[tuple[str, str, str], dict[tuple[str, str], StoredEvaluation]] = field(
        default_factory=dict
    )


_state = _State()


def set_latency(seconds: float) -> None:
    """Delay every request the simulation serves by `seconds` (0 turns it off)."""
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"latency must be a finite number >= 0, got {seconds!r}")
    with _state.lock:
        _state.latency = float(seconds)


def get_latency() -> float:
    with _state.lock:
        return _state.latency


@contextmanager
def latency(seconds: float) -> Iterator[None]:
    """Apply a per-request latency for the duration of a `with` block."""
    previous = get_latency()
    set_latency(seconds)
    try:
        yield
    finally:
        set_latency(previous)


def inject_error(
    service: str,
    operation: str,
    code: str,
    message: str = "Injected by the simulation",
    *,
    times: int | None = 1,
    account_id: str | None = None,
    status: int | None = None,
    when: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Injection:
    """Make the next `times` matching requests fail with an AWS error `code`.

    `service` is moto's service name ("iam", "sts", "config", "organizations"), `operation` the
    API name ("DeleteRole"). `account_id` restricts it to callers in that account; `when`
    receives the request's parameters (e.g. {"RoleName": "x"}) and restricts it further.
    `times=None` fails every matching request until `clear_injections()`/`reset()`.
    `status` defaults to the HTTP status AWS's model gives the code (else 400).
    """
    if times is not None and times < 1:
        raise ValueError(f"times must be >= 1 or None, got {times}")
    injection = Injection(service, operation, code, message, times, account_id, status, when)
    _declare_common_error_code(code)
    with _state.lock:
        _state.injections.append(injection)
    return injection


# AWS's common errors (any operation may return them), which moto warns about when a service
# model does not list them.
_AWS_COMMON_ERROR_CODES = (
    "AccessDenied",
    "AccessDeniedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidClientTokenId",
    "RequestExpired",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
)


def _declare_common_error_code(code: str) -> None:
    # moto's list of codes that need no error shape in the service model; an injected code is
    # one the test means to produce, so moto need not warn about it.
    with _install_lock:
        if code not in moto_errors.COMMON_ERROR_CODES:
            moto_errors.COMMON_ERROR_CODES.append(code)


def deny_assume_role(
    account_id: str, role_name: str | None = None, *, times: int | None = None
) -> Injection:
    """Make sts:AssumeRole into `account_id` (optionally only `role_name`) fail AccessDenied.

    moto lets anyone assume any role; real AWS refuses unless the trust policy allows it.
    """

    def targets(params: Mapping[str, Any]) -> bool:
        arn = str(params.get("RoleArn", ""))
        parts = arn.split(":")
        if len(parts) < 6 or parts[4] != account_id:
            return False
        return role_name is None or parts[5].rsplit("/", 1)[-1] == role_name

    return inject_error(
        "sts",
        "AssumeRole",
        "AccessDenied",
        f"User is not authorized to perform: sts:AssumeRole on resource: "
        f"arn:aws:iam::{account_id}:role/{role_name or '*'}",
        times=times,
        status=403,
        when=targets,
    )


def fail_evaluations(count: int, *, calls: int = 1) -> None:
    """Make the next `calls` PutEvaluations return their first `count` evaluations as failed.

    Failed evaluations come back in `FailedEvaluations` and are not stored, as when AWS Config
    cannot process part of a batch; the caller is expected to retry them.
    """
    if count < 1 or calls < 1:
        raise ValueError("count and calls must be >= 1")
    with _state.lock:
        _state.evaluation_failures.append(_EvaluationFailurePlan(count, calls))


def clear_injections() -> None:
    with _state.lock:
        _state.injections.clear()
        _state.evaluation_failures.clear()


def reset() -> None:
    """Forget tokens, rules, stored evaluations, injections, latency and recorded calls.

    moto's own backends are reset separately (`mock_aws` does it; `SimulatedAws.reset` too).
    """
    with _state.lock:
        _state.latency = 0.0
        _state.injections.clear()
        _state.evaluation_failures.clear()
        _state.tokens.clear()
        _state.rules.clear()
        _state.evaluations.clear()
    recorder.reset()


def _take_injection(
    service: str, operation: str, account_id: str, params: Callable[[], Mapping[str, Any]]
) -> Injection | None:
    with _state.lock:
        candidates = [i for i in _state.injections if i.matches(service, operation, account_id)]
    if not candidates:
        return None
    request_params = params()
    with _state.lock:
        for injection in candidates:
            if injection not in _state.injections:
                continue  # used up by a concurrent request
            if injection.when is not None and not injection.when(request_params):
                continue
            injection.hits += 1
            if injection.times is not None and injection.hits >= injection.times:
                _state.injections.remove(injection)
            return injection
    return None


# --------------------------------------------------------------------------- Config tokens


def issue_result_token(rule_name: str, account_id: str, region: str = "us-east-1") -> str:
    """Register Config rule `rule_name` in account/region and issue a result token for it.

    PutEvaluations accepts only tokens issued here (or "TESTMODE" with TestMode=True), posted
    from credentials of the same account, as AWS Config ties a token to one rule invocation.
    """
    if not rule_name or len(rule_name) > 128:
        raise ValueError(f"invalid Config rule name {rule_name!r}")
    token = base64.b64encode(secrets.token_bytes(48)).decode("ascii")
    with _state.lock:
        _state.tokens[token] = _TokenInfo(account_id, region, rule_name, datetime.now(UTC))
        _state.rules.setdefault((account_id, region), set()).add(rule_name)
    return token


def _format_notification_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("notification_time must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def scheduled_event(
    rule_name: str,
    account_id: str,
    region: str = "us-east-1",
    rule_parameters: Mapping[str, Any] | None = None,
    execution_role_arn: str | None = None,
    notification_time: datetime | None = None,
) -> dict[str, Any]:
    """A Lambda event as AWS Config sends it to a periodic custom rule.

    The result token in it is registered, so the handler's PutEvaluations will be accepted.
    `ruleParameters` is absent when `rule_parameters` is None (as for a rule without input
    parameters), else the JSON of the mapping, values as given.
    """
    token = issue_result_token(rule_name, account_id, region)
    when = notification_time if notification_time is not None else datetime.now(UTC)
    rule_id = "config-rule-" + secrets.token_hex(3)
    invoking_event = {
        "awsAccountId": account_id,
        "notificationCreationTime": _format_notification_time(when),
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking_event),
        "resultToken": token,
        "eventLeftScope": False,
        "executionRoleArn": execution_role_arn
        or f"arn:aws:iam::{account_id}:role{CONFIG_SERVICE_ROLE_PATH}AWSServiceRoleForConfig",
        "configRuleArn": f"arn:aws:config:{region}:{account_id}:config-rule/{rule_id}",
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": account_id,
    }
    if rule_parameters is not None:
        event["ruleParameters"] = json.dumps(dict(rule_parameters))
    return event


def stored_evaluations(
    rule_name: str, account_id: str, region: str = "us-east-1"
) -> list[StoredEvaluation]:
    """What AWS Config holds for the rule: the latest evaluation per resource, in put order."""
    with _state.lock:
        return list(_state.evaluations.get((account_id, region, rule_name), {}).values())


# --------------------------------------------------------------------------- errors


class _AwsError(ServiceException):
    """An AWS error with an explicit code, serialized by moto in the service's protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def _constraint_error(code: str, value: object, member: str, constraint: str) -> _AwsError:
    return _AwsError(
        code,
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def _encode_token(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode("ascii")


def _decode_token(token: str, kind: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != kind or not number.isdigit():
        return None
    return int(number)


# --------------------------------------------------------------------------- IAM


def _max_items(self: IamResponse) -> int:
    """IAM's MaxItems for list operations: 1..1000, 100 when absent."""
    raw_max_items = self._get_param("MaxItems")
    max_items = _GAAD_DEFAULT_MAX_ITEMS if raw_max_items is None else int(raw_max_items)
    if max_items < 1:
        raise _constraint_error(
            "ValidationError",
            max_items,
            "maxItems",
            "Member must have value greater than or equal to 1",
        )
    if max_items > _GAAD_MAX_ITEMS:
        raise _constraint_error(
            "ValidationError",
            max_items,
            "maxItems",
            f"Member must have value less than or equal to {_GAAD_MAX_ITEMS}",
        )
    return max_items


def _get_account_authorization_details(self: IamResponse) -> ActionResult | str:
    filter_param = self._get_param("Filter", [])
    marker = self._get_param("Marker")
    max_items = _max_items(self)
    details = self.backend.get_account_authorization_details(filter_param)
    sections = (
        ("UserDetailList", details["users"]),
        ("GroupDetailList", details["groups"]),
        ("RoleDetailList", details["roles"]),
        ("Policies", details["managed_policies"]),
    )
    items: list[tuple[str, Any]] = [(key, item) for key, values in sections for item in values]
    start = 0
    if marker is not None:
        decoded = _decode_token(str(marker), "gaad")
        if decoded is None or decoded > len(items):
            raise _AwsError("ValidationError", "Invalid Marker.")
        start = decoded
    end = start + max_items
    result: dict[str, Any] = {key: [] for key, _ in sections}
    for key, item in items[start:end]:
        result[key].append(item)
    result["IsTruncated"] = end < len(items)
    if end < len(items):
        result["Marker"] = _encode_token("gaad", end)
    if _fast_gaad and _only_plain_roles(self.backend, result):
        return _RawXml(_gaad_roles_xml(result["RoleDetailList"], end < len(items), end))
    return ActionResult(result)


# moto's generic, model-driven serializer takes seconds for a page of 1,000 roles, which would
# make benchmarks measure the simulator instead of the code under test. Pages of roles outside
# instance profiles (the bulk of any account) are written directly; tests compare both paths.
_fast_gaad = True


def set_fast_gaad(enabled: bool) -> None:
    """Turn the direct XML writer for GAAD role pages on or off (on by default)."""
    global _fast_gaad
    _fast_gaad = enabled


class _RawXml(str):
    """An already serialized IAM response body."""


def _only_plain_roles(backend: Any, result: Mapping[str, Any]) -> bool:
    if result["UserDetailList"] or result["GroupDetailList"] or result["Policies"]:
        return False
    in_profiles = {id(r) for p in backend.instance_profiles.values() for r in p.roles}
    return not any(id(role) in in_profiles for role in result["RoleDetailList"])


def _xml_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{xml_escape(str(value))}</{tag}>"


def _role_detail_xml(role: Any) -> str:
    parts = [
        "<member>",
        _el("Path", role.path),
        _el("RoleName", role.name),
        _el("RoleId", role.id),
        _el("Arn", role.arn),
        _el("CreateDate", _xml_time(role.create_date)),
        _el("AssumeRolePolicyDocument", url_quote(role.assume_role_policy_document)),
        "<InstanceProfileList/>",
    ]
    if role.policies:
        parts.append("<RolePolicyList>")
        for name, document in role.policies.items():
            parts.append(
                f"<member>{_el('PolicyName', name)}"
                f"{_el('PolicyDocument', url_quote(document))}</member>"
            )
        parts.append("</RolePolicyList>")
    else:
        parts.append("<RolePolicyList/>")
    if role.managed_policies:
        parts.append("<AttachedManagedPolicies>")
        for policy in role.managed_policies.values():
            parts.append(
                f"<member>{_el('PolicyName', policy.name)}{_el('PolicyArn', policy.arn)}</member>"
            )
        parts.append("</AttachedManagedPolicies>")
    else:
        parts.append("<AttachedManagedPolicies/>")
    if role.permissions_boundary_arn:
        boundary = _el("PermissionsBoundaryArn", role.permissions_boundary_arn)
        parts.append(
            "<PermissionsBoundary><PermissionsBoundaryType>PermissionsBoundaryPolicy"
            f"</PermissionsBoundaryType>{boundary}</PermissionsBoundary>"
        )
    if role.tags:
        parts.append("<Tags>")
        for tag in role.tags:
            parts.append(f"<member>{_el('Key', tag['Key'])}{_el('Value', tag['Value'])}</member>")
        parts.append("</Tags>")
    else:
        parts.append("<Tags/>")
    if role.last_used is not None:
        region = _el("Region", role.last_used_region) if role.last_used_region else ""
        parts.append(
            f"<RoleLastUsed>{_el('LastUsedDate', _xml_time(role.last_used))}{region}</RoleLastUsed>"
        )
    else:
        parts.append("<RoleLastUsed/>")
    parts.append("</member>")
    return "".join(parts)


def _gaad_roles_xml(roles: list[Any], truncated: bool, next_offset: int) -> str:
    body = "".join(_role_detail_xml(role) for role in roles)
    role_list = f"<RoleDetailList>{body}</RoleDetailList>" if roles else "<RoleDetailList/>"
    marker = _el("Marker", _encode_token("gaad", next_offset)) if truncated else ""
    return (
        '<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<GetAccountAuthorizationDetailsResult><UserDetailList/><GroupDetailList/>"
        f"{role_list}<Policies/><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        f"{marker}</GetAccountAuthorizationDetailsResult>"
        f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata>"
        "</GetAccountAuthorizationDetailsResponse>"
    )


_original_list_roles = IamResponse.list_roles


def _list_roles(self: IamResponse) -> ActionResult:
    _max_items(self)  # moto pages ListRoles itself but accepts any MaxItems
    return _original_list_roles(self)


_original_assume_role = TokenResponse.assume_role
_ROLE_CHAINING_MAX_SECONDS = 3600
_ASSUME_ROLE_MAX_SECONDS = 43200


_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def _assume_role(self: TokenResponse) -> ActionResult:
    session_name = str(self._get_param("RoleSessionName") or "")
    if not _SESSION_NAME.fullmatch(session_name):
        raise _constraint_error(
            "ValidationError",
            session_name,
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]* "
            "and have length between 2 and 64",
        )
    duration = int(self._get_param("DurationSeconds") or 3600)
    if duration > _ASSUME_ROLE_MAX_SECONDS:
        raise _constraint_error(
            "ValidationError",
            duration,
            "durationSeconds",
            f"Member must have value less than or equal to {_ASSUME_ROLE_MAX_SECONDS}",
        )
    caller_backend = iam_models.iam_backends[self.current_account]["aws"]
    caller_key = caller_backend.access_keys.get(self.get_access_key())
    if caller_key is not None and caller_key.role_arn and duration > _ROLE_CHAINING_MAX_SECONDS:
        raise _AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            "by role chaining.",
        )
    role_arn = str(self._get_param("RoleArn") or "")
    parts = role_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[4].isdigit():
        target_backend = iam_models.iam_backends[parts[4]]["aws"]
        try:
            role = target_backend.get_role_by_arn(role_arn)
        except Exception:  # a role the simulation does not hold: moto lets it be assumed
            role = None
        if role is not None and duration > int(role.max_session_duration or 3600):
            raise _AwsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
    return _original_assume_role(self)


_original_mark_account_as_visited = iam_models.mark_account_as_visited


def _mark_account_as_visited(account_id: str, access_key: str, service: str, region: str) -> None:
    _original_mark_account_as_visited(
        account_id=account_id, access_key=access_key, service=service, region=region
    )
    # moto stamps LastUsedDate on the assumed role but leaves Region empty; AWS records both.
    try:
        backend = iam_models.iam_backends[account_id]["aws"]
        key = backend.access_keys.get(access_key)
        if key is not None and key.role_arn:
            backend.get_role_by_arn(key.role_arn).last_used_region = region  # type: ignore[assignment]
    except Exception:  # unknown keys and missing roles are normal here
        return


# --------------------------------------------------------------------------- Config


def _parse_timestamp(value: object, member: str) -> datetime:
    if isinstance(value, bool):
        raise _constraint_error("ValidationException", value, member, "Member must be a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return datetime.fromtimestamp(float(value), UTC)
            except ValueError:
                raise _constraint_error(
                    "ValidationException", value, member, "Member must be a timestamp"
                ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise _constraint_error("ValidationException", value, member, "Member must be a timestamp")


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _json_body(self: BaseResponse) -> dict[str, Any]:
    body = self.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _AwsError("SerializationException", "Request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise _AwsError("SerializationException", "Request body must be a JSON object")
    return parsed


def _check_length(value: object, member: str, low: int, high: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise _constraint_error("ValidationException", None, member, "Member must not be null")
        return
    if not isinstance(value, str):
        raise _constraint_error("ValidationException", value, member, "Member must be a string")
    if len(value) < low:
        raise _constraint_error(
            "ValidationException",
            value,
            member,
            f"Member must have length greater than or equal to {low}",
        )
    if len(value) > high:
        raise _constraint_error(
            "ValidationException",
            value,
            member,
            f"Member must have length less than or equal to {high}",
        )


def _validate_evaluation(index: int, evaluation: object) -> tuple[dict[str, Any], datetime]:
    where = f"evaluations.{index}.member"
    if not isinstance(evaluation, dict):
        raise _constraint_error(
            "ValidationException", evaluation, where, "Member must be a structure"
        )
    _check_length(
        evaluation.get("ComplianceResourceType"),
        f"{where}.complianceResourceType",
        1,
        _RESOURCE_TYPE_MAX,
        required=True,
    )
    _check_length(
        evaluation.get("ComplianceResourceId"),
        f"{where}.complianceResourceId",
        1,
        _RESOURCE_ID_MAX,
        required=True,
    )
    compliance = evaluation.get("ComplianceType")
    if compliance is None:
        raise _constraint_error(
            "ValidationException", None, f"{where}.complianceType", "Member must not be null"
        )
    if compliance not in COMPLIANCE_TYPES:
        if compliance == "INSUFFICIENT_DATA":
            raise _AwsError(
                "InvalidParameterValueException",
                "The ComplianceType INSUFFICIENT_DATA is not supported for evaluations posted "
                "with PutEvaluations.",
            )
        raise _constraint_error(
            "ValidationException",
            compliance,
            f"{where}.complianceType",
            "Member must satisfy enum value set: "
            "[NOT_APPLICABLE, COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA]",
        )
    _check_length(
        evaluation.get("Annotation"), f"{where}.annotation", 1, _ANNOTATION_MAX, required=False
    )
    raw_ordering = evaluation.get("OrderingTimestamp")
    if raw_ordering is None:
        raise _constraint_error(
            "ValidationException", None, f"{where}.orderingTimestamp", "Member must not be null"
        )
    return evaluation, _parse_timestamp(raw_ordering, f"{where}.orderingTimestamp")


def _put_evaluations(self: ConfigResponse) -> str:
    body = _json_body(self)
    evaluations = body.get("Evaluations") or []
    token = body.get("ResultToken")
    test_mode = bool(body.get("TestMode", False))
    if not isinstance(evaluations, list):
        raise _constraint_error(
            "ValidationException", evaluations, "evaluations", "Member must be a list"
        )
    if len(evaluations) > _PUT_EVALUATIONS_MAX:
        raise _constraint_error(
            "ValidationException",
            f"[{len(evaluations)} evaluations]",
            "evaluations",
            f"Member must have length less than or equal to {_PUT_EVALUATIONS_MAX}",
        )
    checked = [_validate_evaluation(i, e) for i, e in enumerate(evaluations, start=1)]
    if not isinstance(token, str) or not token:
        raise _constraint_error(
            "ValidationException", token, "resultToken", "Member must not be null"
        )

    with _state.lock:
        info = _state.tokens.get(token)
    if info is None and not (test_mode and token == TESTMODE_TOKEN):
        raise _AwsError("InvalidResultTokenException", "The resultToken provided is invalid")
    if info is not None and info.account_id != self.current_account:
        raise _AwsError(
            "InvalidResultTokenException",
            f"The resultToken provided is invalid: it was issued for account {info.account_id}, "
            f"not for the caller's account {self.current_account}",
        )
    if test_mode or info is None:
        return json.dumps({"FailedEvaluations": []})

    failed_count = 0
    with _state.lock:
        if _state.evaluation_failures:
            plan = _state.evaluation_failures[0]
            failed_count = min(plan.count, len(checked))
            plan.calls_left -= 1
            if plan.calls_left <= 0:
                _state.evaluation_failures.pop(0)
    failed = [e for e, _ in checked[:failed_count]]
    recorded = datetime.now(UTC)
    with _state.lock:
        store = _state.evaluations.setdefault((info.account_id, info.region, info.rule_name), {})
        for evaluation, ordering in checked[failed_count:]:
            key = (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])
            previous = store.get(key)
            # Config orders results by OrderingTimestamp: an older evaluation never wins.
            if previous is not None and previous.ordering_timestamp > ordering:
                continue
            store[key] = StoredEvaluation(
                config_rule_name=info.rule_name,
                resource_type=key[0],
                resource_id=key[1],
                compliance_type=evaluation["ComplianceType"],
                annotation=evaluation.get("Annotation"),
                ordering_timestamp=ordering,
                result_recorded_time=recorded,
                config_rule_invoked_time=info.issued,
            )
    return json.dumps({"FailedEvaluations": failed}, default=str)


def _rule_exists(account_id: str, region: str, rule_name: str) -> bool:
    with _state.lock:
        if rule_name in _state.rules.get((account_id, region), set()):
            return True
    from moto.config.models import config_backends

    try:
        return rule_name in config_backends[account_id][region].config_rules
    except KeyError:
        return False


def _get_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    body = _json_body(self)
    rule_name = body.get("ConfigRuleName")
    _check_length(rule_name, "configRuleName", 1, 128, required=True)
    assert isinstance(rule_name, str)
    compliance_types = body.get("ComplianceTypes") or list(_FILTER_COMPLIANCE_TYPES)
    for value in compliance_types:
        if value not in _FILTER_COMPLIANCE_TYPES:
            raise _constraint_error(
                "ValidationException",
                value,
                "complianceTypes",
                "Member must satisfy enum value set: "
                "[NOT_APPLICABLE, COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA]",
            )
    limit = body.get("Limit") or _COMPLIANCE_DETAILS_MAX_LIMIT
    if not isinstance(limit, int) or limit < 0 or limit > _COMPLIANCE_DETAILS_MAX_LIMIT:
        raise _constraint_error(
            "ValidationException",
            limit,
            "limit",
            f"Member must have value less than or equal to {_COMPLIANCE_DETAILS_MAX_LIMIT}",
        )
    account_id, region = self.current_account, self.region
    if not _rule_exists(account_id, region, rule_name):
        raise _AwsError(
            "NoSuchConfigRuleException",
            f"The ConfigRule '{rule_name}' provided in the request is invalid. "
            "Please check the configRule name.",
        )
    wanted = set(compliance_types)
    matching = [
        e for e in stored_evaluations(rule_name, account_id, region) if e.compliance_type in wanted
    ]
    start = 0
    next_token = body.get("NextToken")
    if next_token:
        decoded = _decode_token(str(next_token), "compliance")
        if decoded is None or decoded > len(matching):
            raise _AwsError("InvalidNextTokenException", "The nextToken provided is invalid")
        start = decoded
    end = start + limit
    results = []
    for e in matching[start:end]:
        result: dict[str, Any] = {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": e.config_rule_name,
                    "ResourceType": e.resource_type,
                    "ResourceId": e.resource_id,
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": _epoch(e.ordering_timestamp),
            },
            "ComplianceType": e.compliance_type,
            "ResultRecordedTime": _epoch(e.result_recorded_time),
            "ConfigRuleInvokedTime": _epoch(e.config_rule_invoked_time),
        }
        if e.annotation is not None:
            result["Annotation"] = e.annotation
        results.append(result)
    response: dict[str, Any] = {"EvaluationResults": results}
    if end < len(matching):
        response["NextToken"] = _encode_token("compliance", end)
    return json.dumps(response)


# --------------------------------------------------------------------------- dispatch


def _request_params(self: BaseResponse) -> dict[str, Any]:
    """The request's top-level parameters, for injection predicates."""
    params: dict[str, Any] = {}
    querystring = getattr(self, "querystring", None) or {}
    for key, values in querystring.items():
        if isinstance(values, list) and values:
            params[key] = values[0]
    if getattr(self, "automated_parameter_parsing", False) and isinstance(
        getattr(self, "params", None), dict
    ):
        params.update(self.params)
    if not params:
        try:
            params = _json_body(self)
        except ServiceException:
            params = {}
    return params


_original_call_action = BaseResponse.call_action


def _call_action(self: BaseResponse) -> Any:
    headers = getattr(self, "headers", None)
    if headers is not None and headers.get(SIM_INTERNAL_HEADER):
        return _original_call_action(self)
    service = self.service_name or ""
    operation = self._get_action() or ""
    account_id = self.current_account
    recorder.record(Call(account_id, self.region, service, operation))
    delay = get_latency()
    if delay > 0:
        time.sleep(delay)
    injection = _take_injection(service, operation, account_id, lambda: _request_params(self))
    if injection is None:
        return _original_call_action(self)
    status, response_headers, body = self.serialized(
        ActionResult(_AwsError(injection.code, injection.message))
    )
    if injection.status is not None:
        status = injection.status
    response_headers, body = self._enrich_response(response_headers, body)
    return status, response_headers, body


_install_lock = threading.Lock()
_installed = False


def install() -> None:
    """Patch moto (idempotent). Affects mock_aws() and ThreadedMotoServer in this process."""
    global _installed
    with _install_lock:
        if _installed:
            return
        for code in _AWS_COMMON_ERROR_CODES:
            if code not in moto_errors.COMMON_ERROR_CODES:
                moto_errors.COMMON_ERROR_CODES.append(code)
        BaseResponse.call_action = _call_action  # type: ignore[method-assign]
        IamResponse.get_account_authorization_details = (  # type: ignore[method-assign]
            _get_account_authorization_details  # type: ignore[assignment]
        )
        IamResponse.list_roles = _list_roles  # type: ignore[method-assign]
        TokenResponse.assume_role = _assume_role  # type: ignore[method-assign]
        ConfigResponse.put_evaluations = _put_evaluations  # type: ignore[method-assign]
        # moto dispatches to any method named after the operation, so adding one implements it.
        ConfigResponse.get_compliance_details_by_config_rule = (  # type: ignore[attr-defined]
            _get_compliance_details_by_config_rule
        )
        iam_models.mark_account_as_visited = _mark_account_as_visited
        _installed = True


def installed() -> bool:
    with _install_lock:
        return _installed
