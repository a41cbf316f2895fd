"""S3 under enforcement: identity and bucket policies together, explicit denies, TLS, principal
conditions, accounts; and Secrets Manager authorized on the secret's full ARN.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dormant_sim.server import SimulatedAws, Simulation

ACCOUNT = "123456789012"
BUCKET = "backups-123456789012"
OBJECTS = f"arn:aws:s3:::{BUCKET}/*"


def allow(actions: list[str], resource: str | list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


def code_of(call: Any, **kwargs: Any) -> str:
    try:
        call(**kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"


def bucket_policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TLS_ONLY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [f"arn:aws:s3:::{BUCKET}", OBJECTS],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


@pytest.fixture
def bucket(sim: Simulation) -> str:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def test_identity_policy_grants_only_what_it_names(sim: Simulation, bucket: str) -> None:
    writer = sim.principal("writer", policies=[allow(["s3:PutObject"], f"{OBJECTS[:-1]}roles/*")])
    with sim.enforcing(), sim.acting_as(writer):
        s3 = boto3.client("s3")
        assert code_of(s3.put_object, Bucket=bucket, Key="roles/a", Body=b"x") == "ok"
        assert code_of(s3.put_object, Bucket=bucket, Key="other/a", Body=b"x") == "AccessDenied"
        assert code_of(s3.get_object, Bucket=bucket, Key="roles/a") == "AccessDenied"
        assert code_of(s3.get_bucket_versioning, Bucket=bucket) == "AccessDenied"


def test_a_bucket_policy_grant_suffices_in_the_same_account(sim: Simulation, bucket: str) -> None:
    reader = sim.principal("reader", policies=[allow(["sqs:ListQueues"], "*")])
    boto3.client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=bucket_policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
                "Action": "s3:GetBucketVersioning",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        ),
    )
    with sim.enforcing(), sim.acting_as(reader):
        assert code_of(boto3.client("s3").get_bucket_versioning, Bucket=bucket) == "ok"


def test_an_explicit_deny_in_the_bucket_policy_wins_and_names_its_principal(
    sim: Simulation, bucket: str
) -> None:
    """The retire bucket's rule: only the break-glass role deletes backups."""
    everything = allow(["s3:PutObject", "s3:DeleteObject"], OBJECTS)
    keeper = sim.principal("keeper", policies=[everything])
    glass = sim.principal("break-glass", policies=[everything])
    boto3.client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=bucket_policy(
            TLS_ONLY,
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": OBJECTS,
                "Condition": {
                    "ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/break-glass"}
                },
            },
        ),
    )
    with sim.enforcing(), sim.acting_as(keeper):
        s3 = boto3.client("s3")
        assert code_of(s3.put_object, Bucket=bucket, Key="roles/a", Body=b"x") == "ok"
        with pytest.raises(ClientError) as denied:
            s3.delete_object(Bucket=bucket, Key="roles/a")
        assert "explicit deny in a resource-based policy" in str(denied.value)
    with sim.enforcing(), sim.acting_as(glass):
        assert code_of(boto3.client("s3").delete_object, Bucket=bucket, Key="roles/a") == "ok"


def test_a_missing_key_is_forbidden_without_list_bucket(sim: Simulation, bucket: str) -> None:
    without = sim.principal("without", policies=[allow(["s3:GetObject"], OBJECTS)])
    with_list = sim.principal(
        "with-list",
        policies=[
            allow(["s3:GetObject"], OBJECTS),
            allow(["s3:ListBucket"], f"arn:aws:s3:::{bucket}"),
        ],
    )
    with sim.enforcing(), sim.acting_as(without):
        assert code_of(boto3.client("s3").get_object, Bucket=bucket, Key="none") == "AccessDenied"
    with sim.enforcing(), sim.acting_as(with_list):
        assert code_of(boto3.client("s3").get_object, Bucket=bucket, Key="none") == "NoSuchKey"


def test_another_accounts_bucket_needs_its_policy_too(sim: Simulation, bucket: str) -> None:
    stranger = sim.principal(
        "stranger", account_id="111111111111", policies=[allow(["s3:GetBucketVersioning"], "*")]
    )
    with sim.enforcing(), sim.acting_as(stranger):
        assert code_of(boto3.client("s3").get_bucket_versioning, Bucket=bucket) == "AccessDenied"
    boto3.client("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=bucket_policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "s3:GetBucketVersioning",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        ),
    )
    with sim.enforcing(), sim.acting_as(stranger):
        assert code_of(boto3.client("s3").get_bucket_versioning, Bucket=bucket) == "ok"


def test_secure_transport_is_the_scheme_the_client_called(sim_server: SimulatedAws) -> None:
    """The loopback server is plain http: a TLS-only bucket refuses even a granted write."""
    s3 = boto3.client("s3", endpoint_url=sim_server.endpoint_url)
    s3.create_bucket(Bucket=BUCKET)
    writer = sim_server.principal("writer", policies=[allow(["s3:PutObject"], OBJECTS)])
    key, secret = writer.access_key_id, writer.secret_access_key
    as_writer = boto3.client(
        "s3",
        endpoint_url=sim_server.endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=writer.session_token,
    )
    with sim_server.enforcing():
        assert code_of(as_writer.put_object, Bucket=BUCKET, Key="a", Body=b"x") == "ok"
    s3.put_bucket_policy(Bucket=BUCKET, Policy=bucket_policy(TLS_ONLY))
    with sim_server.enforcing():
        assert code_of(as_writer.put_object, Bucket=BUCKET, Key="a", Body=b"x") == "AccessDenied"


def test_secrets_are_authorized_on_their_full_arn(sim: Simulation) -> None:
    arn = boto3.client("secretsmanager").create_secret(Name="hook", SecretString="url")["ARN"]
    assert arn != "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook"  # random suffix
    by_arn = sim.principal("by-arn", policies=[allow(["secretsmanager:GetSecretValue"], arn)])
    by_name = sim.principal(
        "by-name",
        policies=[
            allow(
                ["secretsmanager:GetSecretValue"],
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook",
            )
        ],
    )
    with sim.enforcing(), sim.acting_as(by_arn):
        secrets = boto3.client("secretsmanager")
        # Named by its name or its full ARN, it is the same secret to IAM.
        assert secrets.get_secret_value(SecretId="hook")["SecretString"] == "url"
        assert secrets.get_secret_value(SecretId=arn)["SecretString"] == "url"
    with sim.enforcing(), sim.acting_as(by_name):
        assert code_of(boto3.client("secretsmanager").get_secret_value, SecretId="hook") == (
            "AccessDenied"
        )
