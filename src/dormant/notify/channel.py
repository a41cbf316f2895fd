"""Where owners' messages go: the ``Channel`` seam and the ``--notify`` targets.

A ``Channel`` delivers one ``Message`` or raises ``NotificationError``; its ``label`` is what
output and logs may show (``sns:<topic ARN>``, ``webhook``: a webhook's URL is a secret and
is never shown). ``parse_notify_targets`` reads ``sns:TOPIC_ARN`` and ``webhook:URL``
(``webhook:env:NAME`` reads the URL from an environment variable, so it need not sit on a
command line) and refuses anything else with one line naming ``--notify``, never the URL.
Standard library only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from dormant.core.errors import InvalidParameter
from dormant.notify.message import Message

__all__ = ["Channel", "NotifyTarget", "check_webhook_url", "parse_notify_targets"]

_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}")


class Channel(Protocol):
    @property
    def label(self) -> str:
        """How output and logs name the channel; never a secret."""
        ...

    def deliver(self, message: Message, *, within: float | None = None) -> None:
        """Send the message, or raise NotificationError saying why not. ``within``: the
        seconds the delivery may take in all, retries included (None: the channel's own
        timeouts); a run's time budget passes it so that a channel that never answers
        cannot use up the run."""
        ...


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    """One ``--notify`` value: ``kind`` is ``sns`` or ``webhook``; ``value`` the topic ARN
    or the URL (kept out of ``repr``, so it never lands in a log by accident)."""

    kind: str
    value: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"sns:{self.value}" if self.kind == "sns" else "webhook"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str, name: str = "--notify") -> str:
    """The URL if it is https:// (or plain http:// to a loopback address); the error never
    quotes it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise InvalidParameter(name, "the webhook URL cannot be read") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _is_loopback(host):
        return url
    raise InvalidParameter(
        name,
        "a webhook URL must start with https:// (plain http:// only to a loopback address); "
        "the URL is not shown, since it is a secret",
    )


def parse_notify_targets(
    values: Iterable[str], env: Mapping[str, str], name: str = "--notify"
) -> tuple[NotifyTarget, ...]:
    """Every ``--notify`` value, checked; duplicates are kept once."""
    targets: list[NotifyTarget] = []
    for value in values:
        kind, _, rest = value.partition(":")
        if kind == "sns":
            if not _TOPIC_ARN.fullmatch(rest):
                raise InvalidParameter(name, f"sns:{rest[:120]} is not an SNS topic ARN")
            target = NotifyTarget("sns", rest)
        elif kind == "webhook":
            if rest.startswith("env:"):
                variable = rest[4:]
                url = env.get(variable, "")
                if not url:
                    raise InvalidParameter(
                        name, f"webhook:env:{variable}: the environment variable is not set"
                    )
                rest = url
            target = NotifyTarget("webhook", check_webhook_url(rest, name))
        else:
            shown = kind[:40] if rest else "a value without a kind"
            raise InvalidParameter(
                name, f"{shown}: expected sns:TOPIC_ARN or webhook:URL (or webhook:env:NAME)"
            )
        if target not in targets:
            targets.append(target)
    return tuple(targets)
