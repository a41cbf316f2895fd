"""An owner's message: what each resource faces and when, how to keep it, where the backup
goes; within SNS's subject and body limits and Slack's block limits, whatever the input."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from dormant.notify.message import (
    SLACK_BLOCKS_MAX,
    SLACK_SECTION_MAX,
    SNS_BODY_MAX_BYTES,
    SNS_SUBJECT_MAX,
    MessageContext,
    NoticeItem,
    build_message,
)
from dormant.remediation.notice import LifecycleStep, NextStep

TODAY = date(2026, 12, 1)
CONTEXT = MessageContext(
    account_id="111111111111",
    today=TODAY,
    contact="the IAM team (#iam-cleanup)",
    backup_location="s3://dormant-backups/retire/",
)


def notice(name: str, kind: str = "role") -> NoticeItem:
    return NoticeItem(
        kind,
        name,
        LifecycleStep.NOTIFY,
        "Was last used in us-east-1 200 days ago",
        NextStep(LifecycleStep.QUARANTINE, date(2026, 12, 15)),
    )


def test_the_message_says_what_happens_when_and_how_to_keep_it() -> None:
    items = [
        notice("AppRole"),
        notice("old-ci", "user"),
        NoticeItem(
            "role",
            "ParkedRole",
            LifecycleStep.DELETE,
            "quarantined 30 days ago and unused since",
            backup="s3://dormant-backups/retire/111111111111-ParkedRole.json",
        ),
    ]
    message = build_message("team-payments", items, CONTEXT)
    assert message.owner == "team-payments"
    assert (
        message.subject
        == "dormant: 3 unused IAM resources of team-payments in account 111111111111"
    )
    lines = message.text.splitlines()
    assert (
        "- AppRole: quarantined on 2026-12-15 unless used or exempted "
        "(role; Was last used in us-east-1 200 days ago)" in lines
    )
    assert any(line.startswith("- old-ci: quarantined on 2026-12-15") for line in lines)
    assert any(
        "ParkedRole: deleted today (2026-12-01); its backup: s3://dormant-backups/retire/"
        "111111111111-ParkedRole.json" in line
        for line in lines
    )
    keep = " ".join(message.text.split())
    assert (
        "To keep one: use it; or tag it dormant:exempt with a value such as "
        "'until=YYYY-MM-DD reason'" in keep
    )
    assert "or ask the IAM team (#iam-cleanup)" in keep
    assert "s3://dormant-backups/retire/ (as 111111111111-ROLE.json)" in keep
    assert message.blocks[0]["type"] == "header"
    assert "AppRole: quarantined on 2026-12-15" in message.fallback


def test_slack_text_is_escaped() -> None:
    message = build_message("<!channel> & co", [notice("AppRole")], CONTEXT)
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert "&lt;!channel&gt; &amp; co" in texts[0]
    assert "<!channel>" not in " ".join(texts)


def test_thousands_of_resources_fit_sns_and_slack_and_say_how_many_were_left_out() -> None:
    items = [notice(f"Role{i:05d}-" + "x" * 40) for i in range(6000)]
    message = build_message("team-big", items, CONTEXT)
    assert len(message.text.encode("utf-8")) <= SNS_BODY_MAX_BYTES
    assert "more: see the run's JSON output" in message.text
    assert len(message.blocks) <= SLACK_BLOCKS_MAX
    assert all(len(b["text"]["text"]) <= SLACK_SECTION_MAX for b in message.blocks if "text" in b)
    assert message.text.splitlines()[-1].startswith("Before a role is deleted")


@settings(max_examples=60, deadline=None)
@given(owner=st.text(min_size=1, max_size=300), count=st.integers(min_value=1, max_value=40))
def test_any_owner_gives_an_sns_subject(owner: str, count: int) -> None:
    message = build_message(owner, [notice(f"R{i}") for i in range(count)], CONTEXT)
    subject = message.subject
    assert 1 <= len(subject) <= SNS_SUBJECT_MAX
    assert subject.isascii()
    assert not any(ord(c) < 32 or ord(c) == 127 for c in subject)
