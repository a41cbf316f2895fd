"""The deployed retire function held to the campaign's promises under random stories.

A hypothesis state machine drives `dormant.campaign.handler.run_once` as deploy/retire.yaml's
own role, under the enforcing simulation, through steps chosen at random: days pass (an
injected clock), a role is used, exempted or its exemption taken off, a reference appears
or goes (an instance profile, another role's trust, a Lambda function), the schedule
invokes, someone invokes with any event (a forged `scheduled_time`, garbage), a fault hits
one IAM, S3, SNS, STS or webhook call (throttling, DeleteConflict, a timeout, or the run
killed there, before or after the call took effect), and the mode switches between Notify
and Apply. After every step the promises in `dormant.roles.remediate.invariants` hold over
what an independent observer reads from the account (`campaign_world`), and so do this
test's own checks against the truth the model keeps (when each role was really used, what
really references it, which notices really reached the owners' queue).

The last shard deploys the stack with Source access-analyzer and ArchiveFindings: AWS's
analysis is one more step, and the function may delete only a role the analyzer's last
pass found unused (a role used after it keeps AWS's finding ACTIVE, and is still never
deleted), and archives only findings about roles it deleted.

CI runs 200 stories of up to 10 steps from fixed seeds (`DORMANT_PROPERTY_PROFILE` unset or
`ci`), in four shards of 50 that pytest-xdist runs side by side; `long` explores far more
(see docs/retire-invariants.md). A failure prints the shortest story hypothesis found.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.endpoint
import botocore.loaders
import botocore.session
import pytest
from campaign_world import (
    ACCOUNT,
    AFTER_DAYS,
    ASSUMER,
    BUCKET,
    CANDIDATES,
    EXEMPT_TAG,
    NO_SLEEP,
    NOTICE_DAYS,
    PREFIX,
    REGION,
    WINDOW_DAYS,
    World,
    account_inventory,
    backup_versions,
    cached_template,
    function_zip,
    notices_in,
    read_roles,
    shared_loader,
)
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from dormant.core.errors import DormantError, RoleDataError
from dormant.core.settings import Settings
from dormant.core.time import whole_days
from dormant.roles.remediate.backup import RoleBackup
from dormant.roles.remediate.invariants import (
    DeliveredNotice,
    Observation,
    Promises,
    Violation,
    changed_otherwise,
    deleted_while_kept,
    deleted_while_used,
    deleted_without_notice,
    left_without_deny,
    lost_backups,
    owner_view,
    quarantined_without_notice,
    touched_while_kept,
)
from dormant.roles.remediate.state import InstanceProfileRef, RoleState
from dormant_sim import faults
from dormant_sim.principals import backend_of
from dormant_sim.server import Simulation
from webhook_support import Hook, serve

# Stories per shard; each shard has a fixed seed of its own (SEED + shard), and no example
# database, so CI explores the same 200 stories every run.
settings.register_profile(
    "campaign-ci",
    max_examples=int(os.environ.get("DORMANT_PROPERTY_EXAMPLES", "50")),
    stateful_step_count=10,
    derandomize=False,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.register_profile(
    "campaign-long",
    max_examples=int(os.environ.get("DORMANT_PROPERTY_EXAMPLES", "3000")),
    stateful_step_count=40,
    derandomize=False,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
# Finds failures without shrinking them: to look for more than one defect at a time.
settings.register_profile(
    "campaign-explore",
    settings.get_profile("campaign-long"),
    phases=[Phase.explicit, Phase.generate],
)
PROFILE = "campaign-" + os.environ.get("DORMANT_PROPERTY_PROFILE", "ci")

# The calls a run makes, by service, that a fault may hit (moto's service names).
CALLS = (
    ("iam", "ListRoles"),
    ("iam", "GetRole"),
    ("iam", "GetAccountAuthorizationDetails"),
    ("iam", "ListRoleTags"),
    ("iam", "TagRole"),
    ("iam", "UntagRole"),
    ("iam", "AttachRolePolicy"),
    ("iam", "DetachRolePolicy"),
    ("iam", "DeleteRolePolicy"),
    ("iam", "RemoveRoleFromInstanceProfile"),
    ("iam", "DeleteRole"),
    ("iam", "ListAttachedRolePolicies"),
    ("iam", "ListRolePolicies"),
    ("iam", "ListInstanceProfilesForRole"),
    ("s3", "PutObject"),
    ("s3", "GetObject"),
    ("s3", "GetBucketVersioning"),
    ("sns", "Publish"),
    ("sts", "GetCallerIdentity"),
    ("secretsmanager", "GetSecretValue"),
)
EFFECTS = ("Throttling", "ServiceUnavailable", "DeleteConflict", "timeout", "kill", "kill-after")
REFERENCES = ("instance-profile", "trust", "function")

ANY_EVENT = st.one_of(
    st.integers(1, 4000).map(lambda d: ("ahead", d)),
    st.integers(1, 400).map(lambda d: ("behind", d)),
    st.one_of(
        st.none(),
        st.text(max_size=20),
        st.integers(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers(), max_size=3),
        st.fixed_dictionaries({"scheduled_time": st.text(max_size=30) | st.integers()}),
    ).map(lambda garbage: ("garbage", garbage)),
)

_SIM: dict[str, Any] = {}


def _said(violations: Sequence[Violation | str]) -> str:
    """The broken promises, one a line. Each promise asserts on its own line, so hypothesis
    reports each one as a bug of its own."""
    return "\n".join(str(v) for v in violations)


class DeployedCampaign(RuleBasedStateMachine):
    """The model: the true clock, uses, exemptions, references, delivered notices."""

    SOURCE = "dormant"  # the stack's Source

    def __init__(self) -> None:
        super().__init__()
        self.world = World.create(
            _SIM["sim"], _SIM["monkeypatch"], _SIM["hook"], _SIM["url"], source=self.SOURCE
        )
        self.now = self.world.day0 + timedelta(hours=6)
        self.mode = "Apply"
        self.promises = Promises(
            Settings(
                max_days=WINDOW_DAYS, exempt_tag_key=EXEMPT_TAG, allow_patterns=(f"/{ASSUMER}",)
            ),
            notice_days=NOTICE_DAYS,
            deny_policy_arn=self.world.deployed.policy_arn,
            own_roles=frozenset(
                credentials.arn.split("/")[1] for credentials in self.world.roles.values()
            ),
        )
        self.last_used = {name: state.role.last_used for name, state in self.world.created.items()}
        self.exempt_until: dict[str, datetime] = {}
        self.references: dict[str, set[str]] = {name: set() for name in self.world.created}
        self.expected: dict[str, RoleState] = dict(self.world.created)
        self.inventory = account_inventory()
        self.announced: list[DeliveredNotice] = []
        self.mentioned: list[DeliveredNotice] = []
        self.deleted: dict[str, RoleState] = {}
        self.escaped: list[str] = []
        self.trusted: str | None = None
        self.history = [self._observe()]
        self.last_run = (self.history[-1], self.history[-1])
        self._backups_read = 0
        self._backup_violations: list[Violation] = []

    # ---- reading the account

    def _observe(self) -> Observation:
        roles = read_roles(set(self.world.created))
        return Observation(
            self.now,
            roles,
            {name: tuple(sorted(refs)) for name, refs in self.references.items() if refs},
        )

    def _after_run(self, error: BaseException | None) -> None:
        faults.clear_injections()
        self.world.hook.answers[:] = [(200, {})]
        if error is not None and not isinstance(error, DormantError | faults.RunKilled):
            self.escaped.append(f"{type(error).__name__}: {error}")
        messages = self.world.deployed.messages()
        found = notices_in(messages, self.now)
        self.mentioned += found
        self.announced += [n for n in found if n.quarantine_on is not None]
        before = self.history[-1]
        observed = self._observe()
        for name in before.roles:
            if name not in observed.roles and name not in self.deleted:
                self.deleted[name] = self.expected[name]
        self.history.append(observed)
        self.last_run = (before, observed)

    def _exists(self, name: str) -> bool:
        return name in self.history[-1].roles

    def _retag(self, name: str, tags: dict[str, str | None]) -> None:
        state = self.expected[name]
        kept = [(k, v) for k, v in state.role.tags if k not in tags]
        kept += [(k, v) for k, v in tags.items() if v is not None]
        self.expected[name] = _with(state, tags=tuple(kept))

    # ---- steps

    @rule(days=st.integers(1, 40), hours=st.integers(0, 3))
    def days_pass(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)

    @rule(name=st.sampled_from((*CANDIDATES, ASSUMER)), hours_ago=st.integers(0, 30))
    def role_is_used(self, name: str, hours_ago: int) -> None:
        if not self._exists(name):
            return
        when = self.now - timedelta(hours=hours_ago)
        role = backend_of(ACCOUNT).get_role(name)
        if role.last_used is not None and role.last_used >= when:
            return
        role.last_used = when
        role.last_used_region = REGION
        self.last_used[name] = when
        self.history.append(self._observe())

    @rule(name=st.sampled_from(CANDIDATES), days=st.integers(0, 30))
    def exempted(self, name: str, days: int) -> None:
        if not self._exists(name):
            return
        until = (self.now + timedelta(days=days)).date()
        value = f"until={until.isoformat()} kept for the audit"
        boto3.client("iam").tag_role(RoleName=name, Tags=[{"Key": EXEMPT_TAG, "Value": value}])
        self.exempt_until[name] = datetime(until.year, until.month, until.day, tzinfo=UTC)
        self._retag(name, {EXEMPT_TAG: value})
        self.history.append(self._observe())

    @rule(name=st.sampled_from(CANDIDATES))
    def exemption_taken_off(self, name: str) -> None:
        if not self._exists(name) or name not in self.exempt_until:
            return
        boto3.client("iam").untag_role(RoleName=name, TagKeys=[EXEMPT_TAG])
        del self.exempt_until[name]
        self._retag(name, {EXEMPT_TAG: None})
        self.history.append(self._observe())

    @rule(name=st.sampled_from(CANDIDATES), kind=st.sampled_from(REFERENCES))
    def reference_appears(self, name: str, kind: str) -> None:
        if not self._exists(name):
            return
        iam = boto3.client("iam")
        arn = self.expected[name].role.arn
        label = _label(name, kind)
        if label in self.references[name]:
            return
        if kind == "instance-profile":
            profile = f"ip-{name}"
            if profile not in self.inventory["instance_profiles"]:
                iam.create_instance_profile(InstanceProfileName=profile)
                self.inventory["instance_profiles"] = sorted(
                    [*self.inventory["instance_profiles"], profile]
                )
            iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name)
            state = self.expected[name]
            self.expected[name] = _with_profiles(
                state, (*state.instance_profiles, InstanceProfileRef(profile))
            )
        elif kind == "trust":
            if self.trusted is not None:
                self.references[self.trusted].discard(_label(self.trusted, "trust"))
            iam.update_assume_role_policy(
                RoleName=ASSUMER, PolicyDocument=json.dumps(_trust_of(arn))
            )
            self.trusted = name
            self.expected[ASSUMER] = _with(self.expected[ASSUMER], trust_policy=_trust_of(arn))
        else:
            boto3.client("lambda", region_name=REGION).create_function(
                FunctionName=f"fn-{name}",
                Runtime="python3.12",
                Role=arn,
                Handler="app.handler",
                Code={"ZipFile": function_zip()},
            )
            self.inventory["functions"] = sorted([*self.inventory["functions"], f"fn-{name}"])
        self.references[name].add(label)
        self.history.append(self._observe())

    @rule(name=st.sampled_from(CANDIDATES), kind=st.sampled_from(REFERENCES))
    def reference_goes(self, name: str, kind: str) -> None:
        label = _label(name, kind)
        if label not in self.references[name]:
            return
        iam = boto3.client("iam")
        if kind == "instance-profile":
            profile = f"ip-{name}"
            held = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
            if any(r["RoleName"] == name for r in held["Roles"]):
                iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=name)
            state = self.expected[name]
            self.expected[name] = _with_profiles(
                state, tuple(p for p in state.instance_profiles if p.name != profile)
            )
        elif kind == "trust":
            account = _trust_of(f"arn:aws:iam::{ACCOUNT}:root")
            iam.update_assume_role_policy(RoleName=ASSUMER, PolicyDocument=json.dumps(account))
            self.trusted = None
            self.expected[ASSUMER] = _with(self.expected[ASSUMER], trust_policy=account)
        else:
            boto3.client("lambda", region_name=REGION).delete_function(FunctionName=f"fn-{name}")
            self.inventory["functions"] = [
                f for f in self.inventory["functions"] if f != f"fn-{name}"
            ]
        self.references[name].discard(label)
        self.history.append(self._observe())

    @rule(days=st.integers(0, 4))
    def schedule_invokes(self, days: int) -> None:
        """The schedule's run, `days` after the last step (the days between were missed)."""
        self.now += timedelta(days=days)
        self._after_run(self.world.run(self.mode, self.world.scheduled(self.now), self.now))

    @rule(event=ANY_EVENT)
    def someone_invokes(self, event: tuple[str, Any]) -> None:
        kind, value = event
        if kind == "ahead":
            sent: Any = self.world.scheduled(self.now + timedelta(days=value))
        elif kind == "behind":
            sent = self.world.scheduled(self.now - timedelta(days=value))
        else:
            sent = value
        self._after_run(self.world.run(self.mode, sent, self.now))

    @rule(
        call=st.sampled_from(CALLS),
        effect=st.sampled_from(EFFECTS),
        nth=st.integers(0, 6),
        days=st.integers(0, 4),
    )
    def a_fault_hits_a_call(self, call: tuple[str, str], effect: str, nth: int, days: int) -> None:
        service, operation = call
        if effect == "kill":
            faults.kill_at(service, operation, skip=nth)
        elif effect == "kill-after":
            faults.kill_at(service, operation, skip=nth, after=True)
        elif effect == "timeout":
            faults.inject_timeout(service, operation, skip=nth, times=1 + nth)
        else:
            faults.inject_error(service, operation, effect, skip=nth, times=1 + nth)
        self.schedule_invokes(days)

    @rule(status=st.sampled_from((400, 403, 404)), days=st.integers(0, 4))
    def the_webhook_refuses(self, status: int, days: int) -> None:
        self.world.hook.answers[:] = [(status, {})]
        self.schedule_invokes(days)

    @rule()
    def mode_switches(self) -> None:
        self.mode = "Notify" if self.mode == "Apply" else "Apply"

    # ---- the promises, after every step (each on its own line, so each is its own bug)

    def _pair(self) -> tuple[Observation, Observation]:
        """The account before and after the last run (the model's own changes between runs
        are the owners', not dormant's)."""
        return self.last_run

    def _gone(self) -> tuple[list[str], datetime]:
        before, after = self._pair()
        return [name for name in before.roles if name not in after.roles], after.at

    @invariant()
    def never_deleted_while_used(self) -> None:
        before, after = self._pair()
        found = deleted_while_used(before, after, self.promises)
        assert not found, _said(found)
        # The model's truth, not IAM's RoleLastUsed: was it used within the window?
        gone, at = self._gone()
        really = {name: self.last_used.get(name) for name in gone}
        truth = [
            f"{name} deleted on {at.date()}, used {whole_days(used, at)} days before"
            for name, used in really.items()
            if used is not None and whole_days(used, at) <= WINDOW_DAYS
        ]
        assert not truth, _said(truth)

    @invariant()
    def never_deleted_while_kept(self) -> None:
        before, after = self._pair()
        found = deleted_while_kept(before, after, self.promises)
        assert not found, _said(found)
        # The model's truth: what it made reference the role, exempted until when.
        gone, at = self._gone()
        kept = {
            name: sorted(self.references.get(name, ()))
            + (["exempt"] if self._exempt(name, at) else [])
            + (["never a candidate"] if name in ("OrganizationAccountAccessRole", ASSUMER) else [])
            for name in gone
        }
        truth = [f"{name} deleted on {at.date()}: {why}" for name, why in kept.items() if why]
        assert not truth, _said(truth)

    def _exempt(self, name: str, at: datetime) -> bool:
        until = self.exempt_until.get(name)
        return until is not None and until.date() >= at.date()

    @invariant()
    def never_touched_while_kept(self) -> None:
        before, after = self._pair()
        found = touched_while_kept(before, after, self.promises)
        assert not found, _said(found)

    @invariant()
    def never_quarantined_without_notice(self) -> None:
        before, after = self._pair()
        found = quarantined_without_notice(before, after, self.announced, self.promises)
        assert not found, _said(found)

    @invariant()
    def never_deleted_without_notice(self) -> None:
        found = deleted_without_notice(self.history, self.mentioned, self.promises)
        assert not found, _said(found)

    @invariant()
    def never_left_without_deny(self) -> None:
        before, after = self._pair()
        found = left_without_deny(before, after, self.promises)
        assert not found, _said(found)

    @invariant()
    def nothing_else_changed(self) -> None:
        before, after = self._pair()
        found = changed_otherwise(before, after, self.promises)
        assert not found, _said(found)
        # Against the model: each role as its owner left it, and everything else.
        drift = []
        for name, state in self.history[-1].roles.items():
            want, got = (
                owner_view(self.expected[name], self.promises),
                owner_view(state, self.promises),
            )
            allowed = {"inline_policies", "attached_policy_arns", "instance_profiles"}
            deny = self.promises.deny_policy_arn
            bounded = state.role.permissions_boundary_arn == deny
            if bounded:  # a delete under way made the deny its boundary
                allowed.add("permissions_boundary_arn")
            quarantined = deny in state.role.attached_policy_arns or bounded
            changed = [k for k in want if want[k] != got[k] and not (quarantined and k in allowed)]
            if changed:
                drift.append(f"{name}: {', '.join(changed)} changed")
        inventory = account_inventory()
        for key, expected in self.inventory.items():
            if inventory[key] != expected:
                drift.append(f"the account's {key} changed: {expected} -> {inventory[key]}")
        found = drift
        assert not found, _said(found)

    @invariant()
    def backups_are_never_lost(self) -> None:
        if not self.deleted:
            return
        if self._backups_read != len(self.history):  # the bucket changes only in runs
            self._backups_read = len(self.history)
            versions, reads = backup_versions(), _restore_reads(self.deleted)
            self._backup_violations = lost_backups(self.deleted, versions, reads, self.promises)
        found = self._backup_violations
        assert not found, _said(found)

    @invariant()
    def errors_are_dormant_errors(self) -> None:
        found = self.escaped
        assert not found, _said(found)

    def teardown(self) -> None:
        """Restoring each deleted role from the backup `dormant restore` reads recreates it
        as its owner left it: policies, tags, instance profiles."""
        if not self.deleted:
            return
        from dormant.aws.session import client_config
        from dormant.commands.backups import read_any_backup
        from dormant.roles.aws_mutator import IamRoleMutator
        from dormant.roles.remediate.restore import restore

        session = boto3.Session()
        urls = [f"s3://{BUCKET}/{PREFIX}{ACCOUNT}-{name}.json" for name in sorted(self.deleted)]
        mutator = IamRoleMutator.from_session(session, client_config())
        outcomes = list(restore(mutator, urls, apply=True, reader=read_any_backup(session)))
        restored = read_roles(set(self.deleted))
        wrong = []
        for name, expected in sorted(self.deleted.items()):
            got = restored.get(name)
            if got is None:
                said = [o.message for o in outcomes if o.role_name == name]
                wrong.append(f"{name} was not restored: {said}")
                continue
            want, have = owner_view(expected, self.promises), owner_view(got, self.promises)
            differ = [k for k in want if want[k] != have[k]]
            if differ:
                wrong.append(f"{name} restored with other {', '.join(differ)}")
        found = wrong
        assert not found, _said(found)


def _label(name: str, kind: str) -> str:
    return {
        "instance-profile": f"instance profile ip-{name}",
        "trust": f"the trust policy of {ASSUMER}",
        "function": f"Lambda function fn-{name}",
    }[kind]


def _trust_of(principal: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }


def _with(state: RoleState, **changes: Any) -> RoleState:
    from dataclasses import replace

    return replace(state, role=replace(state.role, **changes))


def _with_profiles(state: RoleState, profiles: tuple[InstanceProfileRef, ...]) -> RoleState:
    from dataclasses import replace

    return replace(state, instance_profiles=profiles)


def _restore_reads(deleted: dict[str, RoleState]) -> dict[str, RoleBackup | None]:
    """What `dormant restore s3://...` reads for each deleted role."""
    from dormant.commands.backups import read_any_backup

    reader = read_any_backup(boto3.Session())
    found: dict[str, RoleBackup | None] = {}
    for name in deleted:
        try:
            found[name] = reader(f"s3://{BUCKET}/{PREFIX}{ACCOUNT}-{name}.json")
        except RoleDataError:
            found[name] = None
    return found


@pytest.fixture
def campaign_sim(sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import e2e_support

    hook = Hook()
    monkeypatch.setattr(botocore.endpoint, "time", NO_SLEEP)
    # Every boto3 session the function makes shares one loader: service models are read
    # from disk once, not once per run.
    monkeypatch.setattr(botocore.session, "create_loader", shared_loader(botocore.loaders))
    # The template is read once, not once per example (cfn-lint's YAML loader is slow).
    monkeypatch.setattr(e2e_support, "load_template", cached_template(e2e_support.load_template))
    with serve(hook, "/hooks/retire") as url:
        _SIM.update(sim=sim, monkeypatch=monkeypatch, hook=hook, url=url)
        yield
    _SIM.clear()


class DeployedCampaignWithSource(DeployedCampaign):
    """The stack with Source access-analyzer: AWS's analysis passes are steps of the story."""

    SOURCE = "access-analyzer"

    def __init__(self) -> None:
        super().__init__()
        self.aws_unused: set[str] = set()  # roles with an ACTIVE finding after the last pass
        self.source_violations: list[str] = []
        self.analyzers = boto3.client("accessanalyzer", region_name=REGION)
        (analyzer,) = self.analyzers.list_analyzers()["analyzers"]
        self.analyzer_arn = str(analyzer["arn"])

    def _findings(self) -> dict[str, str]:
        """role name -> its latest finding's status, read as the account's administrator."""
        found: dict[str, str] = {}
        pages = self.analyzers.get_paginator("list_findings_v2")
        for page in pages.paginate(analyzerArn=self.analyzer_arn):
            for finding in page["findings"]:
                found[finding["resource"].rsplit("/", 1)[-1]] = finding["status"]
        return found

    @rule()
    def aws_analyzes(self) -> None:
        from dormant_sim import access_analyzer

        access_analyzer.analyze(self.now)
        self.aws_unused = {n for n, status in self._findings().items() if status == "ACTIVE"}

    def _after_run(self, error: BaseException | None) -> None:
        super()._after_run(error)
        before, after = self.last_run
        for name in sorted(set(before.roles) - set(after.roles)):
            if name not in self.aws_unused:
                self.source_violations.append(
                    f"{name} deleted at {self.now:%Y-%m-%d} without an ACTIVE AWS finding"
                )

    @invariant()
    def never_deleted_without_aws_agreeing(self) -> None:
        assert not self.source_violations, _said(self.source_violations)

    @invariant()
    def never_archived_while_present(self) -> None:
        present = set(self.history[-1].roles)
        archived = {n for n, status in self._findings().items() if status == "ARCHIVED"}
        assert not archived & present, _said(
            [f"{n}: AWS's finding archived while the role exists" for n in archived & present]
        )


SEED = 20261207
SHARDS = int(os.environ.get("DORMANT_PROPERTY_SHARDS", "4"))


@pytest.mark.parametrize("shard", range(SHARDS))
def test_the_deployed_campaign_keeps_its_promises(campaign_sim: None, shard: int) -> None:
    # The last shard runs the stack with Source access-analyzer.
    base = DeployedCampaignWithSource if shard == SHARDS - 1 else DeployedCampaign
    machine = type(f"DeployedCampaignShard{shard}", (base,), {})
    if PROFILE == "campaign-ci":
        machine = seed(SEED + shard)(machine)
    run_state_machine_as_test(machine, settings=settings.get_profile(PROFILE))


# Stories the search found on the way, replayed as they were found (each one broke a
# promise before its fix): a fast check of each defect, beside the search itself. A notice
# given on day D ends on day D + NOTICE_DAYS + 1 (the notice day counts as none).
STORIES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "the organization's role is never noticed": [("schedule_invokes", {"days": 0})],
    "a forged scheduled_time moves no time": [
        ("role_is_used", {"name": "AppRole", "hours_ago": 2}),
        ("someone_invokes", {"event": ("ahead", 100)}),
        ("someone_invokes", {"event": ("ahead", 107)}),
        ("someone_invokes", {"event": ("ahead", 114)}),
    ],
    "a referenced role is never deleted": [
        ("schedule_invokes", {"days": 0}),
        ("schedule_invokes", {"days": NOTICE_DAYS + 1}),
        ("reference_appears", {"name": "AppRole", "kind": "instance-profile"}),
        ("reference_appears", {"name": "BatchRole", "kind": "trust"}),
        ("reference_appears", {"name": "DataRole", "kind": "function"}),
        ("schedule_invokes", {"days": AFTER_DAYS}),
    ],
    "a half-failed delete keeps its backup": [
        ("schedule_invokes", {"days": 0}),
        ("schedule_invokes", {"days": NOTICE_DAYS + 1}),
        (
            "a_fault_hits_a_call",
            {"call": ("iam", "DeleteRole"), "effect": "DeleteConflict", "nth": 0, "days": 2},
        ),
        ("schedule_invokes", {"days": 1}),
    ],
    "a run killed at DeleteRole leaves the role denied": [
        ("schedule_invokes", {"days": 0}),
        ("schedule_invokes", {"days": NOTICE_DAYS + 1}),
        (
            "a_fault_hits_a_call",
            {"call": ("iam", "DeleteRole"), "effect": "kill", "nth": 0, "days": 2},
        ),
    ],
    # The world starts at 06:00; fifteen hours later the notice is given at 21:00, and the
    # next run is 27 hours on, two dates later: counting dates, it quarantined there.
    "a notice given late in the day lasts its whole days": [
        *[("days_pass", {"days": 1, "hours": 3})] * 5,
        ("schedule_invokes", {"days": 0}),
        ("days_pass", {"days": 1, "hours": 3}),
        ("schedule_invokes", {"days": 0}),
        ("days_pass", {"days": 1, "hours": 0}),
        ("schedule_invokes", {"days": 0}),
    ],
    "Notify, then Apply, notices again": [
        ("mode_switches", {}),
        ("schedule_invokes", {"days": 0}),
        ("schedule_invokes", {"days": 4}),
        ("mode_switches", {}),
        ("schedule_invokes", {"days": 1}),
    ],
}


@pytest.mark.parametrize("story", sorted(STORIES))
def test_a_story_the_search_found(campaign_sim: None, story: str) -> None:
    """Every promise after every step; all broken ones are named, in the order they broke."""
    machine = DeployedCampaign()
    promises = [
        getattr(machine, name)
        for name in sorted(vars(DeployedCampaign))
        if name.startswith(("never_", "nothing_", "backups_", "errors_"))
    ]
    broken: list[str] = []
    for step, arguments in STORIES[story]:
        getattr(machine, step)(**arguments)
        for promise in promises:
            try:
                promise()
            except AssertionError as exc:
                said = f"after {step}: {str(exc).splitlines()[0]}"
                if said not in broken:
                    broken.append(said)
    try:
        machine.teardown()
    except AssertionError as exc:
        broken.append(f"restoring: {str(exc).splitlines()[0]}")
    found = broken
    assert not found, _said(found)


def test_a_story_with_aws_findings(campaign_sim: None) -> None:
    """AWS analyzes, a role is used after the analysis (AWS's finding stays ACTIVE): the
    others are deleted and their findings archived; the used one is never deleted."""
    machine = DeployedCampaignWithSource()
    machine.days_pass(days=WINDOW_DAYS + 1, hours=0)
    machine.aws_analyzes()
    assert {"AppRole", "BatchRole", "DataRole"} <= machine.aws_unused
    machine.schedule_invokes(days=0)
    machine.schedule_invokes(days=NOTICE_DAYS + 1)
    machine.role_is_used(name="AppRole", hours_ago=1)
    machine.schedule_invokes(days=AFTER_DAYS)
    for name in sorted(vars(DeployedCampaignWithSource)) + sorted(vars(DeployedCampaign)):
        if name.startswith(("never_", "nothing_", "backups_", "errors_")):
            getattr(machine, name)()
    assert sorted(machine.deleted) == ["BatchRole", "DataRole"]
    statuses = machine._findings()
    assert (statuses["BatchRole"], statuses["DataRole"], statuses["AppRole"]) == (
        "ARCHIVED",
        "ARCHIVED",
        "ACTIVE",
    )
    machine.teardown()


def _every_promise(machine: DeployedCampaign) -> None:
    for name in sorted(vars(DeployedCampaign)):
        if name.startswith(("never_", "nothing_", "backups_", "errors_")):
            getattr(machine, name)()


def test_a_default_story_reaches_real_deletes(campaign_sim: None) -> None:
    """The default world (References=config, a recorder) deletes: the delete-related
    promises are checked on roles that were really deleted, never on none."""
    machine = DeployedCampaign()
    for days in (0, NOTICE_DAYS + 1, AFTER_DAYS):
        machine.schedule_invokes(days=days)
        _every_promise(machine)
    assert machine.deleted, "no role was deleted: the delete promises were checked on nothing"
    assert not set(machine.deleted) & set(machine.history[-1].roles)
    machine.teardown()


def test_a_run_killed_at_delete_role_leaves_the_deny_as_the_boundary(campaign_sim: None) -> None:
    machine = DeployedCampaign()
    for step, arguments in STORIES["a run killed at DeleteRole leaves the role denied"]:
        getattr(machine, step)(**arguments)
    _every_promise(machine)
    deny = machine.promises.deny_policy_arn
    bounded = [
        name
        for name, state in machine.history[-1].roles.items()
        if state.role.permissions_boundary_arn == deny
    ]
    assert bounded, "the kill at DeleteRole left no role bounded by dormant's deny"
    for name in bounded:
        assert deny not in machine.history[-1].roles[name].role.attached_policy_arns
    machine.teardown()
