"""botocore's set-up errors met during a call become AwsConfigurationError, named.

Some of them cannot be provoked from a config file without a network (an SSO session
that expires mid-run, a token provider that fails): they are raised inside ``aws_call``
here, as botocore raises them, to check what the user is told.
"""

from __future__ import annotations

import botocore.exceptions
import pytest

from dormant.aws.session import aws_call, configuration_error
from dormant.core.errors import AwsAccessError, AwsConfigurationError, DormantError

CASES = [
    (botocore.exceptions.UnauthorizedSSOTokenError(), ["SSO session has expired", "sso login"]),
    (
        botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="refresh failed"),
        ["no valid SSO token (refresh failed)", "aws sso login --profile default"],
    ),
    (
        botocore.exceptions.SSOTokenLoadError(error_msg="Token for corp does not exist"),
        ["Token for corp does not exist"],
    ),
    (
        botocore.exceptions.CredentialRetrievalError(provider="custom-process", error_msg="no"),
        ["credential_process failed: no"],
    ),
    (
        botocore.exceptions.PartialCredentialsError(provider="env", cred_var="AWS_SECRET"),
        ["partial credentials in env", "AWS_SECRET is missing"],
    ),
    (botocore.exceptions.NoRegionError(), ["no AWS Region for profile 'default'"]),
    (botocore.exceptions.ConfigParseError(path="/x/config"), ["/x/config cannot be parsed"]),
]


@pytest.mark.parametrize(("error", "needles"), CASES)
def test_errors_inside_a_call_name_the_call_and_what_to_fix(
    error: Exception, needles: list[str]
) -> None:
    with pytest.raises(AwsConfigurationError) as caught, aws_call("iam:GetRole", "111111111111"):
        raise error
    message = str(caught.value)
    assert message.startswith("iam:GetRole in account 111111111111: ")
    for needle in needles:
        assert needle in message
    assert caught.value.operation == "iam:GetRole in account 111111111111"
    assert caught.value.account_id == "111111111111"


def test_a_configuration_error_is_an_access_error_with_exit_code_2() -> None:
    # A multi-account scan files it under the account whose call met it, like a denial.
    error = configuration_error(botocore.exceptions.NoRegionError(), profile="audit")
    assert isinstance(error, AwsAccessError)
    assert isinstance(error, DormantError)
    assert error.exit_code == 2
    assert "no AWS Region for profile 'audit'" in str(error)


def test_the_profile_named_is_the_one_in_effect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "from-env")
    error = configuration_error(botocore.exceptions.UnauthorizedSSOTokenError())
    assert "AWS profile 'from-env'" in str(error)
    assert "aws sso login --profile from-env" in str(error)
