"""`dormant retire`'s plan fits 80, 100, 120 and 200 columns, as the scan's table does.

At each width: every step's resource name (or a unique prefix of at least 24 characters
and an ellipsis, or the whole name folded over its lines) and its whole step word on
the row's first line; no line wider than the terminal; no header broken inside a word;
at most three lines a row; the columns that gave way named in a footer. The notices'
table keeps each owner and its delivery state the same way.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pytest
from rich.cells import cell_len

from dormant.report.retire_table import render_retire, step_name
from dormant.report.table_fit import ELLIPSIS, MIN_PREFIX

WIDTHS = (80, 100, 120, 200)
STEP_WORDS = {"notify", "quarantine", "delete", "clear", "keep"}
SSO = "AWSReservedSSO_AdministratorAccess_"


def _step(
    kind: str,
    name: str,
    step: str,
    reason: str,
    *,
    next_step: tuple[str, str] | None = None,
    owner: str | None = None,
    held_by: str | None = None,
    status: str | None = None,
    message: str | None = None,
) -> dict[str, object]:
    return {
        "kind": kind,
        f"{kind}_name": name,
        "step": step,
        "reason": reason,
        "next": None if next_step is None else {"step": next_step[0], "on": next_step[1]},
        "owner": owner,
        "held_by": held_by,
        "done": False,
        "status": status,
        "message": message,
    }


STEPS = [
    _step(
        "role",
        f"{SSO}dc6414f7f2ab04fc",
        "quarantine",
        "Was last used in ap-northeast-2 200 days ago; noticed 2026-05-01 (14 days ago)",
        next_step=("delete", "2026-07-01"),
        owner="platform-team",
    ),
    _step(
        "role",
        f"{SSO}0a1b2c3d4e5f6a7b",
        "notify",
        "Was never used in the 412 days since it was created",
        next_step=("quarantine", "2026-06-15"),
        owner="identity-and-access-management-guild",
    ),
    _step(
        "role",
        "security-incident-response-break-glass-readonly-role",
        "keep",
        "quarantined 40 days ago and unused since, but something references it",
        held_by="instance profile web-servers-production-eu-west-1; trusted by role DeployRole",
        owner="security",
    ),
    _step("role", "OldJob", "delete", "quarantined 40 days ago and unused since"),
    _step(
        "user",
        "ci-deploy-bot-with-a-rather-long-user-name-for-tests",
        "quarantine",
        "Access key 1 was last used 400 days ago; the password was never used",
        next_step=None,
        owner="ci",
    ),
    _step("user", "alice", "clear", "used since its notice: the notice comes off"),
]

NOTICES = [
    {
        "owner": "identity-and-access-management-guild",
        "channels": ["sns:arn:aws:sns:us-east-1:123456789012:dormant-notices-for-owners"],
        "delivered": False,
        "error": "the webhook answered 503 Service Unavailable three times in a row",
        "resources": [{"kind": "role", "name": "x", "step": "notify", "next": None}],
    },
    {
        "owner": "platform-team",
        "channels": ["webhook"],
        "delivered": True,
        "error": None,
        "resources": [{"kind": "role", "name": "y", "step": "quarantine", "next": None}] * 2,
    },
]


def _render(
    steps: Sequence[Mapping[str, object]],
    notices: Sequence[Mapping[str, object]],
    width: int,
    *,
    apply: bool = True,
) -> list[str]:
    out = io.StringIO()
    render_retire(
        steps,
        notices,
        out,
        apply=apply,
        heading=["plan: 4 roles, 2 users"],
        closing=["summary: notify 1, quarantine 2, delete 1, clear 1, keep 1; done 0, failed 0"],
        width=width,
    )
    lines = out.getvalue().splitlines()
    for text in lines:
        assert cell_len(text) <= width, f"{cell_len(text)} > {width}: {text!r}"
    return lines


def _table(lines: list[str], first_header: str) -> tuple[list[str], list[str], int]:
    """The header lines, body lines (to the next blank or footer) of the table whose
    header starts with ``first_header``, and the index after it."""
    top = next(i for i, t in enumerate(lines) if t.split()[:1] == [first_header])
    rule = next(i for i in range(top, len(lines)) if lines[i].startswith("─"))
    end = rule + 1
    while (
        end < len(lines)
        and lines[end].strip()
        and not lines[end].startswith(
            ("not shown", "Notes holds", f"{ELLIPSIS} marks", "summary:", "Owner ", "failed:")
        )
    ):
        end += 1
    return lines[top:rule], lines[rule + 1 : end], end


def _check_rows(
    header: list[str],
    body: list[str],
    names: Sequence[str],
    words: Sequence[str],
    name_header: str,
    word_header: str,
    width: int,
) -> None:
    known = {"Kind", "Name", "Step", "Next", "Owner", "Held", "by", "Reason", "Notes"}
    known |= {"Resources", "Via", "State"}
    for text in header:
        for word in text.split():
            assert word in known, f"header broken inside a word at {width}: {word!r}"
    start = header[0].index(name_header)
    word_at = header[0].index(word_header)
    starts = [i for i, t in enumerate(body) if t[word_at:].split()[:1] and t[start:word_at].strip()]
    assert len(starts) == len(names), f"{len(starts)} rows for {len(names)} at {width}: {body}"
    for number, (name, word, first) in enumerate(zip(names, words, starts, strict=True)):
        last = starts[number + 1] if number + 1 < len(starts) else len(body)
        row = body[first:last]
        assert len(row) <= 3, f"{name}: {len(row)} lines at {width}"
        assert row[0][word_at:].split()[0] == word, f"{word!r} not whole at {width}: {row[0]!r}"
        shown = "".join(t[start:word_at].strip() for t in row)
        if shown.endswith(ELLIPSIS):
            prefix = shown[:-1]
            assert len(prefix) >= MIN_PREFIX, shown
            assert name.startswith(prefix), shown
            assert [n for n in names if n.startswith(prefix)] == [name], shown
        else:
            assert shown == name, f"{shown!r} != {name!r} at {width}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_retire_plan_fits(width: int) -> None:
    lines = _render(STEPS, NOTICES, width)
    assert lines[0] == "plan: 4 roles, 2 users"
    header, body, after = _table(lines, "Kind")
    _check_rows(
        header,
        body,
        [step_name(s) for s in STEPS],
        [str(s["step"]) for s in STEPS],
        "Name",
        "Step",
        width,
    )
    assert all(word in STEP_WORDS for word in (str(s["step"]) for s in STEPS))
    footer = " ".join(lines[after : after + 3])
    if width < 200:  # the owner and what holds a role fold or drop, and the footer says so
        assert "Notes holds owner, held by" in footer or "not shown at this width" in footer
    notice_header, notice_body, _ = _table(lines, "Owner")
    _check_rows(
        notice_header,
        notice_body,
        [str(n["owner"]) for n in NOTICES],
        [str(len(n["resources"])) for n in NOTICES],  # type: ignore[arg-type]
        "Owner",
        "Resources",
        width,
    )
    assert any("NOT delivered" in t for t in notice_body)
    assert lines[-1].startswith("summary: ")


def test_a_wide_terminal_shows_every_column_on_its_own() -> None:
    lines = _render(STEPS, NOTICES, 200)
    header, body, _ = _table(lines, "Kind")
    assert header[0].split() == ["Kind", "Name", "Step", "Next", "Owner", "Held", "by", "Reason"]
    assert not any("not shown at this width" in t or "Notes holds" in t for t in lines)
    assert any("quarantine on 2026-06-15" in t for t in body)


def test_one_kind_shows_no_kind_column_and_outcomes_follow_the_tables() -> None:
    steps = [
        _step(
            "role",
            "OldJob",
            "delete",
            "quarantined 40 days ago and unused since",
            status="done",
            message="deleted role OldJob, backup s3://backups/retire/123456789012-OldJob.json "
            "version 3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY",
        )
    ]
    lines = _render(steps, [], 80)
    assert lines[1].split() == ["Name", "Step", "Reason"]
    done = [t for t in lines if t.startswith("done: deleted role OldJob")]
    assert done, lines  # the outcome wraps within 80 columns rather than running past it


def test_a_dry_runs_notices_say_not_sent() -> None:
    lines = _render(STEPS[:1], NOTICES[:1], 120, apply=False)
    assert any("not sent (dry run)" in t for t in lines)
    assert not any("NOT delivered" in t for t in lines)
