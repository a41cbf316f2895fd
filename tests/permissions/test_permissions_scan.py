"""The permissions run over the in-memory access source: isolation, skips, order, workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from dormant.core.model import Compliance
from dormant.core.settings import Settings
from dormant.engine.pool import map_bounded
from dormant.permissions.model import ServiceAccess
from dormant.permissions.scan import RoleOutcome, scan_permissions
from dormant.permissions.scan.pipeline import JobPage
from dormant.roles.model import Role
from dormant.testing import InMemoryAccessSource

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = Settings(max_days=90)


def role(name: str, *, path: str = "/", age: float = 400, account: str = "111111111111") -> Role:
    return Role(
        role_id=f"AROA{name.upper()}",
        name=name,
        path=path,
        arn=f"arn:aws:iam::{account}:role{path}{name}",
        created=NOW - timedelta(days=age),
        account_id=account,
    )


def used(namespace: str, days: float | None) -> ServiceAccess:
    return ServiceAccess(
        namespace, namespace.upper(), None if days is None else NOW - timedelta(days=days)
    )


def test_one_role_failing_leaves_the_others_decided() -> None:
    source = InMemoryAccessSource(
        {
            "a": [used("s3", None)],
            "b": [used("s3", 1)],
            "c": [used("kms", 200)],
            "d": [used("sqs", 1)],
        }
    )
    source.fail("b", "AccessDenied", "not authorized")
    source.fail_job("c", "Service is busy")
    result = scan_permissions(
        source, [role(n) for n in "dcba"], settings=WINDOW, now=NOW, workers=3
    )
    assert [f.role.name for f in result.findings] == ["a", "d"]
    assert [f.compliance for f in result.findings] == [
        Compliance.NON_COMPLIANT,
        Compliance.COMPLIANT,
    ]
    assert result.failed
    messages = sorted(f.message for f in result.failures)
    assert messages[0].startswith(
        "iam:GenerateServiceLastAccessedDetails of role b in account 111111111111 denied: "
        "AccessDenied: not authorized"
    )
    assert "role c" in messages[1]
    assert "FAILED" in messages[1]
    assert {f.account_id for f in result.failures} == {"111111111111"}


def test_roles_decided_without_their_data_cost_no_call() -> None:
    source = InMemoryAccessSource({"old": [used("s3", None)]})
    roles = [
        role("old"),
        role("young", age=10),
        role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/"),
        role("breakglass"),
    ]
    settings = Settings(max_days=90, allow_patterns=("/breakglass",))
    result = scan_permissions(source, roles, settings=settings, now=NOW)
    assert source.asked == ["old"]
    reasons = {f.role.name: str(f.reason) for f in result.findings}
    assert reasons == {
        "old": "unused_services",
        "young": "young",
        "AWSServiceRoleForSupport": "service_linked",
        "breakglass": "allow_listed",
    }


def test_an_unexpected_error_fails_only_its_role() -> None:
    class Broken(InMemoryAccessSource):
        def read(self, subject: Role, job_id: str, marker: str | None = None) -> JobPage:
            if subject.name == "bad":
                raise KeyError("ServiceNamespace")
            return super().read(subject, job_id, marker)

    result = scan_permissions(Broken(), [role("bad"), role("good")], settings=WINDOW, now=NOW)
    assert [f.role.name for f in result.findings] == ["good"]
    assert result.failures[0].message.startswith(
        "role bad in account 111111111111: unexpected KeyError"
    )


def test_progress_hears_of_every_role() -> None:
    heard: list[RoleOutcome] = []
    source = InMemoryAccessSource()
    source.fail("b", "Throttling", "Rate exceeded")
    scan_permissions(
        source, [role("a"), role("b")], settings=WINDOW, now=NOW, on_role_done=heard.append
    )
    assert sorted((o.role.name, o.failure is None) for o in heard) == [("a", True), ("b", False)]


def test_findings_are_ordered_by_account_then_name() -> None:
    roles = [role("z", account="222222222222"), role("b"), role("a", account="222222222222")]
    result = scan_permissions(InMemoryAccessSource(), roles, settings=WINDOW, now=NOW)
    assert [(f.account_id, f.role.name) for f in result.findings] == [
        ("111111111111", "b"),
        ("222222222222", "a"),
        ("222222222222", "z"),
    ]


@pytest.mark.parametrize("workers", [1, 2, 4, 64])
def test_the_pool_never_runs_more_than_its_workers_and_keeps_order(workers: int) -> None:
    lock = threading.Lock()
    running = 0
    peak = 0
    gate = threading.Barrier(min(workers, 8), timeout=5) if workers > 1 else None

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        if gate is not None and item < min(workers, 8):
            gate.wait()
        with lock:
            running -= 1
        return item * 2

    items = list(range(20))
    assert map_bounded(work, items, workers=workers) == [i * 2 for i in items]
    assert peak <= workers


def test_the_pool_refuses_no_workers() -> None:
    with pytest.raises(ValueError, match="workers"):
        map_bounded(lambda x: x, [1], workers=0)


def test_permissions_report_to_config_through_the_one_rule_run() -> None:
    from dormant.core.events import ConfigRuleEvent
    from dormant.engine.rule import run_rule
    from dormant.permissions.decide import PERMISSIONS
    from dormant.permissions.model import RoleAccess
    from dormant.testing import InMemoryEvaluationSink

    event = ConfigRuleEvent(
        account_id="111111111111", rule_name="perms", result_token="t", notification_time=NOW
    )
    sink = InMemoryEvaluationSink(rule_name="perms")
    subjects = [
        RoleAccess(role("a"), (used("s3", None), used("kms", 1))),
        RoleAccess(role("b"), (used("s3", 1),)),
    ]
    run_rule(event, WINDOW, subjects, sink, None, kind=PERMISSIONS)
    delivered = {e.resource_id: (e.compliance, e.annotation) for e in sink.delivered}
    assert delivered == {
        "AROAA": (
            Compliance.NON_COMPLIANT,
            "1 of 2 granted services unused for more than 90 days: s3",
        ),
        "AROAB": (Compliance.COMPLIANT, "All 1 granted services used within 90 days"),
    }
