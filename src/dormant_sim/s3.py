"""S3 requests checked like any other: against S3's model, and (while enforcing) against IAM.

moto's S3 does not go through `BaseResponse.call_action`, so `dispatch` never sees it; every
S3 operation calls `_authenticate_and_authorize_s3_action` first, which this module replaces:

- the request is checked against S3's service model (`service_models`): `InvalidArgument`;
- under `Simulation.enforcing()`, the caller's identity policies and the bucket's policy are
  evaluated together, as S3 does: an explicit Deny in either refuses; otherwise in the
  bucket owner's account an Allow in either grants, and from another account both must
  allow. A permissions boundary and a session policy limit an identity grant as elsewhere.
  The request context adds `aws:SecureTransport` (the scheme the client called: `https` for
  the in-process simulation, `http` for the loopback server) to `request_context`'s keys;
  the bucket policy's `Principal` is matched as in a trust policy (`*`, an account, an ARN).
- S3 actions are IAM's names for the operation (`S3_ACTIONS`: HeadObject is s3:GetObject,
  ListObjectsV2 is s3:ListBucket, a versioned GetObject is s3:GetObjectVersion ...); an
  operation not listed answers `SimulationCannotAuthorize` under enforcement, as an
  unknown action does elsewhere.

Requests that carry `SIM_INTERNAL_HEADER` (seeding) are served untouched. Access points,
ACLs, object ownership and S3 condition keys other than `aws:SecureTransport` are not
simulated (docs/simulation-requests.md). Test support over moto's private classes; never
imported by dormant's Lambda path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket

from dormant_sim import enforcement, policy, service_models
from dormant_sim.patching import Patch
from dormant_sim.principals import Caller, caller_of, document_of
from dormant_sim.request_context import KNOWN_KEYS, context_of

__all__ = ["PATCHES", "S3_ACTIONS", "reset"]

# Operation -> IAM action (without "s3:"). Operations named like their action are listed too,
# so that the table is the whole set the simulation authorizes.
S3_ACTIONS: Mapping[str, str] = {
    "ListBuckets": "ListAllMyBuckets",
    "CreateBucket": "CreateBucket",
    "DeleteBucket": "DeleteBucket",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "GetBucketVersioning": "GetBucketVersioning",
    "PutBucketVersioning": "PutBucketVersioning",
    "GetBucketPolicy": "GetBucketPolicy",
    "PutBucketPolicy": "PutBucketPolicy",
    "DeleteBucketPolicy": "DeleteBucketPolicy",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketTagging": "GetBucketTagging",
    "PutBucketTagging": "PutBucketTagging",
    "GetBucketLocation": "GetBucketLocation",
    "GetObject": "GetObject",
    "HeadObject": "GetObject",
    "PutObject": "PutObject",
    "DeleteObject": "DeleteObject",
    "GetObjectTagging": "GetObjectTagging",
    "PutObjectTagging": "PutObjectTagging",
}
# With a VersionId, these act on one version and IAM names the action so.
_VERSIONED = {
    "GetObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
}

_S3_KNOWN_KEYS = KNOWN_KEYS | {"aws:securetransport"}
# Operations on a key that answer 404 when it is missing only with s3:ListBucket.
_LIST_REVEALS = frozenset({"GetObject", "HeadObject", "GetObjectTagging"})


def _missing(bucket_name: str, key: str, account_id: str) -> bool:
    from moto.s3.models import s3_backends

    try:
        found = s3_backends[_bucket_account(bucket_name, account_id)]["aws"].get_bucket(bucket_name)
    except Exception:
        return False  # a missing bucket: S3 answers NoSuchBucket either way
    return key not in found.keys


class _Refused(S3ClientError):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message)
        self.code = code
        self.http_status_code = status


def _bucket_policy(bucket_name: str, account_id: str) -> Mapping[str, Any] | None:
    from moto.s3.models import s3_backends

    try:
        bucket = s3_backends[account_id]["aws"].get_bucket(bucket_name)
    except Exception:
        return None
    raw = getattr(bucket, "policy", None)
    if not raw:
        return None
    text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    return document_of(text)


def _bucket_account(bucket_name: str, fallback: str) -> str:
    from moto.s3.models import s3_backends

    owner = s3_backends.bucket_accounts.get(bucket_name)
    # moto maps a bucket to (partition, account).
    return str(owner[1]) if isinstance(owner, tuple) else fallback


def resource_policy_verdict(
    document: Mapping[str, Any] | None, caller: Caller, request: policy.Request
) -> policy.Verdict:
    """A resource policy's verdict on `request` by `caller` (its Principal matched first), as
    `enforcement` reads every resource policy."""
    if document is None:
        return policy.Verdict.IMPLICIT_DENY
    return enforcement.resource_verdict(document, caller, request)


def _iam_action(operation: str, params: Mapping[str, Any]) -> str:
    name = S3_ACTIONS.get(operation)
    if name is None:
        raise policy.CannotEvaluate(
            f"the simulation does not know the IAM action of s3 {operation}"
        )
    if params.get("VersionId") and operation in _VERSIONED:
        name = _VERSIONED[operation]
    return f"s3:{name}"


def _decide(
    caller: Caller, action: str, resource: str, request: policy.Request, bucket_policy: Any
) -> str | None:
    """Why S3 refuses, or None when the identity and the bucket's policies allow it."""
    identity = policy.evaluate(caller.documents, request)
    bucket = resource_policy_verdict(bucket_policy, caller, request)
    if policy.Verdict.EXPLICIT_DENY in (identity, bucket):
        where = "identity-based" if identity is policy.Verdict.EXPLICIT_DENY else "resource-based"
        return f"with an explicit deny in a {where} policy"
    owner = resource.split(":", 5)[5].split("/", 1)[0] if resource != "*" else ""
    same_account = _bucket_account(owner, caller.account_id) == caller.account_id
    if same_account and policy.Verdict.ALLOW not in (identity, bucket):
        return f"because no identity-based or resource-based policy allows the {action} action"
    if not same_account and not (identity is bucket is policy.Verdict.ALLOW):
        return f"because {action} across accounts needs an identity and a bucket policy grant"
    if identity is policy.Verdict.ALLOW and bucket is not policy.Verdict.ALLOW:
        for name, limit in (
            ("permissions boundary", caller.boundary),
            ("session policy", caller.session_policy),
        ):
            if limit is not None and policy.evaluate([limit], request) is not policy.Verdict.ALLOW:
                return f"because no {name} allows the {action} action"
    return None


def _authorize(
    response: Any, operation: str, params: Mapping[str, Any], bucket: str | None, key: str | None
) -> None:
    from moto.iam.access_control import S3IAMRequest
    from werkzeug.exceptions import HTTPException

    headers = response.headers
    if "Authorization" not in headers:
        raise _Refused("AccessDenied", "Access Denied", 403)
    try:
        iam_request = S3IAMRequest(
            account_id=response.current_account,
            method=response.method,
            path=response.raw_path
            + (f"?{urlparse(response.uri).query}" if urlparse(response.uri).query else ""),
            data=response.data,
            body=response.raw_body,
            headers=headers,
            action=operation,
        )
        iam_request.check_signature()
    except HTTPException as error:
        raise _Refused(
            str(getattr(error, "error_type", "AccessDenied")), "Access Denied", 403
        ) from None
    try:
        caller = caller_of(iam_request._access_key)
        action = _iam_action(operation, params)
        resource = "*" if bucket is None else f"arn:aws:s3:::{bucket}" + (f"/{key}" if key else "")
        region = response.region or "us-east-1"
        context = context_of(caller, action.lower(), resource, region, lambda _name: None)
        secure = urlparse(response.uri).scheme == "https"
        context["aws:SecureTransport"] = "true" if secure else "false"
        request = policy.Request(
            action=action, resource=resource, context=context, known_keys=_S3_KNOWN_KEYS
        )
        owner = _bucket_account(bucket, response.current_account) if bucket else ""
        bucket_policy = _bucket_policy(bucket, owner) if bucket else None
        because = _decide(caller, action, resource, request, bucket_policy)
        if (
            because is None
            and bucket
            and key
            and operation in _LIST_REVEALS
            and _missing(bucket, key, response.current_account)
        ):
            # S3 answers 404 for a missing key only to a caller who may list the bucket;
            # anyone else gets 403, so as not to learn which keys exist.
            action, resource = "s3:ListBucket", f"arn:aws:s3:::{bucket}"
            list_request = policy.Request(
                action=action, resource=resource, context=context, known_keys=_S3_KNOWN_KEYS
            )
            because = _decide(caller, action, resource, list_request, bucket_policy)
    except policy.CannotEvaluate as exc:
        raise _Refused(enforcement.CANNOT_AUTHORIZE, f"s3 {operation}: {exc}", 400) from None
    if because is not None:
        raise _Refused(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: {action} on resource: "
            f'"{resource}" {because}',
            403,
        )


def _authenticate_and_authorize_s3_action(
    self: Any, bucket_name: str | None = None, key_name: str | None = None
) -> None:
    from dormant_sim.dispatch import SIM_INTERNAL_HEADER

    headers = getattr(self, "headers", None)
    if headers is not None and headers.get(SIM_INTERNAL_HEADER):
        return
    operation = str(self._get_action() or "")
    if not operation:
        return
    invalid = service_models.refusal(self)
    if invalid is not None:
        raise _Refused(invalid.code, invalid.message, invalid.status)
    if not enforcement.is_enforcing():
        return
    params = service_models.parsed_params(self, operation) or {}
    _authorize(self, operation, params, bucket_name, key_name)


def _no_moto_bucket_verdict(self: Any, action: str, resource: str) -> Any:
    """moto's own bucket-policy check, replaced: `_authorize` decides, under enforcement.

    moto's evaluator ignores a statement's Condition, so the retire bucket's TLS-only Deny
    (a Deny on `aws:SecureTransport` false) would refuse every object request, secure or not;
    two checks that disagree would make a test's outcome depend on which ran.
    """
    from moto.iam.access_control import PermissionResult

    return PermissionResult.NEUTRAL


def reset() -> None:
    """S3 keeps no state of its own beyond moto's backends."""


PATCHES = (
    Patch(FakeBucket, "get_permission", _no_moto_bucket_verdict),
    Patch(
        ActionAuthenticatorMixin,
        "_authenticate_and_authorize_s3_action",
        _authenticate_and_authorize_s3_action,
    ),
)
