"""The webhook channel against a loopback HTTP server (127.0.0.1, never the internet):
Slack's JSON body, retries on 429 and 5xx, a timeout, no redirects, https only, and the URL
(a secret) never in an error, a repr, the output or the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from dormant.core.errors import InvalidParameter, NotificationError
from dormant.notify.channel import parse_notify_targets
from dormant.notify.message import Message
from dormant.notify.webhook import WebhookChannel
from webhook_support import Hook, serve

SECRET_PATH = "/services/T000/B000/s3cr3t-t0ken"
MESSAGE = Message(
    owner="team-a",
    subject="dormant: 1 unused IAM resource",
    text="full text",
    fallback="- AppRole: quarantined on 2026-12-15 unless used or exempted",
    blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "AppRole"}},),
)


@pytest.fixture
def hook() -> Iterator[tuple[Hook, str]]:
    state = Hook()
    with serve(state, SECRET_PATH) as url:
        yield state, url


def channel(url: str, **kwargs: Any) -> tuple[WebhookChannel, list[float]]:
    pauses: list[float] = []
    return WebhookChannel(url, sleep=pauses.append, **kwargs), pauses


def test_posts_slacks_text_and_blocks(hook: tuple[Hook, str]) -> None:
    state, url = hook
    webhook, pauses = channel(url)
    webhook.deliver(MESSAGE)
    assert state.bodies == [{"text": MESSAGE.fallback, "blocks": list(MESSAGE.blocks)}]
    assert state.paths == [SECRET_PATH]
    assert pauses == []


def test_retries_throttling_and_server_errors_then_delivers(hook: tuple[Hook, str]) -> None:
    state, url = hook
    state.answers = [(429, {"Retry-After": "2"}), (503, {}), (200, {})]
    webhook, pauses = channel(url, attempts=3, backoff=0.5)
    webhook.deliver(MESSAGE)
    assert len(state.bodies) == 3
    assert pauses == [2.0, 1.0]  # Retry-After honoured, then the back-off doubles


def test_gives_up_after_its_attempts_naming_no_url(
    hook: tuple[Hook, str], caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    state, url = hook
    state.answers = [(500, {})]
    webhook, _ = channel(url, attempts=3)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NotificationError) as raised:
        webhook.deliver(MESSAGE)
    assert str(raised.value) == "webhook: HTTP 500, after 3 attempts"
    assert len(state.bodies) == 3
    captured = capsys.readouterr()
    for text in (str(raised.value), repr(webhook), caplog.text, captured.out, captured.err):
        assert "s3cr3t" not in text
        assert "127.0.0.1" not in text


def test_a_client_error_is_not_retried(hook: tuple[Hook, str]) -> None:
    state, url = hook
    state.answers = [(404, {})]
    webhook, pauses = channel(url)
    with pytest.raises(NotificationError, match=r"HTTP 404, after 1 attempt$"):
        webhook.deliver(MESSAGE)
    assert (len(state.bodies), pauses) == (1, [])


def test_a_redirect_is_refused_not_followed(hook: tuple[Hook, str]) -> None:
    state, url = hook
    state.answers = [(302, {"Location": "http://127.0.0.1:9/elsewhere"})]
    webhook, _ = channel(url, attempts=1)
    with pytest.raises(NotificationError, match="HTTP 302"):
        webhook.deliver(MESSAGE)
    assert len(state.bodies) == 1


def test_a_webhook_that_does_not_answer_times_out(hook: tuple[Hook, str]) -> None:
    state, url = hook
    state.hold.clear()
    webhook, pauses = channel(url, timeout=0.2, attempts=2)
    with pytest.raises(NotificationError, match=r"no answer within 0.2 s, after 2 attempts"):
        webhook.deliver(MESSAGE)
    assert len(pauses) == 1


def test_a_refused_connection_is_retried_and_reported_without_the_url() -> None:
    webhook, pauses = channel("http://127.0.0.1:9" + SECRET_PATH, attempts=2)
    with pytest.raises(NotificationError) as raised:
        webhook.deliver(MESSAGE)
    assert "connection failed" in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
    assert len(pauses) == 1


@pytest.mark.parametrize(
    "value",
    [
        "webhook:http://hooks.example.com" + SECRET_PATH,
        "webhook:ftp://127.0.0.1" + SECRET_PATH,
        "webhook:https://" + SECRET_PATH,
        "https://hooks.example.com" + SECRET_PATH,
        "hooks.example.com" + SECRET_PATH,
    ],
)
def test_a_bad_webhook_target_is_one_line_without_the_url(value: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_notify_targets([value], {})
    assert str(raised.value).startswith("invalid parameter --notify: ")
    assert "s3cr3t" not in str(raised.value)


def test_targets_read_sns_https_loopback_and_the_environment() -> None:
    targets = parse_notify_targets(
        [
            "sns:arn:aws:sns:eu-west-1:111111111111:dormant-notices",
            "webhook:https://hooks.example.com" + SECRET_PATH,
            "webhook:env:HOOK",
            "webhook:http://[::1]:8080/x",
        ],
        {"HOOK": "https://hooks.example.net" + SECRET_PATH},
    )
    assert [t.label for t in targets] == [
        "sns:arn:aws:sns:eu-west-1:111111111111:dormant-notices",
        "webhook",
        "webhook",
        "webhook",
    ]
    assert "s3cr3t" not in repr(targets)
    with pytest.raises(InvalidParameter, match="is not an SNS topic ARN"):
        parse_notify_targets(["sns:my-topic"], {})
    with pytest.raises(InvalidParameter, match="webhook:env:NOPE: the environment variable"):
        parse_notify_targets(["webhook:env:NOPE"], {})


def test_a_webhook_that_never_answers_gets_only_the_time_the_run_gives_it(
    hook: tuple[Hook, str],
) -> None:
    """Its own timeout is 10 s and 3 attempts (about 33 s); the run gives it 0.8 s in all:
    one attempt of 0.8 s, no wait and no second attempt past that."""
    state, url = hook
    state.hold.clear()
    webhook, pauses = channel(url, timeout=10.0, attempts=3)
    with pytest.raises(NotificationError, match=r"no answer within 0.8 s, after 1 attempt$"):
        webhook.deliver(MESSAGE, within=0.8)
    assert pauses == []


def test_with_no_time_left_nothing_is_posted(hook: tuple[Hook, str]) -> None:
    state, url = hook
    webhook, _ = channel(url)
    with pytest.raises(NotificationError, match="no time left in the run to post it"):
        webhook.deliver(MESSAGE, within=0.0)
    assert state.bodies == []
