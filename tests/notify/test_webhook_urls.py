"""A webhook URL is checked once, where it comes in, and never quoted: not by the check, not
by any failure while posting, not in a log line. Loopback addresses only (never the
internet): a closed port on 127.0.0.1 and a server that accepts and never answers."""

from __future__ import annotations

import http.client
import logging
import socket
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dormant.core.errors import InvalidParameter, NotificationError
from dormant.notify.channel import check_webhook_url, parse_notify_targets
from dormant.notify.message import Message
from dormant.notify.webhook import WebhookChannel

SECRET = "s3cr3t-t0ken"
PATH = f"/services/T000/B000/{SECRET}"
MESSAGE = Message(owner="team-a", subject="s", text="t", fallback="f", blocks=())

BAD_URLS = {
    "a space in the path": f"https://hooks.example.com{PATH} x",
    "a trailing newline": f"https://hooks.example.com{PATH}\n",
    "a leading space": f" https://hooks.example.com{PATH}",
    "a tab": f"https://hooks.example.com/services/\t{SECRET}",
    "a NUL in the host": f"https://hooks.example.com\x00{PATH}",
    "a control character": f"https://hooks.example.com{PATH}\x01",
    "DEL": f"http://127.0.0.1:9{PATH}\x7f",
    "a non-ASCII character": f"https://hooks.example.com{PATH}\u00e9",
    "a non-ASCII host": f"https://h\u00e9llo.example.com{PATH}",
    "a space in the host": f"https://hooks.exa mple.com{PATH}",
    "a label longer than 63": f"https://{'a' * 64}.example.com{PATH}",
    "a port out of range": f"https://hooks.example.com:99999{PATH}",
    "a port that is not a number": f"https://hooks.example.com:abc{PATH}",
    "an unclosed bracket": f"https://[::1{PATH}",
    "plain http to another host": f"http://hooks.example.com{PATH}",
    "another scheme": f"ftp://127.0.0.1{PATH}",
    "a javascript scheme": f"javascript:alert('{SECRET}')",
    "no host": f"https://{PATH}",
    "no scheme": f"hooks.example.com{PATH}",
    "a user and password": f"https://user:{SECRET}@hooks.example.com/x",
    "empty": "",
    "too long": f"https://hooks.example.com/{SECRET}" + "a" * 3000,
}


def assert_hidden(text: str) -> None:
    assert SECRET not in text
    assert "/services/" not in text


def _entry_points(url: str) -> list[tuple[str, Callable[[], object]]]:
    """Where a URL comes in: the command line (as given, or from an environment variable)
    and the retire stack's secret."""
    points: list[tuple[str, Callable[[], object]]] = [
        ("--notify", lambda: parse_notify_targets([f"webhook:{url}"], {})),
        ("WebhookSecretArn", lambda: WebhookChannel(url, name="WebhookSecretArn")),
    ]
    if url:  # an empty variable is "not set", said without any URL
        points.append(("--notify", lambda: parse_notify_targets(["webhook:env:H"], {"H": url})))
    return points


@pytest.mark.parametrize("url", list(BAD_URLS.values()), ids=list(BAD_URLS))
def test_a_bad_url_is_one_line_naming_the_place_never_the_url(url: str) -> None:
    for name, check in _entry_points(url):
        with pytest.raises(InvalidParameter) as raised:
            check()
        message = str(raised.value)
        assert message.startswith(f"invalid parameter {name}: ")
        assert "\n" not in message
        assert "not shown" in message
        assert_hidden(message)
        # Nothing chained either: a traceback would print the context's text.
        assert raised.value.__context__ is None
        assert raised.value.__cause__ is None


def test_good_urls_pass_unchanged() -> None:
    for url in (
        f"https://hooks.slack.com{PATH}",
        f"https://hooks.example.com:8443{PATH}?a=b&c=%20",
        f"http://127.0.0.1:8080{PATH}",
        f"http://[::1]:8080{PATH}",
        f"http://localhost{PATH}",
        f"https://10.0.0.1{PATH}",
    ):
        assert check_webhook_url(url) == url


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(tail=st.text(max_size=24))
def test_any_url_is_refused_at_the_check_or_fails_as_a_notification_error(
    tail: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever follows the secret path: either the check refuses it, or a post to a closed
    loopback port fails as a NotificationError; nothing else leaves, nothing quotes it."""
    url = f"http://127.0.0.1:9{PATH}{tail}"
    caplog.set_level(logging.DEBUG)
    try:
        channel = WebhookChannel(url, attempts=1, timeout=2.0, sleep=lambda _: None)
    except InvalidParameter as refused:
        assert_hidden(str(refused))
        return
    with pytest.raises(NotificationError) as failed:
        channel.deliver(MESSAGE)
    assert_hidden(str(failed.value))
    assert_hidden(caplog.text)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_a_server_that_never_answers_times_out_without_the_url_in_logs_or_errors(
    silent_server: int, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    pauses: list[float] = []
    channel = WebhookChannel(
        f"http://127.0.0.1:{silent_server}{PATH}", timeout=0.2, attempts=2, sleep=pauses.append
    )
    with pytest.raises(NotificationError) as failed:
        channel.deliver(MESSAGE)
    assert str(failed.value) == "webhook: no answer within 0.2 s, after 2 attempts"
    assert failed.value.__context__ is None
    assert len(pauses) == 1
    captured = capsys.readouterr()
    for text in (caplog.text, captured.out, captured.err, repr(channel)):
        assert_hidden(text)


def test_a_failure_urllib_raises_while_posting_is_wrapped_without_the_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the check, urllib may still raise what quotes the URL (here, as http.client
    does for a bad URL); the channel turns it into its own error and does not retry."""
    channel = WebhookChannel(f"https://hooks.example.com{PATH}", attempts=3, sleep=lambda _: None)

    def refuse(*args: object, **kwargs: object) -> None:
        raise http.client.InvalidURL(f"URL can't contain control characters. {PATH!r}")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    with pytest.raises(NotificationError) as failed:
        channel.deliver(MESSAGE)
    assert str(failed.value) == "webhook: request refused (InvalidURL), after 1 attempt"
    assert failed.value.__context__ is None
