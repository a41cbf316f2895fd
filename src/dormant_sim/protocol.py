"""What every simulated service shares: AWS errors, opaque paging tokens, JSON bodies.

An error raised from a patched response method is serialized by moto in the service's own
protocol (query XML for IAM and STS, JSON for Config), so callers see what AWS sends.
Test support over moto's private classes; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import BaseResponse

__all__ = ["AwsError", "constraint_error", "decode_token", "encode_token", "json_body"]


class AwsError(ServiceException):
    """An AWS error with an explicit code, serialized by moto in the service's protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def constraint_error(code: str, value: object, member: str, constraint: str) -> AwsError:
    """AWS's "1 validation error detected" for one member of a request."""
    return AwsError(
        code,
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def encode_token(kind: str, offset: int) -> str:
    """An opaque paging token (Marker, NextToken) for position `offset` of a `kind` listing."""
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode("ascii")


def decode_token(token: str, kind: str) -> int | None:
    """The offset in a token from `encode_token(kind, ...)`, or None for any other string."""
    try:
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != kind or not number.isdigit():
        return None
    return int(number)


def json_body(response: BaseResponse) -> dict[str, Any]:
    """The request body of a JSON-protocol service (Config), as a dict."""
    body = response.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise AwsError("SerializationException", "Request body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise AwsError("SerializationException", "Request body must be a JSON object")
    return parsed
