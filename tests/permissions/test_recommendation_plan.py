"""Planning a recommendation and its release: pure, no AWS. The calls per kind of step, the
refusals that come before any write, IAM's limits, the name of dormant's policy copies, and
the calls that put a role back from its backup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dormant.core.recommendations import (
    Recommendation,
    RecommendationSource,
    RecommendedAction,
    RecommendedStep,
)
from dormant.core.settings import Settings
from dormant.permissions.recommend import RecommendationPlan, plan_recommendation
from dormant.permissions.recommend_run import PolicyChange, diff_lines
from dormant.roles.model import Role
from dormant.roles.remediate.recommendation import (
    POLICY_NAME_MAX,
    TAG_RECOMMENDATION_BACKUP,
    TAG_RECOMMENDATION_BACKUP_VERSION,
    recommended_policy_name,
    unrecommend_steps,
)
from dormant.roles.remediate.state import RoleState

ACCOUNT = "111111111111"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CALLER = f"arn:aws:iam::{ACCOUNT}:user/admin"
AWS_MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SHARED = f"arn:aws:iam::{ACCOUNT}:policy/shared"


def doc(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def state(**changes: Any) -> RoleState:
    role = Role(
        role_id="AROAEXAMPLE",
        name="app",
        path="/",
        arn=f"arn:aws:iam::{ACCOUNT}:role/app",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        inline_policies=(("inline", doc("s3:GetObject", "sqs:SendMessage")),),
        attached_policy_arns=(AWS_MANAGED, SHARED),
        account_id=ACCOUNT,
    )
    return RoleState(role=replace(role, **changes))


def recommendation(
    *steps: RecommendedStep, arn: str = f"arn:aws:iam::{ACCOUNT}:role/app"
) -> Recommendation:
    return Recommendation(RecommendationSource.ACCESS_ANALYZER, "f-1", arn, steps)


CREATE = RecommendedAction.CREATE_POLICY
DETACH = RecommendedAction.DETACH_POLICY
MANAGED = {AWS_MANAGED: doc("s3:Get*", "ec2:Describe*"), SHARED: doc("kms:*")}


def plan(current: RoleState, rec: Recommendation) -> RecommendationPlan | str:
    return plan_recommendation(
        current, rec, MANAGED, now=NOW, caller_arn=CALLER, backup=("backups/x.json", "abc123")
    )


def calls(planned: RecommendationPlan | str) -> list[tuple[str, str]]:
    assert isinstance(planned, RecommendationPlan), planned
    return [
        (s.operation, str(s.params.get("PolicyName") or s.params.get("PolicyArn") or ""))
        for s in planned.steps
    ]


def test_each_kind_of_step_becomes_its_reversible_calls() -> None:
    planned = plan(
        state(),
        recommendation(
            RecommendedStep(CREATE, "inline", doc("s3:GetObject")),
            RecommendedStep(CREATE, AWS_MANAGED, doc("s3:GetObject")),
            RecommendedStep(DETACH, SHARED),
        ),
    )
    copy = f"arn:aws:iam::{ACCOUNT}:policy/dormant-recommended-app-1"
    assert calls(planned) == [
        ("TagRole", ""),
        ("PutRolePolicy", "inline"),
        ("CreatePolicy", "dormant-recommended-app-1"),
        ("AttachRolePolicy", copy),
        ("DetachRolePolicy", AWS_MANAGED),
        ("DetachRolePolicy", SHARED),
    ]
    assert isinstance(planned, RecommendationPlan)
    undo = [[(u.operation, dict(u.params)) for u in s.undo] for s in planned.steps]
    assert undo[2] == [("DeletePolicy", {"PolicyArn": copy})]
    assert undo[4] == [("AttachRolePolicy", {"RoleName": "app", "PolicyArn": AWS_MANAGED})]
    tags = {t["Key"]: t["Value"] for t in planned.steps[0].params["Tags"]}
    assert tags[TAG_RECOMMENDATION_BACKUP] == "backups/x.json"
    assert tags[TAG_RECOMMENDATION_BACKUP_VERSION] == "abc123"
    assert [c.after is None for c in planned.changes] == [False, False, True]


def test_an_inline_detach_deletes_the_policy_and_its_undo_puts_it_back() -> None:
    planned = plan(state(), recommendation(RecommendedStep(DETACH, "inline")))
    assert calls(planned) == [("TagRole", ""), ("DeleteRolePolicy", "inline")]
    assert isinstance(planned, RecommendationPlan)
    assert planned.steps[1].undo[0].operation == "PutRolePolicy"


@pytest.mark.parametrize(
    ("rec", "current", "reason"),
    [
        (recommendation(RecommendedStep(DETACH, "gone")), state(), "no longer has"),
        (
            recommendation(RecommendedStep(DETACH, f"arn:aws:iam::{ACCOUNT}:policy/other")),
            state(),
            "no longer attached",
        ),
        (
            recommendation(RecommendedStep(DETACH, "inline"), arn="arn:aws:iam::1:role/x"),
            state(),
            "not role app",
        ),
        (
            recommendation(RecommendedStep(DETACH, "inline")),
            state(
                tags=((TAG_RECOMMENDATION_BACKUP, "b"), (TAG_RECOMMENDATION_BACKUP_VERSION, "v"))
            ),
            "already carries an applied recommendation",
        ),
        (
            recommendation(RecommendedStep(DETACH, "dormant-quarantine")),
            state(inline_policies=(("dormant-quarantine", doc("s3:GetObject")),)),
            "dormant's own policy",
        ),
        (recommendation(RecommendedStep(CREATE, "inline")), state(), "holds no document"),
        (
            recommendation(
                RecommendedStep(CREATE, AWS_MANAGED, doc(*(f"s3:Get{i:04}" for i in range(500))))
            ),
            state(),
            "over IAM's limit of 6144 for a managed policy",
        ),
        (
            recommendation(
                RecommendedStep(CREATE, "inline", doc(*(f"s3:Get{i:04}" for i in range(800))))
            ),
            state(),
            "over IAM's limit of 10240 per role",
        ),
    ],
)
def test_refusals_come_before_any_call(
    rec: Recommendation, current: RoleState, reason: str
) -> None:
    planned = plan(current, rec)
    assert isinstance(planned, str)
    assert reason in planned


def test_a_backup_place_iam_cannot_tag_is_refused() -> None:
    planned = plan_recommendation(
        state(),
        recommendation(RecommendedStep(DETACH, "inline")),
        MANAGED,
        now=NOW,
        caller_arn=CALLER,
        backup=("backups/with a ~tilde.json", "v"),
    )
    assert isinstance(planned, str)
    assert "cannot be the value of tag dormant:recommendation-backup" in planned


def test_policy_names_stay_within_iams_128_characters_and_are_the_same_on_every_run() -> None:
    assert recommended_policy_name("app", 2) == "dormant-recommended-app-2"
    long_role = "r" * 120
    name = recommended_policy_name(long_role, 3)
    assert len(name) == POLICY_NAME_MAX
    assert name == recommended_policy_name(long_role, 3)
    assert name != recommended_policy_name("r" * 119 + "s", 3)
    assert name.endswith("-3")


def test_release_puts_back_the_backup_and_deletes_only_dormants_copies() -> None:
    copy = f"arn:aws:iam::{ACCOUNT}:policy/dormant-recommended-app-1"
    earlier = state()
    applied = state(
        inline_policies=(("inline", doc("s3:GetObject")), ("dormant-quarantine", doc("s3:*"))),
        attached_policy_arns=(SHARED, copy, f"arn:aws:iam::{ACCOUNT}:policy/later-by-hand"),
        tags=((TAG_RECOMMENDATION_BACKUP, "b"), (TAG_RECOMMENDATION_BACKUP_VERSION, "v")),
    )
    steps = unrecommend_steps(applied, earlier)
    assert [
        (s.operation, s.params.get("PolicyName") or s.params.get("PolicyArn")) for s in steps
    ] == [
        ("AttachRolePolicy", AWS_MANAGED),
        ("PutRolePolicy", "inline"),
        ("DetachRolePolicy", copy),
        ("DeletePolicy", copy),
        ("UntagRole", None),
    ]


def test_a_diff_folds_long_lines_to_80_columns() -> None:
    long_arn = "arn:aws:s3:::" + "b" * 150
    change = PolicyChange(
        "inline",
        doc("s3:GetObject"),
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": long_arn}],
        },
        "replace inline policy inline",
    )
    lines = diff_lines(change)
    assert all(len(line) <= 80 for line in lines)
    assert "b" * 150 in "".join(line[5:] for line in lines if line.startswith("    +"))


def service(namespace: str, last_used: datetime | None, **actions: datetime | None) -> Any:
    from dormant.permissions.model import ServiceAccess, TrackedAction

    return ServiceAccess(
        namespace,
        namespace,
        last_used,
        "us-east-1" if last_used else None,
        tuple(TrackedAction(name, when) for name, when in actions.items()),
    )


def test_the_freshness_check_names_what_was_used_and_would_be_taken_away() -> None:
    from dormant.permissions.recommend_check import used_but_removed

    recent = datetime(2026, 11, 28, tzinfo=UTC)
    old = datetime(2026, 1, 1, tzinfo=UTC)
    before = [doc("s3:*", "kms:Decrypt", "sqs:SendMessage")]
    after = [doc("s3:GetObject")]
    access = [
        service("s3", recent, GetObject=recent, PutObject=recent, DeleteObject=old),
        service("kms", recent),
        service("sqs", old),
    ]
    assert used_but_removed(before, after, access, now=NOW, max_days=90) == [
        "s3:PutObject (last used 2026-11-28)",
        "kms (last used 2026-11-28)",
    ]
    # What the role used stays allowed: nothing to refuse.
    kept = [doc("s3:GetObject", "s3:PutObject", "kms:*")]
    assert used_but_removed(before, kept, access, now=NOW, max_days=90) == []
    # A NotAction statement allows what it does not name.
    everything_but_iam = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    assert used_but_removed(before, [everything_but_iam], access, now=NOW, max_days=90) == []


def test_a_managed_policy_updated_after_the_recommendations_basis_refuses_the_role() -> None:
    from dormant.permissions.recommend_run import apply_recommendations
    from dormant.remediation.outcome import Status
    from dormant.remediation.targets import Target
    from dormant.testing import InMemoryRoleMutator

    mutator = InMemoryRoleMutator(ACCOUNT)
    mutator.add_managed_policy(SHARED)
    mutator.add_role(state().role)
    basis = datetime(2026, 11, 20, tzinfo=UTC)

    class Reader:
        def policy_document(self, arn: str) -> tuple[dict[str, Any], datetime | None]:
            # The shared policy changed after AWS computed its step.
            return MANAGED[arn], basis + timedelta(days=2) if arn == SHARED else basis

    class NoAccess:
        def service_access(self, role: Role) -> list[Any]:
            return []

    rec = recommendation(RecommendedStep(CREATE, SHARED, doc("kms:Decrypt"), basis))
    outcomes = list(
        apply_recommendations(
            mutator,
            Reader(),
            lambda current: rec,
            lambda document: [],
            NoAccess(),
            [Target("app")],
            settings=Settings(),
            now=NOW,
            apply=False,
            store=None,
            clock=lambda: NOW,
        )
    )
    assert [o.status for o in outcomes] == [Status.REFUSED]
    assert outcomes[0].message == (
        f"role app: managed policy {SHARED} was updated at 2026-11-22T00:00:00Z, after the "
        "version AWS's recommendation is based on (2026-11-20T00:00:00Z); ask again after "
        "AWS's next analysis"
    )
    assert mutator.write_calls() == []
