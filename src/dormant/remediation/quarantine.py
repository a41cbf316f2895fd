"""What a quarantine puts on a role, as pure data.

The command line's ``dormant quarantine`` and the SSM Automation document that
AWS Config remediation runs put exactly this on a role, and ``dormant release``
removes exactly this. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "QUARANTINE_MANAGED_POLICY_NAME",
    "QUARANTINE_MANAGED_POLICY_PATH",
    "QUARANTINE_POLICY_NAME",
    "TAG_DEACTIVATED_KEYS",
    "TAG_QUARANTINED_AT",
    "TAG_QUARANTINED_BY",
    "is_quarantine_policy",
    "is_quarantine_policy_arn",
    "quarantine_policy_document",
    "quarantine_tags",
]

# A fixed, recognisable inline policy name: release deletes this policy and nothing else.
QUARANTINE_POLICY_NAME = "dormant-quarantine"


# The non-escalating form (the deployed retire stack, the SSM automation): a customer managed
# deny-all the stack creates, attached to the role. A role that may only attach this policy
# (iam:PolicyARN) cannot grant anything. Its name may carry a suffix (the stack's solution
# name and Region); the path and the name's start identify it.
QUARANTINE_MANAGED_POLICY_NAME = "dormant-quarantine-deny"


QUARANTINE_MANAGED_POLICY_PATH = "/dormant/"


_MANAGED_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::\d{12}:policy"
    + re.escape(QUARANTINE_MANAGED_POLICY_PATH)
    + re.escape(QUARANTINE_MANAGED_POLICY_NAME)
    + r"[\w+=,.@-]*"
)


def is_quarantine_policy_arn(arn: str) -> bool:
    """The ARN is of dormant's managed quarantine policy (``/dormant/dormant-quarantine-deny``)."""
    return _MANAGED_ARN.fullmatch(arn) is not None


TAG_QUARANTINED_AT = "dormant:quarantined-at"


TAG_QUARANTINED_BY = "dormant:quarantined-by"


# On a quarantined IAM user: the access key ids quarantine deactivated (space-separated,
# "none" when it found none active), so that release reactivates exactly those.
TAG_DEACTIVATED_KEYS = "dormant:deactivated-keys"


# IAM tag values allow letters, digits, spaces and _.:/=+-@ up to 256 characters; an ARN
# whose session name holds anything else (a comma, say) would make TagRole fail.
_TAG_VALUE_MAX = 256


_TAG_VALUE_BAD = re.compile(r"[^\w\s.:/=+\-@]")


def _iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def quarantine_policy_document(now: datetime) -> dict[str, Any]:
    """Deny every action, and deny every session issued before ``now``.

    The second statement is the one the IAM console's "Revoke active sessions" writes;
    it keeps credentials already handed out dead even if someone later loosens the
    first statement by hand.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DormantDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"},
            {
                "Sid": "DormantRevokeOlderSessions",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": _iso_seconds(now)}},
            },
        ],
    }


def is_quarantine_policy(document: object) -> bool:
    """The document holds every statement quarantine writes: it is dormant's own policy.

    Recognized by its statements, never by a tag: a tag says nothing about who wrote a
    policy, and tags can be lost while the policy stays.
    """
    if not isinstance(document, Mapping):
        return False
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    sids = {str(s.get("Sid")) for s in statements if isinstance(s, Mapping)}
    return sids >= _QUARANTINE_SIDS


def quarantine_tags(now: datetime, caller_arn: str) -> list[tuple[str, str]]:
    """The tags quarantine puts on a role: when, and by whom (made a valid tag value)."""
    by = _TAG_VALUE_BAD.sub("_", caller_arn)[:_TAG_VALUE_MAX]
    return [(TAG_QUARANTINED_AT, _iso_seconds(now)), (TAG_QUARANTINED_BY, by)]


_QUARANTINE_SIDS = frozenset(
    str(s["Sid"]) for s in quarantine_policy_document(datetime(2000, 1, 1, tzinfo=UTC))["Statement"]
)
