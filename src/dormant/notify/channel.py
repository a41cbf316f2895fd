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


# A DNS label: letters, digits and inner hyphens, 1 to 63 of them (what IDNA encoding and
# http.client accept without raising an error that would quote the host).
_DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

_MAX_URL = 2048

_SECRET = "the URL is not shown, since it is a secret"


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_DNS_LABEL.fullmatch(label) for label in labels)


def _url_problem(url: str) -> str | None:
    """Why urllib would refuse the URL (or what it should not be sent to), in words that
    quote nothing of it; None when it is fit to post to."""
    if not url:
        return "the webhook URL is empty"
    if len(url) > _MAX_URL:
        return f"the webhook URL is longer than {_MAX_URL:,} characters"
    for char in url:
        if char.isspace():
            return "the webhook URL holds a space or a line break (a trailing newline?)"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return "the webhook URL holds a control character"
        if ord(char) > 0x7E:
            return "the webhook URL holds a non-ASCII character (percent-encode it)"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return "the webhook URL cannot be read (its host, brackets or port)"
    if parts.scheme not in ("https", "http") or not host:
        return (
            "a webhook URL must start with https:// (plain http:// only to a loopback "
            "address) and name a host"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        return "a webhook URL must use https:// (plain http:// only to a loopback address)"
    if parts.username is not None or parts.password is not None:
        return "the webhook URL holds a user name or password before its host"
    if not _is_host(host):
        return "the webhook URL's host is not a DNS name or an IP address"
    return None


def check_webhook_url(url: str, name: str = "--notify") -> str:
    """The URL if it is fit to post to: printable ASCII without spaces, https:// (or plain
    http:// to a loopback address), a readable host and port. Checked once, where the URL
    comes in (``--notify``, the retire stack's secret); the error names ``name`` and never
    quotes the URL, its path or its query (a Slack webhook's token is its path)."""
    problem = _url_problem(url)
    if problem is not None:
        raise InvalidParameter(name, f"{problem}; {_SECRET}")
    return url


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
