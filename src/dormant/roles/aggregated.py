"""An organization's recorded results, read from an AWS Config aggregator, as report rows.

The rule runs in every account (deployed by StackSet, under the same name), and an
aggregator collects every account's and Region's results. ``aggregated_rows`` asks the
aggregator where the rule has results (one listing), then reads each (account, Region)
pair's results concurrently with at most ``workers`` threads, and names each account's
roles from the aggregator's resource inventory where it can (else a role keeps its id).
A pair that cannot be read becomes an ``AccountFailure`` naming the account, the Region,
the call and the error; the other pairs complete. Nothing here decides compliance or
imports boto3: the reader (``dormant.aws.aggregate``) is handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dormant.core.errors import AwsAccessError
from dormant.core.model import RESOURCE_TYPE_ROLE, AccountFailure, Compliance
from dormant.engine.accounts import check_workers
from dormant.engine.rule import RecordedResult
from dormant.roles.layout import Row, row_from_recorded

__all__ = [
    "AGGREGATE_TYPES",
    "AggregateReader",
    "AggregatedReport",
    "SourcePair",
    "aggregated_rows",
    "check_aggregate_types",
]

# What an aggregator carries: it has no NOT_APPLICABLE results.
AGGREGATE_TYPES = (Compliance.COMPLIANT.value, Compliance.NON_COMPLIANT.value)


@dataclass(frozen=True, slots=True, order=True)
class SourcePair:
    """One account and Region whose results the aggregator holds."""

    account_id: str
    region: str


class AggregateReader(Protocol):
    def pairs(self, rule_name: str) -> list[SourcePair]:
        """Where the rule has results; raises ``AwsAccessError`` (the whole report fails)."""
        ...

    def results(
        self, rule_name: str, pair: SourcePair, compliance_type: str | None
    ) -> Iterator[RecordedResult]:
        """One pair's results (``compliance_type`` None: both kinds); called from threads."""
        ...

    def role_names(self, account_id: str) -> Mapping[str, str]:
        """RoleId -> role name for one account, as far as the aggregator knows them."""
        ...


@dataclass
class AggregatedReport:
    rows: list[Row] = field(default_factory=list)
    failures: list[AccountFailure] = field(default_factory=list)
    pairs: list[SourcePair] = field(default_factory=list)
    unnamed_accounts: list[str] = field(default_factory=list)  # names could not be read


def _read_pair(
    reader: AggregateReader, rule_name: str, pair: SourcePair, compliance_type: str | None
) -> list[RecordedResult] | AccountFailure:
    try:
        return [
            r
            for r in reader.results(rule_name, pair, compliance_type)
            if r.resource_type == RESOURCE_TYPE_ROLE
        ]
    except AwsAccessError as exc:
        operation = exc.operation or "config:GetAggregateComplianceDetailsByConfigRule"
        return AccountFailure(pair.account_id, operation, str(exc), region=pair.region)
    except Exception as exc:  # one pair's bug must not stop the others
        return AccountFailure(
            pair.account_id,
            "config:GetAggregateComplianceDetailsByConfigRule",
            f"unexpected {type(exc).__name__}: {exc}",
            region=pair.region,
        )


def _read_names(reader: AggregateReader, account_id: str) -> Mapping[str, str] | None:
    try:
        return dict(reader.role_names(account_id))
    except AwsAccessError:
        return None  # names are a convenience: the ids still identify the roles


def aggregated_rows(
    reader: AggregateReader,
    *,
    rule_name: str,
    compliance_type: str | None,
    workers: int,
    now: datetime,
    on_pair_done: Callable[[], None] | None = None,
) -> AggregatedReport:
    """See the module docstring. Rows come in (account, Region, Config's) order."""
    workers = check_workers(workers)
    report = AggregatedReport(pairs=sorted(set(reader.pairs(rule_name))))
    if not report.pairs:
        return report
    accounts = sorted({p.account_id for p in report.pairs})
    read: dict[SourcePair, list[RecordedResult]] = {}
    names: dict[str, Mapping[str, str]] = {}
    with ThreadPoolExecutor(
        max_workers=min(workers, len(report.pairs)), thread_name_prefix="dormant-aggregate"
    ) as pool:
        pair_futures: dict[Future[list[RecordedResult] | AccountFailure], SourcePair] = {
            pool.submit(_read_pair, reader, rule_name, p, compliance_type): p for p in report.pairs
        }
        name_futures: dict[Future[Mapping[str, str] | None], str] = {
            pool.submit(_read_names, reader, a): a for a in accounts
        }
        for future in as_completed(pair_futures):
            outcome = future.result()
            if isinstance(outcome, AccountFailure):
                report.failures.append(outcome)
            else:
                read[pair_futures[future]] = outcome
            if on_pair_done is not None:
                on_pair_done()
        for name_future, account in name_futures.items():
            known = name_future.result()
            if known is None:
                report.unnamed_accounts.append(account)
            names[account] = known or {}
    for pair in report.pairs:
        account_names = names.get(pair.account_id, {})
        for result in read.get(pair, ()):
            row = row_from_recorded(
                result.resource_id,
                result.compliance,
                result.annotation,
                result.recorded_at,
                None,
                account_id=pair.account_id,
                now=now,
            )
            name = account_names.get(result.resource_id)
            report.rows.append(row if name is None else row._replace(role_name=name))
    report.failures.sort(key=lambda f: (f.account_id, f.region or ""))
    report.unnamed_accounts.sort()
    return report


def check_aggregate_types(wanted: Sequence[str]) -> str | None:
    """The ComplianceType to ask for (None: both), from --compliance's choices."""
    kept = [t for t in AGGREGATE_TYPES if t in wanted]
    if not kept:
        raise ValueError("an aggregator holds only COMPLIANT and NON_COMPLIANT results")
    return kept[0] if len(kept) == 1 else None
