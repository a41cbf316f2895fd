"""Per-account clients parse response timestamps fast, to the instants botocore would give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dormant.aws.session import parse_aws_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05+00:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.250Z", datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)),
        (
            "2024-01-02T05:04:05+02:00",
            datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        # No offset means UTC; epoch seconds go through botocore's own parser.
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("1704164645", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        # JSON protocols (Config) hand the parser numbers.
        (1704164645, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (1704164645.25, datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_parse_to_the_same_instant(text: str | float, expected: datetime) -> None:
    parsed = parse_aws_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_garbage_is_refused_as_botocore_refuses_it() -> None:
    with pytest.raises(ValueError, match="not-a-date"):
        parse_aws_timestamp("not-a-date")
