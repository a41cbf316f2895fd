"""Every request, whatever the service: record it, delay it, check it against its service's
model (`service_models`), check its permissions, maybe fail it.

Patches moto's `BaseResponse.call_action` (the step that turns a parsed request into a backend
call), so it holds for `mock_aws()` and for a `ThreadedMotoServer` in the same process alike.
While IAM enforcement is on (`dormant_sim.enforcement`), a call its caller's policies do not
allow answers AccessDenied instead (it is still recorded: the caller made it).
Requests carrying `SIM_INTERNAL_HEADER` (the seeding helpers add it) are served untouched:
building a test account must not count as the code under test's calls, nor be checked.
Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ReadTimeoutError
from moto.core import errors as moto_errors
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

from dormant_sim import enforcement, faults, service_models
from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, json_body
from dormant_sim.recording import Call, recorder

__all__ = ["PATCHES", "SIM_INTERNAL_HEADER", "reset"]

SIM_INTERNAL_HEADER = "x-dormant-sim-internal"


def _request_params(self: BaseResponse) -> dict[str, Any]:
    """The request's top-level parameters, for injection predicates."""
    body = getattr(self, "body", None)
    if isinstance(body, bytes | str) and body[:1] in ("{", b"{"):
        # A JSON-protocol request (Config, Security Hub): moto also parses its body as a
        # query string, into one meaningless key, so read the JSON itself.
        try:
            return json_body(self)
        except ServiceException:
            pass
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
            params = json_body(self)
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
    delay = faults.get_latency()
    if delay > 0:
        time.sleep(delay)
    invalid = service_models.refusal(self)
    if invalid is not None:
        return _error(self, invalid.code, invalid.message, invalid.status)
    denial = enforcement.authorize(self)
    if denial is not None:
        return _error(self, denial.code, denial.message, denial.status)
    injection = faults.take_injection(service, operation, account_id, lambda: _request_params(self))
    if injection is None:
        return _original_call_action(self)
    if injection.effect == "timeout":
        raise ReadTimeoutError(endpoint_url=f"https://{service}.amazonaws.com/")
    if injection.effect == "kill-before":
        raise faults.RunKilled(service, operation, after=False)
    if injection.effect == "kill-after":
        _original_call_action(self)
        raise faults.RunKilled(service, operation, after=True)
    return _error(self, injection.code, injection.message, injection.status)


def _error(self: BaseResponse, code: str, message: str, status: int | None) -> Any:
    """The error response AWS sends, in the service's protocol."""
    response_status, response_headers, body = self.serialized(ActionResult(AwsError(code, message)))
    if status is not None:
        response_status = status
    response_headers, body = self._enrich_response(response_headers, body)
    return response_status, response_headers, body


def reset() -> None:
    """Forget recorded calls, latency and planned faults."""
    recorder.reset()
    faults.reset()


PATCHES = (
    Patch(BaseResponse, "call_action", _call_action),
    # A fresh list, so that uninstalling also forgets the codes injections declared.
    Patch(
        moto_errors,
        "COMMON_ERROR_CODES",
        [
            *moto_errors.COMMON_ERROR_CODES,
            *(c for c in faults.AWS_COMMON_ERROR_CODES if c not in moto_errors.COMMON_ERROR_CODES),
            enforcement.CANNOT_AUTHORIZE,
        ],
    ),
)
