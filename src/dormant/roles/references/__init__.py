"""What references a role: the values every source of references fills, and the seam they fill.

A role unused for 60 days may still be the execution role of a Lambda function that runs
once a quarter; delete it and that function breaks. A ``ReferenceFinder`` answers, for many
roles at once, which resources and policies name each role, and which places it could not
look at (``not_covered``), so that "none found" can be told from "not looked". Remediation
asks it before a delete.

The sources: ``iam`` (``dormant.roles.references.iam``, from the data the role reader already
reads), ``config`` (``dormant.roles.references.config``: AWS Config's advanced queries) and
``live`` (the services' own list and describe calls); the boto3 halves of the last two are in
``dormant.roles.aws_references``. Several sources combine with ``combined``. Here too: the
JSON records of the two finding fields, the "Referenced by" text of the people-facing
reports, and the annotation note. Pure values and functions: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from dormant.core.model import Compliance
from dormant.core.tags import with_suffix
from dormant.engine.rule import RuleKind
from dormant.roles.model import Finding, NotCovered, Reference, Role, RoleReferences

__all__ = [
    "CSV_TEXT",
    "SHOWN_REFERENCES",
    "NotCovered",
    "Reference",
    "ReferenceFinder",
    "RoleReferences",
    "accepting_gaps",
    "checked_record",
    "checked_text",
    "combined",
    "gap_text",
    "merge",
    "reference_label",
    "reference_record",
    "referenced",
    "referenced_annotation",
    "referenced_by_text",
    "referenced_kind",
    "short_label",
    "with_references",
]

# The people-facing formats show the first few references, then "+N more".
SHOWN_REFERENCES = 3


class ReferenceFinder(Protocol):
    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        """Each role's references, keyed by the role's ARN; never one call per role."""
        ...


def merge(parts: Sequence[RoleReferences]) -> RoleReferences:
    """Several sources' answers for one role, as one: references, sources and gaps kept."""
    references: list[Reference] = []
    sources: list[str] = []
    gaps: list[NotCovered] = []
    for part in parts:
        references += [r for r in part.references if r not in references]
        sources += [s for s in part.sources if s not in sources]
        gaps += [g for g in part.not_covered if g not in gaps]
    return RoleReferences(tuple(references), tuple(sources), tuple(gaps))


class _Combined:
    def __init__(self, finders: Sequence[ReferenceFinder]) -> None:
        self._finders = tuple(finders)

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        answers = [finder.references(roles) for finder in self._finders]
        return {
            role.arn: merge([a.get(role.arn, RoleReferences()) for a in answers]) for role in roles
        }


class _AcceptingGaps:
    def __init__(self, finder: ReferenceFinder) -> None:
        self._finder = finder

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        found = self._finder.references(roles)
        return {arn: replace(refs, gaps_accepted=True) for arn, refs in found.items()}


def accepting_gaps(finder: ReferenceFinder) -> ReferenceFinder:
    """``finder`` whose answers say the gaps were accepted (``ForceUncovered``): a gap then
    no longer holds a delete back; a reference found still does."""
    return _AcceptingGaps(finder)


def gap_text(gaps: Sequence[NotCovered], shown: int = SHOWN_REFERENCES) -> str:
    """``AWS::Lambda::Function in us-east-1 (not recorded)``, the first few, then ``+N more``."""
    labels = [f"{g.type}{f' in {g.region}' if g.region else ''} ({g.why})" for g in gaps]
    more = f"; +{len(labels) - shown} more" if len(labels) > shown else ""
    return "; ".join(labels[:shown]) + more


def combined(finders: Sequence[ReferenceFinder]) -> ReferenceFinder:
    """One finder that asks each of ``finders`` and merges their answers."""
    return finders[0] if len(finders) == 1 else _Combined(finders)


def with_references(finding: Finding, references: RoleReferences | None) -> Finding:
    """The finding with its references, and `` Referenced by N resources.`` added to a
    NON_COMPLIANT annotation when something references the role and the whole fits in
    Config's 256 characters. The decision itself does not change."""
    if references is None:
        return finding
    return replace(
        finding, annotation=referenced_annotation(finding, references), references=references
    )


def referenced_annotation(finding: Finding, references: RoleReferences) -> str:
    """The finding's annotation as ``with_references`` leaves it."""
    count = references.resources
    if count and finding.compliance == Compliance.NON_COMPLIANT:
        noun = "resource" if count == 1 else "resources"
        return with_suffix(finding.annotation, f" Referenced by {count} {noun}.")
    return finding.annotation


def referenced(
    findings: Iterable[Finding], finder: ReferenceFinder | None, *, one_by_one: bool = False
) -> Iterable[Finding]:
    """The findings with what ``finder`` says references each role: all roles asked at once,
    or, ``one_by_one``, as they stream past (a finder whose data is already read)."""
    if finder is None:
        return findings
    if one_by_one:
        return (with_references(f, finder.references([f.role])[f.role.arn]) for f in findings)
    listed = list(findings)
    found = finder.references([f.role for f in listed])
    return [with_references(f, found.get(f.role.arn)) for f in listed]


def referenced_kind(
    kind: RuleKind[Role, Finding], found: Mapping[str, RoleReferences]
) -> RuleKind[Role, Finding]:
    """The rule's kind whose decision also carries each role's references (the Lambda's)."""

    def decide(role: Role, settings: Any, now: Any) -> Finding:
        return with_references(kind.decide(role, settings, now), found.get(role.arn))

    return RuleKind(kind.resource_type, decide, kind.gone_annotation)


def reference_record(reference: Reference) -> dict[str, Any]:
    """The JSON shape of one reference (the finding's ``references`` list)."""
    return {
        "type": reference.type,
        "arn": reference.arn,
        "name": reference.name,
        "account_id": reference.account_id,
        "region": reference.region,
        "via": reference.via,
        "source": reference.source,
        "state": reference.state,
    }


def checked_record(references: RoleReferences | None) -> dict[str, Any]:
    """The finding's ``references_checked``: the sources asked and what they could not see."""
    if references is None:
        return {"sources": [], "not_covered": []}
    return {
        "sources": list(references.sources),
        "not_covered": [
            {"type": gap.type, "region": gap.region, "why": gap.why}
            for gap in references.not_covered
        ],
    }


def reference_label(reference: Reference) -> str:
    """``AWS::Lambda::Function nightly (configuration.role)``, with a state when known."""
    state = f", {reference.state}" if reference.state else ""
    return f"{reference.type} {reference.name} ({reference.via}{state})"


def short_label(reference: Reference) -> str:
    """``Lambda quarterly``: the HTML page's item, the type's service and the name."""
    parts = reference.type.split("::")
    service = parts[1] if len(parts) > 2 else reference.type
    state = f" ({reference.state})" if reference.state else ""
    return f"{service} {reference.name}{state}"


def referenced_by_text(references: RoleReferences | None, shown: int = SHOWN_REFERENCES) -> str:
    """The "Referenced by" cell: the first few references, then ``+N more``; empty when none
    were found or no source was asked."""
    if references is None or not references.sources:
        return ""
    labels = [reference_label(r) for r in references.references]
    text = "; ".join(labels[:shown])
    if len(labels) > shown:
        text += f"; +{len(labels) - shown} more"
    if references.not_covered and not labels:
        text = f"none found ({len(references.not_covered)} not covered)"
    return text


def checked_text(references: RoleReferences | None) -> str:
    """``iam, config; not covered: AWS::Glue::Job in us-east-1 (why)``: the CSV cell."""
    if references is None or not references.sources:
        return ""
    text = ", ".join(references.sources)
    gaps = [
        f"{gap.type}{f' in {gap.region}' if gap.region else ''} ({gap.why})"
        for gap in references.not_covered
    ]
    return f"{text}; not covered: {'; '.join(gaps)}" if gaps else text


# The roles' CSV writes the two reference fields as text (``Layout.csv_text``).
CSV_TEXT: Mapping[str, tuple[str, Any]] = {
    "references": ("referenced_by", lambda row: referenced_by_text(row.references)),
    "references_checked": ("references_checked", lambda row: checked_text(row.references)),
}
