"""STS as strict as AWS where dormant depends on it: AssumeRole's checks.

moto lets any session name and any duration through. Here AssumeRole refuses malformed
session names, durations over 12 hours, sessions longer than the role's MaxSessionDuration,
and sessions over one hour when the caller is itself an assumed role (role chaining).
Trust policies are still not evaluated: `dormant_sim.faults.deny_assume_role` stands in.

Test support over moto's private classes (`TokenResponse`); never imported by dormant's Lambda
path. It must never weaken a check that AWS makes.
"""

from __future__ import annotations

import re

from moto.core.responses import ActionResult
from moto.iam import models as iam_models
from moto.sts.responses import TokenResponse

from dormant_sim.patching import Patch
from dormant_sim.protocol import AwsError, constraint_error

__all__ = ["PATCHES", "reset"]

_original_assume_role = TokenResponse.assume_role
_ROLE_CHAINING_MAX_SECONDS = 3600
_ASSUME_ROLE_MAX_SECONDS = 43200


_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def _assume_role(self: TokenResponse) -> ActionResult:
    session_name = str(self._get_param("RoleSessionName") or "")
    if not _SESSION_NAME.fullmatch(session_name):
        raise constraint_error(
            "ValidationError",
            session_name,
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]* "
            "and have length between 2 and 64",
        )
    duration = int(self._get_param("DurationSeconds") or 3600)
    if duration > _ASSUME_ROLE_MAX_SECONDS:
        raise constraint_error(
            "ValidationError",
            duration,
            "durationSeconds",
            f"Member must have value less than or equal to {_ASSUME_ROLE_MAX_SECONDS}",
        )
    caller_backend = iam_models.iam_backends[self.current_account]["aws"]
    caller_key = caller_backend.access_keys.get(self.get_access_key())
    if caller_key is not None and caller_key.role_arn and duration > _ROLE_CHAINING_MAX_SECONDS:
        raise AwsError(
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
            raise AwsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
    return _original_assume_role(self)


def reset() -> None:
    """STS keeps no state of its own beyond moto's backends."""


PATCHES = (Patch(TokenResponse, "assume_role", _assume_role),)
