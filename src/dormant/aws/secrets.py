"""Read one Secrets Manager secret's text (the retire function's webhook URL).

The value is a credential: no error or log here holds it, only the secret's ARN and AWS's
error. A failed call becomes an ``AwsAccessError`` naming the call and the secret.
"""

from __future__ import annotations

from typing import Any

from dormant.aws.session import aws_call
from dormant.core.errors import InvalidParameter

__all__ = ["secret_text"]


def secret_text(secrets: Any, secret_arn: str) -> str:
    """The secret's ``SecretString``, stripped; one line naming the secret if it has none."""
    account = secret_arn.split(":")[4] if secret_arn.count(":") >= 6 else ""
    with aws_call(f"secretsmanager:GetSecretValue of {secret_arn}", account):
        response = secrets.get_secret_value(SecretId=secret_arn)
    text = str(response.get("SecretString") or "").strip()
    if not text:
        raise InvalidParameter(
            "WebhookSecretArn", f"secret {secret_arn} holds no text (the webhook's URL)"
        )
    return text
