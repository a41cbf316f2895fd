"""The simulation's policy evaluator against an independent one, on a seeded corpus.

The independent evaluator is `@cloud-copilot/iam-simulate` (npm, AGPL), pinned in
tests/oracle/package.json and installed there by `.ci/run` (`npm ci`); it runs as a separate
node process (oracle.mjs) and is never shipped. The corpus (policy_corpus.py) is a few
thousand cases over the actions, ARNs, condition keys and policy shapes dormant and its
templates use, plus the templates' own identity policies.

Every case both evaluators answer must get the same three-way verdict (allowed, implicitly
denied, explicitly denied), except the classes in `KNOWN_DIFFERENCES`: each names the
construct, an example, and the AWS document that shows the other evaluator is wrong there. A
case the simulation cannot evaluate (`CannotEvaluate`: a key or operator it does not
simulate) is not compared, and their share is bounded so the test cannot pass by refusing.

Without node the test fails under CI (CI set, as CI services set it) and is skipped
elsewhere, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from policy_corpus import OTHER, Case, corpus, template_cases

from dormant_sim import policy
from dormant_sim.enforcement import decide
from dormant_sim.principals import Caller
from dormant_sim.request_context import KNOWN_KEYS

ORACLE = Path(__file__).resolve().parent
SEED = 20260315
SYNTHETIC_CASES = 3500
# The simulation may refuse (cannot evaluate) at most this share of the cases.
MAX_REFUSED_SHARE = 0.05
MIN_COMPARED = 3000


@dataclass(frozen=True)
class KnownDifference:
    trait: str  # the corpus marks the cases that use the construct (Case.traits)
    example: str
    evidence: str  # the AWS document, and what it says
    theirs: str  # the other evaluator's verdict in those cases, where ours follows the document


_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide"

# Where the two evaluators differ and AWS's documentation supports the simulation.
KNOWN_DIFFERENCES = (
    KnownDifference(
        trait="epoch-seconds-date",
        example='{"DateLessThan": {"aws:CurrentTime": "1798761600"}}: the other evaluator '
        "reads no epoch seconds and never matches",
        evidence=f"{_GUIDE}/reference_policies_elements_condition_operators.html#Conditions_Date"
        ": date values are ISO 8601 dates or epoch (UNIX) time",
        theirs="any",
    ),
    KnownDifference(
        trait="protected-role",
        example="iam:DeleteRole on arn:aws:iam::111111111111:role/aws-reserved/x1 allowed by "
        '"Resource": "*": the other evaluator answers an implicit deny',
        evidence="https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html: IAM "
        "refuses changes to protected roles with the UnmodifiableEntity error, after "
        "authorization, not with AccessDenied",
        theirs="implicit deny",
    ),
    KnownDifference(
        trait="resource-policy-names-the-session",
        example="sns:Publish by arn:aws:sts::123456789012:assumed-role/app/s1 whose session "
        "policy does not allow it, on a topic whose policy allows that session ARN: the other "
        "evaluator applies the session policy",
        evidence=f"{_GUIDE}/access_policies.html#policies_session: a resource-based policy "
        "naming the session's ARN is not limited by the session policy",
        theirs="implicit deny",
    ),
)


def _node_ready() -> str | None:
    """Why the oracle cannot run here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed (.ci/run installs Debian's nodejs and npm)"
    if not (ORACLE / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        return "the oracle's packages are not installed: run `npm ci` in tests/oracle"
    return None


def _require_oracle() -> None:
    reason = _node_ready()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"the differential test must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def oracle_ready() -> None:
    _require_oracle()


def _oracle(cases: list[Case]) -> list[dict[str, Any]]:
    lines = "".join(json.dumps(case.oracle_input()) + "\n" for case in cases)
    done = subprocess.run(
        ["node", str(ORACLE / "oracle.mjs")],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ORACLE,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(answers) == len(cases), done.stderr[-2000:]
    return answers


_THEIRS = {
    "Allowed": policy.Verdict.ALLOW,
    "ExplicitlyDenied": policy.Verdict.EXPLICIT_DENY,
    "ImplicitlyDenied": policy.Verdict.IMPLICIT_DENY,
}


def _caller(case: Case) -> Caller:
    tags = {
        key.split("/", 1)[1]: str(value)
        for key, value in case.context.items()
        if key.lower().startswith("aws:principaltag/")
    }
    return Caller(
        account_id=case.caller.account,
        kind=case.caller.kind,
        name=case.caller.name,
        arn=case.caller.arn,
        principal_arn=case.caller.principal_arn,
        user_id=case.caller.user_id,
        documents=tuple(case.identity),
        boundary=case.boundary,
        session_policy=case.session,
        token_issue_time=None,
        tags=tags,
    )


def ours(case: Case, ignored: frozenset[str] = frozenset()) -> policy.Verdict | None:
    """The simulation's verdict (None: it cannot evaluate the case)."""
    context = {k: v for k, v in case.context.items() if k not in ignored}
    request = policy.Request(case.action, case.resource, context, KNOWN_KEYS)
    try:
        return decide(_caller(case), request, case.resource_policy).verdict
    except policy.CannotEvaluate:
        return None


def _template_documents() -> list[dict[str, Any]]:
    """Every identity policy the templates create, for the parameter sets that create them all
    (tests/deploy/test_policies_checked.py's CASES)."""
    from policy_reference import PolicyKind
    from template_policies import template_policies
    from test_policies_checked import CASES

    root = ORACLE.parents[1]
    documents = []
    for relative, parameter_sets in CASES.items():
        for overrides in parameter_sets.values():
            for found in template_policies(root / relative, overrides):
                if found.kind is PolicyKind.IDENTITY and found.document not in documents:
                    documents.append(found.document)
    return documents


def _excused(case: Case, theirs: policy.Verdict) -> KnownDifference | None:
    for row in KNOWN_DIFFERENCES:
        if row.trait in case.traits and row.theirs in ("any", theirs.value):
            return row
    return None


def test_the_simulation_agrees_with_an_independent_evaluator(oracle_ready: None) -> None:
    cases = corpus(SEED, SYNTHETIC_CASES)
    documents = _template_documents()
    assert documents, "no identity policy found in the templates"
    cases += list(template_cases(documents, SEED, start=len(cases)))
    answers = _oracle(cases)

    tally: Counter[str] = Counter()
    disagreements: list[str] = []
    for case, answer in zip(cases, answers, strict=True):
        mine = ours(case, frozenset(answer.get("ignored", [])))
        if mine is None:
            tally["refused by the simulation"] += 1
            continue
        if "error" in answer:
            tally["refused by the other evaluator"] += 1
            continue
        theirs = _THEIRS[answer["verdict"]]
        tally["compared"] += 1
        if mine is theirs:
            tally["agreed"] += 1
            continue
        row = _excused(case, theirs)
        if row is not None:
            tally[f"known difference: {row.trait}"] += 1
            continue
        disagreements.append(
            f"{case.describe()}\n  simulation: {mine.value}; other evaluator: {theirs.value}"
        )
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(tally.items()))
    assert not disagreements, (
        f"{len(disagreements)} disagreement(s) ({summary}); the first:\n\n"
        + "\n\n".join(disagreements[:8])
    )
    assert tally["compared"] >= MIN_COMPARED, summary
    assert tally["refused by the simulation"] <= MAX_REFUSED_SHARE * len(cases), summary


def test_the_corpus_is_deterministic_and_spans_what_dormant_uses() -> None:
    first, second = corpus(SEED, 400), corpus(SEED, 400)
    assert [c.oracle_input() for c in first] == [c.oracle_input() for c in second]
    cases = corpus(SEED, SYNTHETIC_CASES)
    services = {case.action.split(":")[0] for case in cases}
    assert {"iam", "sts", "config", "securityhub", "sns", "secretsmanager", "s3"} <= services
    assert any(case.resource_account == OTHER for case in cases)
    assert any(case.boundary for case in cases)
    assert any(case.session for case in cases)
    text = json.dumps([case.oracle_input() for case in cases])
    for construct in ("${aws:username}", "${aws:PrincipalTag/", "NotResource", "NotAction"):
        assert construct in text, construct
    for operator in ("ForAllValues:", "IfExists", "Null", "Bool", "DateLessThan", "ArnLike"):
        assert operator in text, operator


def test_the_oracle_is_pinned_and_test_only() -> None:
    package = json.loads((ORACLE / "package.json").read_text())
    version = package["dependencies"]["@cloud-copilot/iam-simulate"]
    assert version[0].isdigit(), f"pin an exact version, not {version!r}"
    lock = json.loads((ORACLE / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@cloud-copilot/iam-simulate"]["version"] == version
    ignored = (ORACLE.parents[1] / ".gitignore").read_text()
    assert "tests/oracle/node_modules/" in ignored


def test_without_node_the_test_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI: node is not installed"):
        _require_oracle()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        _require_oracle()
