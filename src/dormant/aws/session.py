"""Sessions, retries, role assumption and error translation for every AWS call.

Retries use botocore's ``standard`` mode by default (``adaptive`` on request), so
throttling is absorbed instead of failing a run. AWS errors a user must fix become
``AwsAccessError`` naming the call and the account; botocore's own configuration errors
(an unparseable config file, a missing profile or Region, partial keys, a failing
``credential_process``, a missing or expired SSO token, no credentials) become
``AwsConfigurationError`` naming the file or profile. No botocore exception may leave
this module untranslated where a session is made or a call is wrapped.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import boto3
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.session
import botocore.utils

from dormant.core.errors import (
    ACCESS_DENIED_CODES,
    AssumeRoleError,
    AwsAccessError,
    AwsConfigurationError,
)
from dormant.core.time import parse_timestamp

__all__ = [
    "MAX_ASSUMED_SESSION_SECONDS",
    "assume_role_credentials",
    "assume_role_session",
    "aws_call",
    "call_time_bound",
    "client_config",
    "configuration_error",
    "make_session",
    "parse_aws_timestamp",
]

# Role chaining (a Lambda's role assuming another role) caps sessions at one hour.
MAX_ASSUMED_SESSION_SECONDS = 3600
RetryMode = Literal["standard", "adaptive"]


# botocore's errors about the local set-up rather than about a call: the user fixes a file,
# a profile or a login, not a permission.
_CONFIGURATION_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.ConfigParseError,
    botocore.exceptions.ProfileNotFound,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.SSOError,  # SSOTokenLoadError, UnauthorizedSSOTokenError
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.NoRegionError,
    botocore.exceptions.InvalidConfigError,
    botocore.exceptions.NoCredentialsError,
)


def client_config(
    retry_mode: RetryMode = "standard",
    max_attempts: int = 10,
    max_pool_connections: int = 10,
    *,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> botocore.config.Config:
    """``max_attempts`` counts retries, as botocore's own key does (10: 11 attempts in all);
    the timeouts are botocore's (60 s each) unless given."""
    config = botocore.config.Config(
        retries={"mode": retry_mode, "max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
        user_agent_extra="dormant",
    )
    # Given one by one: a timeout passed as None would mean none at all.
    if connect_timeout is not None:
        config = config.merge(botocore.config.Config(connect_timeout=connect_timeout))
    if read_timeout is not None:
        config = config.merge(botocore.config.Config(read_timeout=read_timeout))
    return config


# botocore's standard retries wait rand(0, 1) * min(2 ** (n - 1), 20) s before retry n, up to
# 5 s more when the answer carries x-amz-retry-after (botocore.retries.standard).
_BACKOFF_CAP = 20.0
_RETRY_AFTER_EXTRA = 5.0


def call_time_bound(config: botocore.config.Config) -> float:
    """The longest one call can take under ``config``, in seconds: every attempt's connect
    and read timeouts, and the longest back-off botocore's standard mode sleeps between
    them. Infinite in adaptive mode (its rate limiter may wait any time before a request)
    or legacy mode. Works on a Config as made, and on a client's (``client.meta.config``)."""
    # The stubs do not declare Config's attributes; botocore sets every option on it.
    retries: dict[str, Any] = dict(getattr(config, "retries", None) or {})
    if retries.get("mode") != "standard":
        return math.inf
    attempts = retries.get("total_max_attempts")
    if attempts is None:
        attempts = retries["max_attempts"] + 1 if "max_attempts" in retries else 3
    connect, read = getattr(config, "connect_timeout"), getattr(config, "read_timeout")  # noqa: B009
    per_attempt = float(connect) + float(read)
    backoff = sum(
        min(2.0 ** (n - 1), _BACKOFF_CAP) + _RETRY_AFTER_EXTRA for n in range(1, int(attempts))
    )
    return int(attempts) * per_attempt + backoff


def parse_aws_timestamp(value: str | float) -> datetime:
    """A response timestamp as an aware datetime; a value without an offset is UTC.

    ISO 8601 (what IAM, STS and Config return) goes through ``dormant.core.time``' parser;
    anything else (epoch seconds, RFC 822) through botocore's own parser. botocore's
    default (dateutil) is far slower per value, and one page of 1,000 roles holds up to
    2,000 timestamps.
    """
    if isinstance(value, int | float):  # JSON protocols (Config) send epoch seconds
        return datetime.fromtimestamp(value, UTC)
    try:
        return parse_timestamp(value)
    except ValueError:
        parsed = botocore.utils.parse_timestamp(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _profile_label(core: botocore.session.Session | None, profile: str | None) -> str:
    if profile:
        return profile
    with contextlib.suppress(Exception):
        named = (core if core is not None else botocore.session.Session()).profile
        if named:
            return str(named)
    return "default"


def _config_file(core: botocore.session.Session | None, key: str, fallback: str) -> str:
    # Where the files are comes from the environment only (AWS_CONFIG_FILE...), so a
    # fresh session tells as well as the one that failed.
    with contextlib.suppress(Exception):
        source = core if core is not None else botocore.session.Session()
        return str(Path(str(source.get_config_variable(key))).expanduser())
    return fallback


def configuration_error(
    exc: Exception,
    *,
    core: botocore.session.Session | None = None,
    profile: str | None = None,
    operation: str = "",
    account_id: str = "",
) -> AwsConfigurationError:
    """One of botocore's set-up errors as a message naming the file or profile to fix."""
    kwargs: dict[str, Any] = getattr(exc, "kwargs", {}) or {}
    name = _profile_label(core, profile)
    config_file = _config_file(core, "config_file", "~/.aws/config")
    credentials_file = _config_file(core, "credentials_file", "~/.aws/credentials")
    where = f"{operation}: " if operation else ""
    login = f"run 'aws sso login --profile {name}'"
    if isinstance(exc, botocore.exceptions.ConfigParseError):
        path = kwargs.get("path") or config_file
        message = f"AWS configuration file {path} cannot be parsed; fix its syntax"
    elif isinstance(exc, botocore.exceptions.ProfileNotFound):
        message = (
            f"AWS profile not found: {kwargs.get('profile', name)!r} is in neither "
            f"{config_file} nor {credentials_file}"
        )
    elif isinstance(exc, botocore.exceptions.PartialCredentialsError):
        message = (
            f"AWS profile {name!r} has partial credentials in {kwargs.get('provider', '?')}: "
            f"{kwargs.get('cred_var', 'a key')} is missing"
        )
    elif isinstance(exc, botocore.exceptions.CredentialRetrievalError):
        provider = kwargs.get("provider", "")
        source = "credential_process" if provider == "custom-process" else provider
        detail = " ".join(str(kwargs.get("error_msg", exc)).split())
        message = f"AWS profile {name!r}: {source} failed: " + (
            detail or "it exited with an error and printed nothing"
        )
    elif isinstance(exc, botocore.exceptions.UnauthorizedSSOTokenError):
        message = f"AWS profile {name!r}: the SSO session has expired or is invalid; {login}"
    elif isinstance(exc, botocore.exceptions.SSOError | botocore.exceptions.TokenRetrievalError):
        detail = " ".join(str(kwargs.get("error_msg", exc)).split())
        message = f"AWS profile {name!r}: no valid SSO token ({detail}); {login}"
    elif isinstance(exc, botocore.exceptions.NoRegionError):
        message = (
            f"no AWS Region for profile {name!r}: give --region, set AWS_REGION, or add "
            f"'region = ...' to the profile in {config_file}"
        )
    elif isinstance(exc, botocore.exceptions.NoCredentialsError):
        message = (
            "no AWS credentials found (set a profile, environment variables or an instance "
            f"role; profile {name!r}, files {config_file} and {credentials_file})"
        )
    else:
        message = f"AWS profile {name!r}: {' '.join(str(exc).split())} (in {config_file})"
    return AwsConfigurationError(
        where + message, operation=operation or "session", account_id=account_id
    )


def make_session(
    profile: str | None = None,
    region: str | None = None,
    *,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    session_token: str | None = None,
    loader: botocore.loaders.Loader | None = None,
) -> boto3.session.Session:
    """A session from the usual chain (env, profile, SSO, instance role), or given keys.

    Its clients parse timestamps with ``parse_aws_timestamp``. ``loader`` shares one
    service-model loader between sessions (loading the IAM model costs more CPU than a
    small account's API calls).

    Credentials are looked up here, once (the session keeps them), so that a broken local
    set-up (see ``configuration_error``) fails now, naming the file or profile, rather
    than inside whichever client happens to be made first. No credentials at all is left
    to the first call, whose message names it.
    """
    core = botocore.session.Session()
    try:
        if loader is not None:
            core.register_component("data_loader", loader)
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=parse_aws_timestamp
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            profile_name=profile,
            region_name=region,
            botocore_session=core,
        )
        if access_key_id is None:
            session.get_credentials()
    except _CONFIGURATION_ERRORS as exc:
        raise configuration_error(exc, core=core, profile=profile) from None
    return session


def describe_client_error(exc: botocore.exceptions.ClientError) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    return str(error.get("Code", "Unknown")), str(error.get("Message", str(exc)))


@contextlib.contextmanager
def aws_call(
    operation: str, account_id: str = "", *, session: boto3.session.Session | None = None
) -> Iterator[None]:
    """Turn the errors of one AWS call into AwsAccessError naming the call and account.

    botocore's set-up errors (an SSO token that expired mid-run, no Region for a regional
    service) become AwsConfigurationError; ``session``, when given, lets the message name
    its profile and config file.
    """
    where = f" in account {account_id}" if account_id else ""
    try:
        yield
    except botocore.exceptions.NoCredentialsError:
        raise AwsConfigurationError(
            f"{operation}{where}: no AWS credentials found (set a profile, environment "
            "variables or an instance role)",
            operation=operation,
            account_id=account_id,
        ) from None
    except _CONFIGURATION_ERRORS as exc:
        profile = session.profile_name if session is not None else None
        raise configuration_error(
            exc, profile=profile, operation=f"{operation}{where}", account_id=account_id
        ) from None
    except botocore.exceptions.ClientError as exc:
        code, message = describe_client_error(exc)
        kind = "denied" if code in ACCESS_DENIED_CODES else "failed"
        raise AwsAccessError(
            f"{operation}{where} {kind}: {code}: {message}",
            operation=operation,
            account_id=account_id,
            code=code,
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsAccessError(
            f"{operation}{where} failed: {exc}", operation=operation, account_id=account_id
        ) from None


def assume_role_credentials(
    sts: Any,
    role_arn: str,
    *,
    session_name: str = "dormant",
    duration_seconds: int = MAX_ASSUMED_SESSION_SECONDS,
) -> dict[str, Any]:
    """sts:AssumeRole through the given client: the role's temporary credentials.

    Sessions last at most one hour (role chaining caps them there); a refusal is an
    AssumeRoleError naming the role and its account.
    """
    parts = role_arn.split(":")
    account_id = parts[4] if len(parts) > 4 else ""
    try:
        response: Any = sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name[:64],
            DurationSeconds=min(duration_seconds, MAX_ASSUMED_SESSION_SECONDS),
        )
    except botocore.exceptions.ClientError as exc:
        code, message = describe_client_error(exc)
        raise AssumeRoleError(
            f"sts:AssumeRole of {role_arn} in account {account_id} failed: {code}: {message}",
            operation="sts:AssumeRole",
            account_id=account_id,
        ) from None
    except botocore.exceptions.NoCredentialsError:
        raise AssumeRoleError(
            f"sts:AssumeRole of {role_arn} in account {account_id}: no AWS credentials found",
            operation="sts:AssumeRole",
            account_id=account_id,
        ) from None
    except _CONFIGURATION_ERRORS as exc:
        raise configuration_error(
            exc, operation=f"sts:AssumeRole of {role_arn}", account_id=account_id
        ) from None
    credentials: dict[str, Any] = response["Credentials"]
    return credentials


def assume_role_session(
    base: boto3.session.Session,
    role_arn: str,
    *,
    session_name: str = "dormant",
    duration_seconds: int = MAX_ASSUMED_SESSION_SECONDS,
    region: str | None = None,
    config: botocore.config.Config | None = None,
) -> boto3.session.Session:
    """A session on the role, at most one hour long; AssumeRoleError names role and account."""
    sts = base.client("sts", region_name=region or base.region_name, config=config)
    credentials = assume_role_credentials(
        sts, role_arn, session_name=session_name, duration_seconds=duration_seconds
    )
    return make_session(
        region=region or base.region_name,
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
    )


def caller_account(
    session: boto3.session.Session, config: botocore.config.Config | None = None
) -> str:
    with aws_call("sts:GetCallerIdentity", session=session):
        return str(session.client("sts", config=config).get_caller_identity()["Account"])
