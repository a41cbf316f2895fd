"""The one exception tree of dormant.

Every error that a user can cause or fix is a ``DormantError``; the command line
turns it into one line on stderr and an exit code, the Lambda handler re-raises it
so that Lambda (and AWS Config) see the invocation fail. Messages always name the
parameter, file, role or account at fault.

    DormantError                    exit_code 2
    ├── InvalidParameter            a rule parameter, CLI option or setting is wrong
    ├── InvalidEvent                the Lambda event is not what the function takes (a
    │                               Config rule event; a schedule's time near the clock)
    ├── RoleDataError               a role record lacks a field or has a bad value
    │   └── SnapshotError           an offline snapshot file cannot be read
    ├── CredentialReportError       an IAM credential report lacks a column or has a bad
    │                               value, cannot be read, or was not generated in time
    ├── AwsAccessError              an AWS call was denied or failed (names the call)
    │   ├── AssumeRoleError         a role in another account could not be assumed
    │   └── AwsConfigurationError   the local AWS set-up is unusable: config file, profile,
    │                               Region, credentials, SSO token (names the file or profile)
    ├── EvaluationDeliveryError     AWS Config kept rejecting evaluations
    ├── FindingImportError          Security Hub kept rejecting findings
    ├── RemediationRefused          a change was refused to keep a role safe
    ├── BackupError                 a role's backup file could not be written
    ├── NotificationError           a notice could not be delivered to an owner (names the
    │                               channel, never a webhook's URL)
    ├── RunInProgress               another run of the retire campaign holds its lease
    └── DemoUnavailable             ``dormant demo`` lacks its optional dependency (moto)

This module imports nothing but the standard library.
"""

from __future__ import annotations

__all__ = [
    "AssumeRoleError",
    "AwsAccessError",
    "AwsConfigurationError",
    "BackupError",
    "CredentialReportError",
    "DemoUnavailable",
    "DormantError",
    "EvaluationDeliveryError",
    "FindingImportError",
    "InvalidEvent",
    "InvalidParameter",
    "NotificationError",
    "RemediationRefused",
    "RoleDataError",
    "RunInProgress",
    "SnapshotError",
]

# AWS error codes that mean "denied" (credentials, permissions) rather than "failed": the
# adapters and the in-memory fakes word their AwsAccessError by this one set. (A value,
# not an error: outside __all__, which lists the tree.)
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidAccessKeyId",
    }
)


class DormantError(Exception):
    """Base of every error dormant raises on purpose."""

    exit_code: int = 2


class InvalidParameter(DormantError):
    """A rule parameter, command-line option or environment setting is invalid."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"invalid parameter {name}: {problem}")
        self.name = name
        self.problem = problem


class InvalidEvent(DormantError):
    """The Lambda was invoked with an event it does not take (not a Config rule event; a
    retire run's ``scheduled_time`` far from the clock)."""


class RoleDataError(DormantError):
    """A role record (from IAM or a snapshot) is missing a field or holds a bad value."""


class SnapshotError(RoleDataError):
    """An offline snapshot file is missing, unreadable or not the expected JSON."""


class CredentialReportError(DormantError):
    """An IAM credential report is malformed (names the user's row and the column), cannot be
    read, or IAM did not finish generating it in time."""


class AwsAccessError(DormantError):
    """An AWS API call failed for a reason the user must fix (credentials, permissions)."""

    def __init__(
        self, message: str, *, operation: str = "", account_id: str = "", code: str = ""
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.account_id = account_id
        self.code = code  # AWS's error code, when AWS answered with one

    @property
    def denied(self) -> bool:
        """AWS refused the call for want of a permission (or of valid credentials)."""
        return self.code in ACCESS_DENIED_CODES


class AssumeRoleError(AwsAccessError):
    """sts:AssumeRole into another account was refused or failed."""


class AwsConfigurationError(AwsAccessError):
    """botocore could not build a session or credentials from the local AWS set-up.

    An unparseable ``~/.aws/config``, a missing profile or Region, partial keys, a failing
    ``credential_process``, an expired or missing SSO token, no credentials at all. It is
    an ``AwsAccessError`` so that a multi-account scan files it under the account whose
    call met it, like any other refused call.
    """


class EvaluationDeliveryError(DormantError):
    """AWS Config did not accept some evaluations even after retries."""


class FindingImportError(DormantError):
    """Security Hub did not accept some findings (BatchImportFindings) even after retries."""


class RemediationRefused(DormantError):
    """A remediation step was refused to protect a role (service-linked, allow-listed...)."""


class BackupError(DormantError):
    """A backup (or its folder) could not be written: the file system, not the role, is at
    fault. Nothing is deleted without a backup, so the role is left as it was."""


class DemoUnavailable(DormantError):
    """``dormant demo`` needs the optional simulation (moto), which is not installed."""


class NotificationError(DormantError):
    """A retire notice could not be delivered; the message names the channel (a webhook by
    its kind only: its URL is a secret) and what went wrong."""


class RunInProgress(DormantError):
    """Another run of the retire campaign holds the lease (names the lease object and until
    when it holds); this run changed nothing."""
