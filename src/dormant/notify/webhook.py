"""Post an owner's message to a Slack-compatible webhook: JSON ``text`` and ``blocks``.

HTTPS only (plain HTTP to a loopback address, for tests and local relays), a timeout on
every attempt, and retries with back-off when the webhook is throttled (429, honouring a
short ``Retry-After``) or failing (5xx, a dropped connection, a timeout); any other answer
fails at once. Redirects are refused: the body goes to the URL given or nowhere. The URL
is a secret (it is the credential): no message, error or ``repr`` here holds it. The URL
is checked when the channel is made (``check_webhook_url``), and whatever urllib or
http.client raises while posting (``InvalidURL``, ``ValueError``, ``OSError``, a timeout,
any other exception, whose text may quote the URL) becomes a ``NotificationError`` naming
the channel and the kind of failure only. Standard library only (urllib).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from dormant.core.errors import NotificationError
from dormant.notify.channel import check_webhook_url
from dormant.notify.message import Message

__all__ = ["WebhookChannel", "slack_payload"]

_RETRY_AFTER_MAX = 30.0

# An attempt given less than this could not get an answer; it is not made.
_MIN_TIMEOUT = 0.5


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


def slack_payload(message: Message) -> dict[str, Any]:
    """The body Slack's incoming webhooks (and compatible ones) take."""
    return {"text": message.fallback or message.text, "blocks": list(message.blocks)}


class WebhookChannel:
    """A ``Channel`` posting to one webhook URL."""

    label = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "--notify",
    ) -> None:
        # ``name``: what a bad URL is blamed on (the option, or the stack's secret).
        self._url = check_webhook_url(url, name)
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._sleep = sleep
        self._monotonic = monotonic
        self._opener = urllib.request.build_opener(_NoRedirects())

    def __repr__(self) -> str:
        return "WebhookChannel(<url hidden>)"

    def _post(self, body: bytes, timeout: float) -> tuple[str, float | None]:
        """'' on success, else why it failed and how long to wait before retrying (None:
        do not retry)."""
        request = urllib.request.Request(
            self._url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read()
                return "", None
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            if status == 429:
                wait = _retry_after(exc.headers.get("Retry-After"))
                return f"HTTP {status} (throttled)", wait
            if status >= 500:
                return f"HTTP {status}", 0.0
            return f"HTTP {status}", None
        except TimeoutError:
            return f"no answer within {round(timeout, 1):g} s", 0.0
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                return f"no answer within {round(timeout, 1):g} s", 0.0
            return f"connection failed ({type(reason).__name__})", 0.0
        except (ConnectionError, OSError) as exc:
            return f"connection failed ({type(exc).__name__})", 0.0
        except (http.client.HTTPException, ValueError) as exc:
            # InvalidURL, UnicodeError and the like: the text quotes the URL, the type does
            # not; retrying cannot help.
            return f"request refused ({type(exc).__name__})", None
        except Exception as exc:  # nothing whose text may quote the URL leaves here
            return f"failed ({type(exc).__name__})", None

    def deliver(self, message: Message, *, within: float | None = None) -> None:
        """Post it, retrying as the module says; with ``within``, every attempt's timeout
        and every wait between attempts fit in that many seconds, all told."""
        body = json.dumps(slack_payload(message)).encode("utf-8")
        deadline = None if within is None else self._monotonic() + within
        problem = "no time left in the run to post it"
        attempt = 0
        for attempt in range(1, self._attempts + 1):
            timeout = self._timeout
            if deadline is not None:
                timeout = min(timeout, deadline - self._monotonic())
                if timeout < _MIN_TIMEOUT:
                    attempt -= 1
                    break
            problem, wait = self._post(body, timeout)
            if not problem:
                return
            if wait is None or attempt == self._attempts:
                break
            pause = max(wait, self._backoff * 2 ** (attempt - 1))
            if deadline is not None and self._monotonic() + pause + _MIN_TIMEOUT > deadline:
                break
            self._sleep(pause)
        raise NotificationError(
            f"webhook: {problem}, after {attempt} attempt{'s' if attempt != 1 else ''}"
        )


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 0), 0.0), _RETRY_AFTER_MAX)
    except ValueError:
        return 0.0
