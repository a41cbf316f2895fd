"""Telling owners what a retire campaign will do to their roles and users: kind-agnostic.

``message`` builds one owner's message (pure: subject, text and Slack blocks, within SNS's
and Slack's limits), ``channel`` is the seam a message goes out through and the parsing of
``--notify`` targets, ``webhook`` posts to a Slack-compatible webhook (standard library
only; its URL is a secret and never appears in a message, a log or an error). The SNS
channel, which needs boto3, is ``dormant.aws.sns``. Nothing here imports boto3, click or
any kind.
"""

from __future__ import annotations

from dormant.notify.channel import Channel, NotifyTarget, parse_notify_targets
from dormant.notify.message import Message, MessageContext, NoticeItem, build_message

__all__ = [
    "Channel",
    "Message",
    "MessageContext",
    "NoticeItem",
    "NotifyTarget",
    "build_message",
    "parse_notify_targets",
]
