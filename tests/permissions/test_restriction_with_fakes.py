"""Restrict over the in-memory fakes: the plan, the size limit, tags, and exact undoing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dormant.core.settings import Settings
from dormant.permissions.decide import evaluate_permissions
from dormant.permissions.model import ServiceAccess
from dormant.permissions.remediate import (
    ROLE_INLINE_POLICY_LIMIT,
    inline_policy_size,
    restrict,
    restrict_refusal,
    restrict_steps,
)
from dormant.remediation import Status, Target
from dormant.roles.model import Role
from dormant.roles.remediate import release
from dormant.roles.remediate.restriction import (
    RESTRICT_POLICY_NAME,
    TAG_RESTRICTED_SERVICES,
    unrestrict_steps,
)
from dormant.roles.remediate.state import RoleState
from dormant.testing import InMemoryAccessSource, InMemoryRoleMutator

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "111111111111"
WINDOW = Settings(max_days=90)


def role(name: str = "app", *, inline: dict[str, dict[str, Any]] | None = None) -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        created=NOW - timedelta(days=400),
        last_used=NOW - timedelta(days=1),
        inline_policies=tuple((inline or {}).items()),
        tags=(("team", "data"),),
        account_id=ACCOUNT,
    )


def service(namespace: str, days: float | None) -> ServiceAccess:
    return ServiceAccess(namespace, namespace, None if days is None else NOW - timedelta(days=days))


def test_restrict_and_release_with_the_fakes_round_trip() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT, clock=lambda: NOW)
    mutator.add_role(role(inline={"own": {"Version": "2012-10-17", "Statement": []}}))
    source = InMemoryAccessSource({"app": [service("s3", 1), service("kms", None)]})
    before = mutator.describe_role("app")
    [done] = list(restrict(mutator, source, [Target("app")], settings=WINDOW, now=NOW, apply=True))
    assert done.status is Status.DONE, done.message
    assert done.message == "denied role app: kms (owner: data)"
    during = mutator.describe_role("app")
    assert during is not None
    assert during.inline_policy(RESTRICT_POLICY_NAME) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DormantUnusedServices", "Effect": "Deny", "Action": ["kms:*"], "Resource": "*"}
        ],
    }
    assert during.tag(TAG_RESTRICTED_SERVICES) == "kms"
    [released] = list(release(mutator, [Target("app")], apply=True))
    assert released.status is Status.DONE
    assert mutator.describe_role("app") == before


def test_dry_run_with_the_fakes_makes_no_write_call() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT)
    mutator.add_role(role())
    source = InMemoryAccessSource({"app": [service("s3", 1), service("kms", None)]})
    [planned] = list(
        restrict(mutator, source, [Target("app")], settings=WINDOW, now=NOW, apply=False)
    )
    assert planned.status is Status.PLANNED
    assert mutator.write_calls() == []


def test_a_failed_freshness_check_fails_the_role_only() -> None:
    mutator = InMemoryRoleMutator(ACCOUNT)
    mutator.add_role(role("a"))
    mutator.add_role(role("b"))
    source = InMemoryAccessSource({"b": [service("s3", 1), service("kms", None)]})
    source.fail_job("a")
    outcomes = list(
        restrict(mutator, source, [Target("a"), Target("b")], settings=WINDOW, now=NOW, apply=True)
    )
    assert [o.status for o in outcomes] == [Status.FAILED, Status.DONE]
    assert "ended FAILED: JobFailed" in outcomes[0].message


def _state_with(inline_chars: int) -> RoleState:
    filler = {"Version": "2012-10-17", "Statement": [{"Sid": "x" * inline_chars}]}
    return RoleState(role(inline={"big": filler}))


def test_a_deny_over_the_size_limit_is_refused() -> None:
    access = [service("s3", 1)] + [service(f"svc{index:04d}", None) for index in range(30)]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    deny = finding.proposed_deny
    assert deny is not None
    room = ROLE_INLINE_POLICY_LIMIT - inline_policy_size(deny)
    fits = _state_with(0)
    base = inline_policy_size(fits.role.inline_policies[0][1])
    assert restrict_refusal(_state_with(room - base), finding) is None
    refused = restrict_refusal(_state_with(room - base + 1), finding)
    assert refused is not None
    assert f"{ROLE_INLINE_POLICY_LIMIT + 1} characters, over IAM's limit of 10240" in refused


def test_our_own_old_policy_does_not_count_toward_the_limit() -> None:
    access = [service("s3", 1), service("kms", None)]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    old = {"Version": "2012-10-17", "Statement": [{"Sid": "x" * ROLE_INLINE_POLICY_LIMIT}]}
    state = RoleState(role(inline={RESTRICT_POLICY_NAME: old}))
    assert restrict_refusal(state, finding) is None


@given(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1, max_size=80))
def test_the_services_tag_is_a_valid_tag_value(namespaces: list[str]) -> None:
    access = [service("used", 1)] + [service(ns, None) for ns in set(namespaces) - {"used"}]
    finding = evaluate_permissions(role(), access, WINDOW, NOW)
    if finding.proposed_deny is None:
        return
    steps = restrict_steps(RoleState(role()), finding, NOW, f"arn:aws:iam::{ACCOUNT}:user/a,b")
    tags = {t["Key"]: t["Value"] for t in steps[1].params["Tags"]}
    for value in tags.values():
        assert 1 <= len(value) <= 256
    assert "," not in tags["dormant:restricted-by"]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ((), []),
        ((("dormant:restricted-at", "x"),), ["dormant:restricted-at"]),
        (
            (("dormant:restricted-by", "y"), ("dormant:restricted-services", "kms")),
            ["dormant:restricted-by", "dormant:restricted-services"],
        ),
    ],
)
def test_unrestrict_removes_only_what_is_there(
    tags: tuple[tuple[str, str], ...], expected: list[str]
) -> None:
    state = RoleState(replace(role(), tags=(("team", "data"), *tags)))
    steps = unrestrict_steps(state)
    assert [s.params.get("TagKeys") for s in steps if s.operation == "UntagRole"] == (
        [expected] if expected else []
    )
    assert all(s.operation != "DeleteRolePolicy" for s in steps)


def test_the_callers_own_role_is_refused() -> None:
    mutator = InMemoryRoleMutator(
        ACCOUNT, caller_arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/app/operator-session"
    )
    mutator.add_role(role())
    source = InMemoryAccessSource({"app": [service("s3", 1), service("kms", None)]})
    [outcome] = list(
        restrict(mutator, source, [Target("app")], settings=WINDOW, now=NOW, apply=True)
    )
    assert outcome.status is Status.REFUSED
    assert outcome.message.startswith("role app is the role this command runs as")
    assert source.asked == []
    assert mutator.write_calls() == []
