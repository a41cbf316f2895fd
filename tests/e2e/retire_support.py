"""deploy/retire.yaml's resources made in the simulation, and its function run as its role.

`RetireDeployment.create` makes what the stack makes, from the template itself: the managed
deny (its name, path and document), the backup bucket (versioning and encryption as the
template sets them), the topic (an SQS queue subscribed to it shows the owners' messages)
and the function's role as a principal holding exactly the stack's policies for it. `run`
invokes `dormant.campaign.handler.run_once` as EventBridge Scheduler would (the schedule's
`scheduled_time`), under `Simulation.enforcing()`, as that role, with the function's clock
set to the day: time moves through the clock, never through the event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest
from deploy_support import RETIRE_TEMPLATE
from e2e_support import Stack, deployed_role

from dormant.campaign.handler import run_once
from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.server import Simulation

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "dormant-retire-backups-123456789012"
FUNCTION_ROLE = "RetireFunctionRole"


@dataclass
class RetireDeployment:
    stack: Stack
    role: PrincipalCredentials
    policy_arn: str
    topic_arn: str
    queue_url: str

    @classmethod
    def create(
        cls,
        sim: Simulation,
        monkeypatch: pytest.MonkeyPatch,
        overrides: Mapping[str, str] | None = None,
        policies: Mapping[str, Any] | None = None,
    ) -> RetireDeployment:
        params = {"CodeBucket": "dormant-code", **(overrides or {})}
        first = Stack.of(RETIRE_TEMPLATE, params)
        iam = boto3.client("iam")
        deny = first.properties("QuarantineDenyPolicy")
        policy_arn = iam.create_policy(
            PolicyName=deny["ManagedPolicyName"],
            Path=deny["Path"],
            PolicyDocument=json.dumps(deny["PolicyDocument"]),
        )["Policy"]["Arn"]
        bucket = first.resources["BackupBucket"]["Properties"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(
            Bucket=BUCKET, VersioningConfiguration=bucket["VersioningConfiguration"]
        )
        s3.put_bucket_encryption(
            Bucket=BUCKET,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
        # The stack's bucket policy too (TLS only, deletes by the break-glass role only):
        # the simulation evaluates it with the function role's own policies.
        s3.put_bucket_policy(
            Bucket=BUCKET,
            Policy=json.dumps(
                Stack.of(
                    RETIRE_TEMPLATE,
                    params,
                    attributes={
                        "BackupBucket": BUCKET,
                        "BackupBucket.Arn": f"arn:aws:s3:::{BUCKET}",
                    },
                ).property("BackupBucketPolicy", "PolicyDocument")
            ),
        )
        sns = boto3.client("sns", region_name=REGION)
        topic_arn = (
            params.get("NotifyTopicArn")
            or sns.create_topic(Name=first.property("NotifyTopic", "TopicName"))["TopicArn"]
        )
        if params.get("NotifyTopicArn"):
            sns.create_topic(Name=topic_arn.rsplit(":", 1)[1])
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="owners")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        name = first.params["NameOfSolution"]
        stack = Stack.of(
            RETIRE_TEMPLATE,
            params,
            attributes={
                "QuarantineDenyPolicy": policy_arn,
                "BackupBucket": BUCKET,
                "BackupBucket.Arn": f"arn:aws:s3:::{BUCKET}",
                "NotifyTopic": topic_arn,
                "RetireLogGroup.Arn": (
                    f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"
                ),
            },
        )
        environment = stack.property("RetireFunction", "Environment")["Variables"]
        for key, value in environment.items():
            monkeypatch.setenv(key, str(value))
        role = deployed_role(sim, stack, FUNCTION_ROLE, policies=policies)
        return cls(stack, role, policy_arn, topic_arn, queue_url)

    def run(
        self,
        sim: Simulation,
        when: datetime,
        *,
        event: Mapping[str, Any] | None = None,
        remaining_ms: Callable[[], int] | None = None,
    ) -> dict[str, object]:
        """One scheduled run at ``when`` (the function's clock), as the function's role,
        under enforcement; ``event`` replaces the schedule's."""
        if event is None:
            event = {"scheduled_time": when.isoformat().replace("+00:00", "Z")}
        with sim.enforcing(), sim.acting_as(self.role):
            return run_once(event, dict(os.environ), clock=lambda: when, remaining_ms=remaining_ms)

    def messages(self) -> list[dict[str, Any]]:
        """The owners' messages delivered since the last call: subject, text and owner."""
        sqs = boto3.client("sqs", region_name=REGION)
        found: list[dict[str, Any]] = []
        while True:
            answer = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            batch = answer.get("Messages", [])
            if not batch:
                return found
            for message in batch:
                body = json.loads(message["Body"])
                found.append(
                    {
                        "subject": body.get("Subject"),
                        "text": body["Message"],
                        "owner": body["MessageAttributes"]["owner"]["Value"],
                    }
                )
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def role_tags(name: str) -> dict[str, str]:
    tags = boto3.client("iam").list_role_tags(RoleName=name)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def attached(name: str) -> list[str]:
    policies = boto3.client("iam").list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return sorted(p["PolicyArn"] for p in policies)


def role_names() -> set[str]:
    return {r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]}
