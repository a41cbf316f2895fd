"""The SNS channel of retire notices: one ``Publish`` per owner's message.

Every message carries the message attribute ``owner`` (a String), so that each team can
subscribe to the one topic with a filter policy on its own name
(``{"owner": ["team-payments"]}``). Subject and body are built within SNS's limits by
``dormant.notify.message``. A failed call becomes a ``NotificationError`` naming the topic,
the call and AWS's error. No decisions are made here.
"""

from __future__ import annotations

from typing import Any

from dormant.aws.session import aws_call
from dormant.core.errors import AwsAccessError, NotificationError
from dormant.notify.message import Message

__all__ = ["SnsChannel"]


class SnsChannel:
    """A ``Channel`` publishing to one SNS topic."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self.topic_arn = topic_arn

    @property
    def label(self) -> str:
        return f"sns:{self.topic_arn}"

    def deliver(self, message: Message, *, within: float | None = None) -> None:
        # ``within`` is not needed: the client's own connect and read timeouts bound Publish.
        account = self.topic_arn.split(":")[4] if self.topic_arn.count(":") >= 5 else ""
        try:
            with aws_call("sns:Publish", account):
                self._sns.publish(
                    TopicArn=self.topic_arn,
                    Subject=message.subject,
                    Message=message.text,
                    MessageAttributes={
                        "owner": {"DataType": "String", "StringValue": message.owner}
                    },
                )
        except AwsAccessError as exc:
            raise NotificationError(f"{self.label}: {exc}") from None
