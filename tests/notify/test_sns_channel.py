"""The SNS channel in the simulated AWS: one Publish per message, with the attribute owner
that each team's subscription filters on; a failed Publish is a NotificationError naming the
topic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dormant.aws.sns import SnsChannel
from dormant.core.errors import NotificationError
from dormant.notify.message import Message, MessageContext, NoticeItem, build_message
from dormant.remediation.notice import LifecycleStep, NextStep

REGION = "us-east-1"
CONTEXT = MessageContext(account_id="111111111111", today=date(2026, 12, 1))


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


def _message(owner: str) -> Message:
    item = NoticeItem(
        "role",
        "AppRole",
        LifecycleStep.NOTIFY,
        "No record of usage",
        NextStep(LifecycleStep.QUARANTINE, date(2026, 12, 15)),
    )
    return build_message(owner, [item], CONTEXT)


def _queue(sqs: Any, sns: Any, topic: str, owner: str) -> str:
    url: str = sqs.create_queue(QueueName=f"q-{owner}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"owner": [owner]}), "RawMessageDelivery": "false"},
    )
    return url


@pytest.mark.usefixtures("aws")
def test_each_team_gets_only_its_own_messages() -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="dormant-notices")["TopicArn"]
    queue_a = _queue(sqs, sns, topic, "team-a")
    queue_b = _queue(sqs, sns, topic, "team-b")
    channel = SnsChannel(sns, topic)
    assert channel.label == f"sns:{topic}"
    channel.deliver(_message("team-a"))
    received = sqs.receive_message(QueueUrl=queue_a, MaxNumberOfMessages=10)["Messages"]
    (envelope,) = [json.loads(m["Body"]) for m in received]
    assert envelope["Subject"] == "dormant: 1 unused IAM resource of team-a in account 111111111111"
    assert "AppRole: quarantined on 2026-12-15 unless used or exempted" in envelope["Message"]
    assert envelope["MessageAttributes"]["owner"] == {"Type": "String", "Value": "team-a"}
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_b, WaitTimeSeconds=0)


@pytest.mark.usefixtures("aws")
def test_a_missing_topic_is_a_notification_error_naming_it() -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    with pytest.raises(NotificationError, match=f"sns:{topic}: sns:Publish"):
        SnsChannel(sns, topic).deliver(_message("team-a"))
